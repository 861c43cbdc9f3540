"""Reading a clerk's spreadsheet (CSV or XLSX) as a stream of rows, and writing the error file beside it.

Headers are found by name, not position: case, spaces and punctuation do not matter and common aliases are
known ("No. KK", "Nomor KK", "kk" all mean ``no_kk``). The header may sit below a title row or two. Row numbers
are the ones the clerk sees in the spreadsheet (the header row is usually 1, so the first data row is 2).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from models.importing.limits import XLSX_MAX_ROWS, check_csv, check_xlsx, csv_error, too_many_rows, xlsx_error
from models.private import create_private, open_private
from models.spreadsheet import csv_row, xlsx_value
from models.validate import cell_text

T = TypeVar("T")
HEADER_SCAN_ROWS = 20
CSV_CHUNK = 1 << 20  # characters read at a time by ``Table.two_cells``

# Limits on a hostile or broken file, each checked before anything is written (see ``limits.py``).
MAX_ROWS = 5_000_000  # the province's 2.6 million members, with room to spare
ERROR_COLUMN = "kesalahan"
_KEY_JUNK = re.compile(r"[^0-9a-z]+")


class ImportFileError(Exception):
    """The file as a whole cannot be imported (missing, wrong type, a required column absent)."""


def header_key(text: object) -> str:
    """Header text → lookup key: "No. KK " → "nokk", what two spellings of one header have in common."""
    return _KEY_JUNK.sub("", cell_text(text).lower())


@dataclass(frozen=True, slots=True)
class Column:
    """One column the importer understands: its canonical name, the spellings it accepts, a template note."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    note: str = ""
    width: int = 14
    text: bool = False  # kept as text in XLSX (16-digit numbers would lose their last digit in Excel)

    def header_keys(self) -> set[str]:
        return {header_key(self.name), *(header_key(a) for a in self.aliases)}


@dataclass(frozen=True, slots=True)
class Layout:
    headers: list[str]  # the header cells as written
    header_row: int
    index: dict[str, int]  # canonical column name → position
    sheet: str | None = None


def _match_header(cells: Sequence[object], columns: Sequence[Column]) -> tuple[dict[str, int], list[str]]:
    """Canonical name → position for the recognised cells, and complaints about columns given twice."""
    lookup = {key: column.name for column in columns for key in column.header_keys()}
    index: dict[str, int] = {}
    problems: list[str] = []
    for position, cell in enumerate(cells):
        name = lookup.get(header_key(cell))
        if name is None:
            continue
        if name in index:
            first = get_column_letter(index[name] + 1)
            problems.append(
                f"Kolom {name} muncul dua kali (kolom {first} dan {get_column_letter(position + 1)}); hapus salah satu."
            )
            continue
        index[name] = position
    return index, problems


def _find_layout(
    rows: Iterator[tuple[int, Sequence[object]]], columns: Sequence[Column], sheet: str | None
) -> tuple[Layout | None, list[str]]:
    """The first row (of the first few) that names every required column; otherwise what is missing."""
    required = [c.name for c in columns if c.required]
    best: tuple[int, list[str]] | None = None
    for number, cells in rows:
        if number > HEADER_SCAN_ROWS:
            break
        index, problems = _match_header(cells, columns)
        missing = [name for name in required if name not in index]
        if not missing and not problems:
            headers = [cell_text(c) for c in cells]
            return Layout(headers, number, index, sheet), []
        if index and (best is None or len(index) > best[0]):
            best = (len(index), problems or [f"Kolom wajib tidak ditemukan: {', '.join(missing)}."])
    if best is None:
        return None, [
            f"Baris judul tidak ditemukan: kolom wajib {', '.join(required)} tidak ada di {HEADER_SCAN_ROWS} baris pertama."
        ]
    return None, best[1]


