"""The /ekspor workbook itself: a write-only openpyxl workbook with a summary sheet, a styled header, frozen
panes, an autofilter, real date cells in an Indonesian number format, and coded values as words
(``ValueTexts``). Rows come from ``models.export``; every text goes through ``models.spreadsheet``."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from models.period import Period
from models.spreadsheet import xlsx_value

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


_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F5C99")
_DATE_FORMAT = "[$-421]d mmm yyyy"  # 421: Indonesian — "10 Nov 2026", "5 Agu 2026"
_DATETIME_FORMAT = '[$-421]d mmm yyyy hh"."mm'  # "10 Nov 2026 14.30": Indonesian writes hours.minutes


class SheetWriter:
    """Appends rows to a write-only workbook, starting a new sheet before Excel's row limit."""

    def __init__(
        self,
        columns: Sequence[Column],
        labels: Mapping[str, str],
        sheet_title: str,
        tz: ZoneInfo,
        texts: ValueTexts | None = None,
    ) -> None:
        self.tz = tz  # times are written as local wall-clock times: Excel cells carry no zone
        self.texts = texts or ValueTexts()
        self.columns, self.labels, self.title = columns, labels, sheet_title
        self.workbook = Workbook(write_only=True)
        self.sheet: WriteOnlyWorksheet | None = None
        self.sheets = 0
        self.in_sheet = 0
        self.rows = 0
        self.yes, self.no = labels.get("_yes", "Ya"), labels.get("_no", "Tidak")

    def summary(self, title: str, lines: Sequence[tuple[str, Any]]) -> None:
        sheet = self.workbook.create_sheet(title[:31])
        sheet.column_dimensions["A"].width = 40
        sheet.column_dimensions["B"].width = 28
        for label, value in lines:
            cell = WriteOnlyCell(sheet, value=label)
            cell.data_type = "s"  # a label is text, whatever it starts with
            cell.font = Font(bold=True)
            sheet.append([cell, self._value(sheet, value, None)])

    def _new_sheet(self) -> WriteOnlyWorksheet:
        self.sheets += 1
        title = self.title if self.sheets == 1 else f"{self.title} ({self.sheets})"
        sheet = self.workbook.create_sheet(title[:31])
        sheet.freeze_panes = "A2"
        for index, column in enumerate(self.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(self.columns))}{SHEET_ROW_LIMIT + 1}"
        header = []
        for column in self.columns:
            cell = WriteOnlyCell(sheet, value=self.labels.get(column.key, column.key))
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            header.append(cell)
        sheet.append(header)
        self.in_sheet = 0
        return sheet

    def _value(self, sheet: WriteOnlyWorksheet, value: Any, column: Column | None) -> Any:
        kind = column.kind if column else None
        if value is None:
            return None
        if isinstance(value, enum.Enum):
            value = value.value
        if isinstance(value, datetime):
            cell = WriteOnlyCell(sheet, value=value.astimezone(self.tz).replace(tzinfo=None))
            cell.number_format = _DATETIME_FORMAT
            return cell
        if isinstance(value, date):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = _DATE_FORMAT
            return cell
        if kind is Cell.BOOL or isinstance(value, bool):
            return self.yes if value else self.no
        if kind is Cell.ID:
            cell = WriteOnlyCell(sheet, value=str(value))
            cell.data_type = "s"
            cell.number_format = "@"
            return cell
        if isinstance(value, dict):
            fields = self.texts.fields
            value = ", ".join(f"{fields.get(k, k)}: {self._inner(k, v)}" for k, v in value.items())
        elif column is not None and type(value) is str:
            if column.key in PERIOD_COLUMNS:
                value = self._period(value)
            else:
                codes = self.texts.codes.get(column.key)
                if codes is not None:
                    value = codes.get(value, value)
        return xlsx_value(sheet, value)

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

    def append(self, rows: Sequence[Sequence[Any]]) -> None:
        for row in rows:
            if self.sheet is None or self.in_sheet >= SHEET_ROW_LIMIT:
                self.sheet = self._new_sheet()
            sheet = self.sheet
            self.sheet.append([self._value(sheet, v, c) for v, c in zip(row, self.columns, strict=True)])
            self.in_sheet += 1
            self.rows += 1

    def save(self, path: str) -> None:
        if self.sheet is None:
            self.sheet = self._new_sheet()  # an empty export still has its header row
        self.workbook.save(path)
