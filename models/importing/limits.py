"""How big an import file may be, checked before it is parsed: a hostile or broken file stops with one line.

An import runs on the server with the whole registry at hand, so a file must not be able to take the server's
memory. The parsers stream rows, but not everything they read: Python's ``csv`` holds a whole record (and a
text file's iterator a whole line) in memory, and openpyxl reads an XLSX file's shared strings whole, however
small the zip that carries them (a few kilobytes of repeated characters unpack to gigabytes). So:

- CSV: a sequential read in binary chunks (C-speed ``find``/``count``, memory one chunk) before parsing finds a
  line longer than the ``csv`` module's field limit or more lines than the importer takes;
- XLSX: the zip's directory gives each part's uncompressed size (``zipfile`` never unpacks more than that), so a
  zip bomb is refused before openpyxl opens it; the XML itself is parsed by defusedxml (openpyxl uses it when it
  is installed), which refuses entity expansion;
- rows: a cap per file (``Table.max_rows``), checked while reading, and an XLSX sheet holds no more than Excel's.

Every check runs before the first batch is written, so a refused file leaves nothing behind, as ever.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

from defusedxml import DefusedXmlException

MAX_LINE_BYTES = csv.field_size_limit()  # 131,072: no cell can be longer than its line
CHUNK = MAX_LINE_BYTES  # bytes read at a time by ``check_csv``: a line inside one chunk is short enough
XLSX_MAX_ROWS = 1_048_576  # Excel's own limit: a sheet with more was not written by Excel
XLSX_MAX_PART = 256 << 20  # uncompressed bytes of a part read whole (shared strings, styles, workbook)
XLSX_MAX_TOTAL = 2 << 30  # uncompressed bytes of the whole file (sheets are streamed; this bounds the time)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def too_many_rows(path: Path, limit: int) -> str:
    return (
        f"{path.name}: lebih dari {_number(limit)} baris; bagi data menjadi beberapa berkas lalu impor satu per satu."
    )


def csv_error(path: Path, line: int, error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return (
            f"{path.name} baris {line}: ada sel lebih dari {_number(MAX_LINE_BYTES)} karakter "
            "(mungkin tanda kutip yang tidak ditutup). Perbaiki berkasnya lalu impor lagi."
        )
    return f"{path.name} baris {line}: berkas CSV rusak ({error}); simpan ulang sebagai CSV UTF-8."


def xlsx_error(path: Path, error: BaseException) -> str:
    """One line for a file openpyxl could not open; XML that defusedxml refused (entities, a DTD) is named as such."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            return (
                f"{path.name} tidak bisa dibaca sebagai XLSX: berisi XML yang tidak diizinkan (entitas/DTD, "
                f"{type(cause).__name__}). Simpan ulang dari Excel lalu impor lagi."
            )
        cause = cause.__cause__ or cause.__context__
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"{path.name} tidak bisa dibaca sebagai XLSX ({first})."


def check_csv(path: Path, max_rows: int, slack: int = 0) -> str | None:
    """Why ``path`` is refused (a line too long, too many lines), or None; reads it once, a chunk at a time.

    A line ends at ``\\n`` or ``\\r`` (what ``open(newline="")`` splits on). The chunks are no bigger than a line
    may be, so a line wholly inside one is short enough: only the run across chunk boundaries needs counting.
    ``slack`` lines above ``max_rows`` are allowed for the title and header rows.
    """
    run = 0  # bytes since the last line break
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            first = min((i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0), default=-1)
            if first < 0:
                run += len(chunk)
                if run > MAX_LINE_BYTES:
                    return _long_line(path, line)
                continue
            if run + first > MAX_LINE_BYTES:
                return _long_line(path, line)
            inner = chunk.count(b"\n") or chunk.count(b"\r")  # lines ended in this chunk (\r\n counts once)
            line += inner
            if line > max_rows + slack + 1:
                return too_many_rows(path, max_rows)
            run = len(chunk) - max(chunk.rfind(b"\n"), chunk.rfind(b"\r")) - 1
    if run > MAX_LINE_BYTES:
        return _long_line(path, line)
    return None


def _long_line(path: Path, line: int) -> str:
    return (
        f"{path.name} baris {line}: baris terlalu panjang (lebih dari {_number(MAX_LINE_BYTES)} byte; "
        "mungkin tanda kutip yang tidak ditutup). Perbaiki berkasnya lalu impor lagi."
    )


def check_xlsx(path: Path) -> str | None:
    """Why ``path`` is refused (a part or the whole unpacking too big), or None; reads only the zip's directory."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        return f"{path.name} tidak bisa dibaca sebagai XLSX ({error})."
    total = 0
    for part in parts:
        total += part.file_size
        streamed = part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml")
        if not streamed and part.file_size > XLSX_MAX_PART:
            return (
                f"{path.name}: bagian {part.filename} terlalu besar setelah dibuka "
                f"({_number(part.file_size)} byte, paling banyak {_number(XLSX_MAX_PART)}); berkas ini tidak diimpor. "
                "Simpan ulang dari Excel, atau ekspor sebagai CSV."
            )
    if total > XLSX_MAX_TOTAL:
        return (
            f"{path.name}: isi berkas terlalu besar setelah dibuka ({_number(total)} byte, paling banyak "
            f"{_number(XLSX_MAX_TOTAL)}); bagi data menjadi beberapa berkas atau ekspor sebagai CSV."
        )
    return None