class Table:
    """A spreadsheet opened for import. ``rows()`` may be called more than once (each call re-reads the file)."""

    def __init__(self, path: Path, columns: Sequence[Column], *, max_rows: int = MAX_ROWS) -> None:
        self.path = path
        self.columns = columns
        self.max_rows = max_rows
        suffix = path.suffix.lower()
        if path.is_dir():
            raise ImportFileError(f"{path} adalah folder, bukan berkas; sebutkan berkas .csv atau .xlsx di dalamnya.")
        if not path.is_file():
            raise ImportFileError(f"Berkas {path} tidak ditemukan.")
        if suffix in (".xlsx", ".xlsm"):
            self.kind = "xlsx"
            self.max_rows = min(max_rows, XLSX_MAX_ROWS - 1)  # Excel's sheet, less the header row
        elif suffix in (".csv", ".txt", ".tsv"):
            self.kind = "csv"
        elif suffix == ".xls":
            raise ImportFileError(f"{path.name} berformat Excel lama (.xls); simpan ulang sebagai .xlsx atau .csv.")
        else:
            raise ImportFileError(f"{path.name}: hanya berkas .csv atau .xlsx yang bisa diimpor.")
        self.encoding = "utf-8-sig"
        self.delimiter = ","
        self.layout = self._open()

    # -- reading ---------------------------------------------------------------------------------------------

    def _open(self) -> Layout:
        if self.kind == "csv":
            if (refused := check_csv(self.path, self.max_rows, HEADER_SCAN_ROWS)) is not None:
                raise ImportFileError(refused)
            self.delimiter = self._sniff_delimiter()
            rows = self._csv_rows()
            try:
                layout, problems = _find_layout(rows, self.columns, None)
            finally:
                rows.close()
        else:
            layout, problems = self._find_sheet()
        if layout is None:
            raise ImportFileError(f"{self.path.name}: " + " ".join(problems))
        return layout

    def _sniff_delimiter(self) -> str:
        with self.path.open("rb") as handle:
            raw = handle.read(65536)
        try:
            sample = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            if error.start >= len(raw) - 3 and len(raw) == 65536:  # a character cut by the sample's end
                sample = raw[: error.start].decode("utf-8-sig")
            else:
                self.encoding = "cp1252"
                sample = raw.decode("cp1252")
        first_line = sample.splitlines()[0] if sample else ""
        # Excel in Indonesian settings writes ";" because "," is the decimal separator.
        counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","

    def _csv_rows(self) -> Generator[tuple[int, list[str]]]:
        with self.path.open(encoding=self.encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            try:
                yield from enumerate(reader, start=1)
            except csv.Error as error:  # a cell over the csv module's limit (a quote never closed), a NUL byte
                raise ImportFileError(csv_error(self.path, reader.line_num, error)) from None

    def _load_book(self) -> Any:
        if (refused := check_xlsx(self.path)) is not None:  # before openpyxl reads the shared strings whole
            raise ImportFileError(refused)
        try:
            return load_workbook(self.path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many types for a damaged or mislabelled file
            raise ImportFileError(xlsx_error(self.path, error)) from None

    def _find_sheet(self) -> tuple[Layout | None, list[str]]:
        book = self._load_book()
        try:
            problems: list[str] = []
            for sheet in book.worksheets:
                rows = self._sheet_rows(sheet)
                try:
                    layout, found = _find_layout(rows, self.columns, sheet.title)
                finally:
                    rows.close()
                if layout is not None:
                    return layout, []
                problems = problems or [f"Lembar {sheet.title}: {p}" for p in found]
            return None, problems
        finally:
            book.close()

    def _sheet_rows(self, sheet: Any) -> Generator[tuple[int, tuple[object, ...]]]:
        sheet.reset_dimensions()  # some writers record a wrong size; read what is really there
        layout: Layout | None = getattr(self, "layout", None)  # None while the header is looked for
        limit = min(self.max_rows + (layout.header_row if layout is not None else HEADER_SCAN_ROWS), XLSX_MAX_ROWS)
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            if number > limit:  # openpyxl hands out the empty rows of a gap too: a far-off row costs its distance
                raise ImportFileError(too_many_rows(self.path, self.max_rows))
            yield number, values

    def rows(self) -> Iterator[tuple[int, Sequence[object]]]:
        """(row number, cells) for each non-empty row after the header."""
        start = self.layout.header_row
        if self.kind == "csv":
            for number, cells in self._csv_rows():
                # the usual row starts with a filled cell (the KK); otherwise: any cell with more than spaces
                if number > start and cells and ((first := cells[0]) and not first.isspace() or "".join(cells).strip()):
                    yield number, cells
            return
        book = self._load_book()
        try:
            for number, values in self._sheet_rows(book[self.layout.sheet]):
                if number > start and any(v is not None and v != "" for v in values):
                    yield number, values
        finally:
            book.close()

    def two_cells(self, first: int, second: int) -> Iterator[tuple[int, object, object]]:
        """(row number, cell ``first``, cell ``second``) of each row ``rows()`` gives: what the scan reads.

        A CSV file is cut with ``str.split`` a megabyte at a time while its lines are its records (no quote
        character, no lone carriage return), and only up to the second of the two cells; at the first chunk
        that is not so, ``rows()`` takes over after the rows already given. A fifth of the scan's CPU."""
        if self.kind == "csv":
            done = yield from self._plain_two_cells(first, second)
            if done is None:
                return
        else:
            done = 0
        for number, cells in self.rows():
            if number > done:
                size = len(cells)
                yield number, cells[first] if first < size else None, cells[second] if second < size else None

    def _plain_two_cells(self, first: int, second: int) -> Generator[tuple[int, object, object], None, int | None]:
        """``two_cells`` while the file's lines are its records; returns None at the end of the file, or the
        last record number given when a quote or a lone carriage return turns up."""
        delimiter = self.delimiter
        header = self.layout.header_row
        need = max(first, second) + 1
        number = 0
        with self.path.open(encoding=self.encoding, newline="") as handle:
            carry = ""
            while chunk := handle.read(CSV_CHUNK):
                text = carry + chunk
                end = text.rfind("\n") + 1  # the complete lines; the rest waits for the next chunk
                lines = text[:end].replace("\r\n", "\n")
                if '"' in lines or "\r" in lines:
                    return number
                carry = text[end:]
                for line in lines.split("\n")[:-1]:
                    number += 1
                    cells = line.split(delimiter, need)
                    head = cells[0]
                    if (not head or head.isspace()) and not line.replace(delimiter, "").strip() or number <= header:
                        continue  # a blank row (``rows()`` skips it too), or the header and what is above it
                    size = len(cells)
                    yield number, cells[first] if first < size else None, cells[second] if second < size else None
            if '"' in carry or "\r" in carry:
                return number
            if carry:  # a last line without a line break
                cells = carry.split(delimiter, need)
                if carry.replace(delimiter, "").strip() and number + 1 > header:
                    size = len(cells)
                    yield number + 1, cells[first] if first < size else None, cells[second] if second < size else None
        return None

    def read_all(self, work: Callable[[], T]) -> T:
        """Run ``work`` (which reads ``rows()``); if a CSV turns out not to be UTF-8 after all (a Windows Excel
        export), read it again as Windows-1252. Anything else undecodable is a file error."""
        try:
            return work()
        except UnicodeDecodeError:
            if self.kind != "csv" or self.encoding == "cp1252":
                raise ImportFileError(
                    f"{self.path.name}: berkas tidak bisa dibaca; simpan ulang sebagai CSV UTF-8."
                ) from None
        self.encoding = "cp1252"
        try:
            return work()
        except UnicodeDecodeError:
            raise ImportFileError(
                f"{self.path.name}: berkas tidak bisa dibaca; simpan ulang sebagai CSV UTF-8."
            ) from None

    def cell(self, cells: Sequence[object], name: str) -> object:
        position = self.layout.index.get(name)
        if position is None or position >= len(cells):
            return None
        return cells[position]

    def has(self, name: str) -> bool:
        return name in self.layout.index


def error_path(path: Path) -> Path:
    """``data.xlsx`` → ``data.errors.xlsx``; CSV (and .txt/.tsv) → ``data.errors.csv``."""
    suffix = ".xlsx" if path.suffix.lower() in (".xlsx", ".xlsm") else ".csv"
    return path.with_name(f"{path.stem}.errors{suffix}")


class ErrorFile:
    """The rows that did not load, as read, plus a ``kesalahan`` column: fix them and import this file.

    Written to a temporary name and moved into place on ``close()``; opened only when the first bad row comes.
    """

    def __init__(self, table: Table) -> None:
        self.table = table
        self.path = error_path(table.path)
        self._temp = self.path.with_name(self.path.name + ".tmp")
        self._headers = list(table.layout.headers)
        reuse = [i for i, h in enumerate(self._headers) if header_key(h) == ERROR_COLUMN]
        self._error_at = reuse[0] if reuse else len(self._headers)
        if not reuse:
            self._headers.append(ERROR_COLUMN)
        text_columns = {c.name for c in table.columns if c.text}
        self._text_at = {i for name, i in table.layout.index.items() if name in text_columns}
        self.rows = 0
        self._csv: Any = None
        self._handle: Any = None
        self._book: Any = None
        self._sheet: Any = None

    def _start(self) -> None:
        # The rows hold NIKs, names and addresses: readable by the owner only, from the first byte on (the
        # temporary file is created 0600 and ``os.replace`` keeps its mode).
        if self.table.kind == "csv":
            self._handle = open_private(self._temp, "w", encoding="utf-8-sig", newline="")  # it holds NIKs
            self._csv = csv.writer(self._handle, delimiter=self.table.delimiter)
            self._csv.writerow(csv_row(self._headers))
        else:
            self._book = Workbook(write_only=True)
            self._sheet = self._book.create_sheet("Kesalahan")
            self._sheet.freeze_panes = "A2"
            bold = Font(bold=True)
            header = []
            for text in self._headers:
                cell = WriteOnlyCell(self._sheet, value=text)
                cell.data_type = "s"
                cell.font = bold
                header.append(cell)
            self._sheet.append(header)

    def write(self, cells: Sequence[object], message: str) -> None:
        if self._csv is None and self._sheet is None:
            self._start()
        values = list(cells)[: len(self.table.layout.headers)]
        values += [None] * (len(self._headers) - len(values))
        values[self._error_at] = message
        self.rows += 1
        if self._csv is not None:
            self._csv.writerow(csv_row(values))
            return
        out: list[Any] = []
        for position, value in enumerate(values):
            if position in self._text_at and value is not None:
                cell = WriteOnlyCell(self._sheet, value=cell_text(value))
                cell.data_type = "s"
                cell.number_format = "@"
                out.append(cell)
            else:
                out.append(xlsx_value(self._sheet, value))
        self._sheet.append(out)

    def close(self) -> Path | None:
        """Move the file into place; with no bad rows, remove a stale error file of an earlier run."""
        if self._handle is not None:
            self._handle.close()
        elif self._book is not None:
            create_private(self._temp)  # it holds NIKs: 0600 before openpyxl writes into it
            self._book.save(self._temp)
        if self.rows:
            os.replace(self._temp, self.path)
            return self.path
        self.path.unlink(missing_ok=True)
        return None

    def discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
        self._temp.unlink(missing_ok=True)
