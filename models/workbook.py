"""The /ekspor workbook itself, written with XlsxWriter in constant-memory mode: a summary sheet, a styled header,
frozen panes, an autofilter, real date cells in an Indonesian number format, and coded values as words
(``ValueTexts``). Rows come from ``models.export``; every text goes through ``models.spreadsheet.write_text``.

Constant memory: each row is written to a temporary file as soon as the next one starts, so a kabupaten's month
(≈ 100k rows × 19 cells) never sits in memory; the temporary files are unnamed (``tempfile.TemporaryFile``) and
the workbook itself is written into the caller's 0600 file. Speed (issue 22): the writing is most of an export's
cost, so each column gets its own small cell writer chosen once from its kind (``Cell``), instead of asking every
value what it is; dates and times become Excel serial numbers here, in one subtraction; and finished rows are
turned into XML by ``models.xlsx_rows.RowWorksheet`` (the same bytes as XlsxWriter's own, in one pass).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from models.period import Period
from models.spreadsheet import write_text
from models.xlsx_rows import RowWorksheet

SHEET_ROW_LIMIT = 1_000_000  # Excel's hard limit is 1,048,576; a new sheet starts before it


class Cell(enum.StrEnum):
    TEXT = "text"
    ID = "id"  # NIK, KK: digits kept as text
    DATE = "date"
    DATETIME = "datetime"
    NUMBER = "number"
    BOOL = "bool"


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    kind: Cell
    width: float


PERIOD_COLUMNS = frozenset({"periode", "kunjungan_terakhir"})  # "2026-11" as text: shown as "November 2026"


@dataclass(frozen=True, slots=True)
class ValueTexts:
    """How coded values read in the workbook; the words come from ``handlers/render`` (the person's language).

    ``codes``: per column key, code → label (``jenis``: ``alamat_baru`` → "Alamat baru"); the key ``_sex``
    maps L/P inside a data change's values. ``fields``: a data change's value keys → labels. ``period``
    and ``day``: a period ("2026-11") and a date inside text (a data change's birth date)."""

    codes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    fields: Mapping[str, str] = field(default_factory=dict)
    period: Callable[[str], str] = str
    day: Callable[[date], str] = date.isoformat


_DATE_FORMAT = "[$-421]d mmm yyyy"  # 421: Indonesian — "10 Nov 2026", "5 Agu 2026"
_DATETIME_FORMAT = '[$-421]d mmm yyyy hh"."mm'  # "10 Nov 2026 14.30": Indonesian writes hours.minutes
_EPOCH = datetime(1899, 12, 30)  # Excel's day 0 in the 1900 date system, valid from 1 March 1900 on
_EPOCH_ORDINAL = _EPOCH.toordinal()
_SERIAL_FROM = date(1900, 3, 1)
_DAY = timedelta(days=1)

Put = Callable[[Worksheet, int, int, Any], None]  # (sheet, row, column, value) → the cell written; None writes nothing


class SheetWriter:
    """Appends rows to a constant-memory workbook at ``path``, starting a new sheet before Excel's row limit;
    ``save`` finishes the file. ``path`` should already exist with the mode the file must have (0600)."""

    def __init__(
        self,
        path: str,
        columns: Sequence[Column],
        labels: Mapping[str, str],
        sheet_title: str,
        tz: ZoneInfo,
        texts: ValueTexts | None = None,
    ) -> None:
        self.tz = tz  # times are written as local wall-clock times: Excel cells carry no zone
        self.texts = texts or ValueTexts()
        self.columns, self.labels, self.title = columns, labels, sheet_title
        # write() is never called, but its guesses stay off: a text is never a formula, URL or number
        self.workbook = Workbook(
            path,
            {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "use_zip64": True},
        )
        self.sheet: Worksheet | None = None
        self.sheets = 0
        self.in_sheet = 0
        self.rows = 0
        self.yes, self.no = labels.get("_yes", "Ya"), labels.get("_no", "Tidak")
        book = self.workbook
        self._date = book.add_format({"num_format": _DATE_FORMAT})
        self._datetime = book.add_format({"num_format": _DATETIME_FORMAT})
        self._id = book.add_format({"num_format": "@"})
        self._bold = book.add_format({"bold": True})
        self._header = book.add_format(
            {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F5C99", "text_wrap": True, "valign": "vcenter"}
        )
        self._puts: list[Put] = []

    # --- cells ------------------------------------------------------------------------------------------------

    def _number(self, sheet: Worksheet, row: int, col: int, value: float, cell_format: Format | None = None) -> None:
        if math.isfinite(value):  # NaN and infinity have no XLSX number: left empty
            sheet._write_number(row, col, value, cell_format)

    def _day(self, sheet: Worksheet, row: int, col: int, value: date) -> None:
        if value < _SERIAL_FROM:  # Excel's 1900 leap-year bug: XlsxWriter knows the serials before March 1900
            sheet.write_datetime(row, col, value, self._date)
            return
        sheet._write_number(row, col, value.toordinal() - _EPOCH_ORDINAL, self._date)

    def _moment(self, sheet: Worksheet, row: int, col: int, value: datetime) -> None:
        local = value.astimezone(self.tz).replace(tzinfo=None) if value.tzinfo is not None else value
        if local.date() < _SERIAL_FROM:
            sheet.write_datetime(row, col, local, self._datetime)
            return
        sheet._write_number(row, col, (local - _EPOCH) / _DAY, self._datetime)

    def _any(self, sheet: Worksheet, row: int, col: int, value: Any, column: Column | None) -> None:
        """Any value, asked what it is: the summary's values and whatever a column's own writer does not expect."""
        if value is None:
            return
        if isinstance(value, enum.Enum):
            value = value.value
        kind = column.kind if column else None
        if isinstance(value, datetime):
            self._moment(sheet, row, col, value)
        elif isinstance(value, date):
            self._day(sheet, row, col, value)
        elif kind is Cell.BOOL or isinstance(value, bool):
            write_text(sheet, row, col, self.yes if value else self.no)
        elif kind is Cell.ID:
            write_text(sheet, row, col, str(value), self._id)
        elif isinstance(value, int | float):
            self._number(sheet, row, col, value)
        else:
            write_text(sheet, row, col, self._text(value, column))

    def _text(self, value: Any, column: Column | None) -> str:
        if isinstance(value, dict):
            fields = self.texts.fields
            return ", ".join(f"{fields.get(k, k)}: {self._inner(k, v)}" for k, v in value.items())
        value = str(value)
        if column is not None:
            if column.key in PERIOD_COLUMNS:
                return self._period(value)
            codes = self.texts.codes.get(column.key)
            if codes is not None:
                return codes.get(value, value)
        return value

    def _put(self, column: Column) -> Put:
        """The writer of one column's cells, chosen once: the type a column holds goes straight to XlsxWriter,
        anything else through ``_any``."""

        def other(sheet: Worksheet, row: int, col: int, value: Any) -> None:
            self._any(sheet, row, col, value, column)

        kind, key = column.kind, column.key
        if kind is Cell.TEXT and (key in PERIOD_COLUMNS or key in self.texts.codes):
            shown: dict[str, str] = {}  # a handful of codes or periods, each looked up once

            def coded(sheet: Worksheet, row: int, col: int, value: Any) -> None:
                if type(value) is str or isinstance(value, enum.Enum):
                    code = value.value if isinstance(value, enum.Enum) else value
                    text = shown.get(code)
                    if text is None:
                        text = shown[code] = self._text(code, column)
                    write_text(sheet, row, col, text)
                elif value is not None:
                    other(sheet, row, col, value)

            return coded
        if kind is Cell.TEXT or kind is Cell.ID:
            id_format = self._id if kind is Cell.ID else None

            def text(sheet: Worksheet, row: int, col: int, value: Any) -> None:
                if type(value) is str:
                    write_text(sheet, row, col, value, id_format)
                elif value is not None:
                    other(sheet, row, col, value)

            return text
        if kind is Cell.NUMBER:
            number = self._number

            def numeric(sheet: Worksheet, row: int, col: int, value: Any) -> None:
                if type(value) is int or type(value) is float:
                    number(sheet, row, col, value)
                elif value is not None:
                    other(sheet, row, col, value)

            return numeric
        if kind is Cell.BOOL:
            yes, no = self.yes, self.no

            def boolean(sheet: Worksheet, row: int, col: int, value: Any) -> None:
                if value is not None:
                    write_text(sheet, row, col, yes if value else no)

            return boolean
        return other

    def _period(self, text: str) -> str:
        try:
            Period.parse(text)
        except ValueError:
            return text
        return self.texts.period(text)

    def _inner(self, key: str, value: Any) -> Any:
        """A value inside a data change (``{"tanggal_lahir": "2026-11-10", "jenis_kelamin": "P"}``)."""
        if type(value) is not str:
            return value
        if key in ("jenis_kelamin", "kelamin", "sex"):
            return self.texts.codes.get("_sex", {}).get(value.upper(), value)
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return self.texts.day(date.fromisoformat(value))
            except ValueError:
                return value
        return self.texts.codes.get(f"_{key}", {}).get(
            value, value
        )  # user text stays text (formula injection, issue 17)

    # --- sheets -----------------------------------------------------------------------------------------------

    def summary(self, title: str, lines: Sequence[tuple[str, Any]]) -> None:
        sheet = self.workbook.add_worksheet(title[:31])
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, 1, 28)
        for row, (label, value) in enumerate(lines):
            write_text(sheet, row, 0, label, self._bold)  # a label is text, whatever it starts with
            self._any(sheet, row, 1, value, None)

    def _new_sheet(self) -> Worksheet:
        self.sheets += 1
        title = self.title if self.sheets == 1 else f"{self.title} ({self.sheets})"
        sheet = self.workbook.add_worksheet(title[:31], worksheet_class=RowWorksheet)
        sheet.freeze_panes(1, 0)
        for index, column in enumerate(self.columns):
            sheet.set_column(index, index, column.width)
        sheet.autofilter(f"A1:{xl_col_to_name(len(self.columns) - 1)}{SHEET_ROW_LIMIT + 1}")
        for index, column in enumerate(self.columns):
            write_text(sheet, 0, index, self.labels.get(column.key, column.key), self._header)
        self.in_sheet = 0
        return sheet

    def append(self, rows: Sequence[Sequence[Any]]) -> None:
        if not self._puts:
            self._puts = [self._put(column) for column in self.columns]
        puts = list(enumerate(self._puts))
        width = len(puts)
        for values in rows:
            if self.sheet is None or self.in_sheet >= SHEET_ROW_LIMIT:
                self.sheet = self._new_sheet()
            if len(values) != width:
                raise ValueError(f"a row of {len(values)} values for {width} columns")
            self.in_sheet += 1
            row, sheet = self.in_sheet, self.sheet
            for col, put in puts:
                put(sheet, row, col, values[col])
            self.rows += 1

    def save(self) -> None:
        if self.sheet is None:
            self.sheet = self._new_sheet()  # an empty export still has its header row
        self.workbook.close()
