"""Excel exports for Dinas Sosial (/ekspor): visits, commitment checks, overdue list, referrals, data changes.

The workbook is written in openpyxl's write-only mode while rows stream from the database in batches, so a
kabupaten's month (≈ 80k rows) never sits in memory at once; the CPU-heavy writing runs in a worker thread so
the bot keeps answering other chats meanwhile. Formatting is what a clerk expects: a summary sheet first, a bold
header row, frozen panes, an autofilter, column widths, real dates (not text), and NIK/KK as text so Excel
never turns 3602051705800001 into 3.60205E+15. Every text value goes through ``models.spreadsheet`` so a name
typed as ``=HYPERLINK(…)`` is shown as typed and never runs as a formula.

Column *labels* are texts people read, so they come from ``handlers/render`` (``labels``); this module knows the
columns' keys, types and widths, and the rows.
"""

from __future__ import annotations

import asyncio
import enum
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.actor import Actor
from models.period import Period
from models.queries.overdue import overdue_rows_query
from models.queries.regions import household_filter
from models.queries.summary import period_bounds
from models.spreadsheet import xlsx_value
from models.tables import CommitmentCheck, DataChange, Household, Member, Referral, Region, User, Visit

RowSelect = Select[*tuple[Any, ...]]
TELEGRAM_DOCUMENT_LIMIT = 50 * 1024 * 1024
SHEET_ROW_LIMIT = 1_000_000  # Excel's hard limit is 1,048,576; a new sheet starts before it
BATCH = 2_000


class ExportKind(enum.StrEnum):
    VISITS = "kunjungan"
    CHECKS = "komitmen"
    OVERDUE = "tunggakan"
    REFERRALS = "rujukan"
    CHANGES = "perubahan"


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


C = Column
# fmt: off
COLUMNS: dict[ExportKind, tuple[Column, ...]] = {
    ExportKind.VISITS: (
        C("id", Cell.TEXT, 34), C("periode", Cell.TEXT, 9), C("tanggal_kunjungan", Cell.DATE, 12),
        C("dikirim", Cell.DATETIME, 17), C("kk", Cell.ID, 19), C("kepala_keluarga", Cell.TEXT, 26),
        C("desa", Cell.TEXT, 20), C("kode_desa", Cell.TEXT, 14), C("pendamping", Cell.TEXT, 24),
        C("bertemu", Cell.BOOL, 9), C("alasan_tidak_bertemu", Cell.TEXT, 18), C("skor_deprivasi", Cell.NUMBER, 9),
        C("terlambat", Cell.BOOL, 10), C("status_tinjauan", Cell.TEXT, 14), C("catatan_tinjauan", Cell.TEXT, 30),
        C("lintang", Cell.NUMBER, 11), C("bujur", Cell.NUMBER, 11), C("lokasi_ditandai", Cell.BOOL, 10),
        C("foto", Cell.BOOL, 7),
    ),
    ExportKind.CHECKS: (
        C("periode", Cell.TEXT, 9), C("nik", Cell.ID, 19), C("nama_anggota", Cell.TEXT, 26), C("kk", Cell.ID, 19),
        C("kepala_keluarga", Cell.TEXT, 26), C("desa", Cell.TEXT, 20), C("kode_komitmen", Cell.TEXT, 26),
        C("hasil", Cell.TEXT, 15), C("alasan", Cell.TEXT, 16), C("tanggal_kunjungan", Cell.DATE, 12),
        C("pendamping", Cell.TEXT, 24),
    ),
    ExportKind.OVERDUE: (
        C("kk", Cell.ID, 19), C("kepala_keluarga", Cell.TEXT, 26), C("alamat", Cell.TEXT, 30),
        C("desa", Cell.TEXT, 20), C("kode_desa", Cell.TEXT, 14), C("pendamping", Cell.TEXT, 24),
        C("kunjungan_terakhir", Cell.TEXT, 12), C("periode_tanpa_kunjungan", Cell.NUMBER, 12),
    ),
    ExportKind.REFERRALS: (
        C("id", Cell.NUMBER, 8), C("dibuat", Cell.DATETIME, 17), C("kk", Cell.ID, 19),
        C("kepala_keluarga", Cell.TEXT, 26), C("nik", Cell.ID, 19), C("nama_anggota", Cell.TEXT, 24),
        C("desa", Cell.TEXT, 20), C("sektor", Cell.TEXT, 12), C("kebutuhan", Cell.TEXT, 36),
        C("status", Cell.TEXT, 11), C("catatan_status", Cell.TEXT, 30), C("diperbarui", Cell.DATETIME, 17),
    ),
    ExportKind.CHANGES: (
        C("id", Cell.NUMBER, 8), C("dibuat", Cell.DATETIME, 17), C("kk", Cell.ID, 19),
        C("kepala_keluarga", Cell.TEXT, 26), C("nik", Cell.ID, 19), C("nama_anggota", Cell.TEXT, 24),
        C("desa", Cell.TEXT, 20), C("jenis", Cell.TEXT, 16), C("nilai_lama", Cell.TEXT, 20),
        C("nilai_baru", Cell.TEXT, 36), C("status", Cell.TEXT, 11), C("diputuskan", Cell.DATETIME, 17),
    ),
}
# fmt: on


@dataclass(frozen=True, slots=True)
class ExportFile:
    path: str
    rows: int
    size: int

    @property
    def fits_telegram(self) -> bool:
        return self.size <= TELEGRAM_DOCUMENT_LIMIT


# --- the rows (scoped like every query) ---------------------------------------------------------------------


def _visits(actor: Actor, area_code: str, period: Period, tz: ZoneInfo) -> RowSelect:
    return (
        select(
            Visit.id,
            Visit.period,
            Visit.visited_on,
            Visit.submitted_at,
            Household.kk,
            Household.head_name,
            Region.name,
            Household.desa_code,
            User.name,
            Visit.met,
            Visit.not_met_reason,
            Visit.deprivation_score,
            Visit.late,
            Visit.review_status,
            Visit.review_note,
            Visit.latitude,
            Visit.longitude,
            Visit.location_flagged,
            Visit.photo_file_id.is_not(None),
        )
        .join(Household, Household.id == Visit.household_id)
        .join(Region, Region.code == Household.desa_code)
        .outerjoin(User, User.id == Visit.pendamping_id)
        .where(Visit.period == str(period), *household_filter(actor, area_code))
        .order_by(Household.desa_code, Household.head_name, Visit.visited_on, Visit.id)
    )


def _checks(actor: Actor, area_code: str, period: Period, tz: ZoneInfo) -> RowSelect:
    return (
        select(
            CommitmentCheck.period,
            Member.nik,
            Member.name,
            Household.kk,
            Household.head_name,
            Region.name,
            CommitmentCheck.commitment,
            CommitmentCheck.result,
            CommitmentCheck.reason,
            Visit.visited_on,
            User.name,
        )
        .join(Visit, and_(Visit.id == CommitmentCheck.visit_id, Visit.period == CommitmentCheck.period))
        .join(Member, Member.id == CommitmentCheck.member_id)
        .join(Household, Household.id == Visit.household_id)
        .join(Region, Region.code == Household.desa_code)
        .outerjoin(User, User.id == Visit.pendamping_id)
        .where(CommitmentCheck.period == str(period), *household_filter(actor, area_code))
        .order_by(Household.desa_code, Household.head_name, Member.name, CommitmentCheck.commitment)
    )


def _referrals(actor: Actor, area_code: str, period: Period, tz: ZoneInfo) -> RowSelect:
    start, end = period_bounds(period, tz)
    member = aliased(Member)
    return (
        select(
            Referral.id,
            Referral.created_at,
            Household.kk,
            Household.head_name,
            member.nik,
            member.name,
            Region.name,
            Referral.sector,
            Referral.need,
            Referral.status,
            Referral.status_note,
            Referral.updated_at,
        )
        .join(Household, Household.id == Referral.household_id)
        .join(Region, Region.code == Household.desa_code)
        .outerjoin(member, member.id == Referral.member_id)
        .where(Referral.created_at >= start, Referral.created_at < end, *household_filter(actor, area_code))
        .order_by(Referral.created_at, Referral.id)
    )


def _changes(actor: Actor, area_code: str, period: Period, tz: ZoneInfo) -> RowSelect:
    start, end = period_bounds(period, tz)
    member = aliased(Member)
    return (
        select(
            DataChange.id,
            DataChange.created_at,
            Household.kk,
            Household.head_name,
            member.nik,
            member.name,
            Region.name,
            DataChange.kind,
            DataChange.old_value,
            DataChange.new_value,
            DataChange.status,
            DataChange.decided_at,
        )
        .join(Household, Household.id == DataChange.household_id)
        .join(Region, Region.code == Household.desa_code)
        .outerjoin(member, member.id == DataChange.member_id)
        .where(DataChange.created_at >= start, DataChange.created_at < end, *household_filter(actor, area_code))
        .order_by(DataChange.created_at, DataChange.id)
    )


def _overdue(actor: Actor, area_code: str, period: Period, tz: ZoneInfo) -> RowSelect:
    return overdue_rows_query(actor, area_code, period, latest=False)  # exact for any period; exports are rare


QUERIES: dict[ExportKind, Callable[[Actor, str, Period, ZoneInfo], RowSelect]] = {
    ExportKind.VISITS: _visits,
    ExportKind.CHECKS: _checks,
    ExportKind.OVERDUE: _overdue,
    ExportKind.REFERRALS: _referrals,
    ExportKind.CHANGES: _changes,
}


def _overdue_row(row: Sequence[Any], period: Period) -> tuple[Any, ...]:
    _hid, head, kk, address, desa_code, desa, _pid, pendamping, last = row
    missed = period.months_since(Period.parse(last)) if last else None
    return (kk, head, address, desa, desa_code, pendamping, last, missed)


async def count_rows(
    session: AsyncSession, actor: Actor, kind: ExportKind, area_code: str, period: Period, tz: ZoneInfo
) -> int:
    stmt = QUERIES[kind](actor, area_code, period, tz).order_by(None)
    return int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


async def stream_rows(
    session: AsyncSession,
    actor: Actor,
    kind: ExportKind,
    area_code: str,
    period: Period,
    tz: ZoneInfo,
    batch: int = BATCH,
) -> AsyncIterator[list[tuple[Any, ...]]]:
    """The export's rows in batches, in column order; ``tz`` is the configured zone (periods, times shown)."""
    stmt = QUERIES[kind](actor, area_code, period, tz).execution_options(yield_per=batch)
    result = await session.stream(stmt)
    async for partition in result.partitions(batch):
        if kind is ExportKind.OVERDUE:
            yield [_overdue_row(row, period) for row in partition]
        else:
            yield [tuple(row) for row in partition]


# --- the workbook -------------------------------------------------------------------------------------------


_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F5C99")
_DATE_FORMAT = "dd/mm/yyyy"
_DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


class _Writer:
    """Appends rows to a write-only workbook, starting a new sheet before Excel's row limit."""

    def __init__(self, columns: Sequence[Column], labels: Mapping[str, str], sheet_title: str, tz: ZoneInfo) -> None:
        self.tz = tz  # times are written as local wall-clock times: Excel cells carry no zone
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
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        return xlsx_value(sheet, value)  # user text stays text (formula injection, issue 17)

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


async def build_export(
    session: AsyncSession,
    actor: Actor,
    kind: ExportKind,
    area_code: str,
    period: Period,
    *,
    tz: ZoneInfo,
    labels: Mapping[str, str],
    sheet_titles: tuple[str, str],
    summary: Sequence[tuple[str, Any]],
    directory: str | None = None,
) -> ExportFile:
    """Write the export to a temporary .xlsx file (the caller sends and deletes it)."""
    writer = _Writer(COLUMNS[kind], labels, sheet_titles[1], tz)
    writer.summary(sheet_titles[0], summary)
    async for rows in stream_rows(session, actor, kind, area_code, period, tz):
        await asyncio.to_thread(writer.append, rows)
    # mkstemp creates the file 0600 and openpyxl rewrites it in place: the rows are personal data.
    handle, path = tempfile.mkstemp(prefix=f"jsika_{kind.value}_", suffix=".xlsx", dir=directory)
    os.close(handle)
    await asyncio.to_thread(writer.save, path)
    size = await asyncio.to_thread(os.path.getsize, path)
    return ExportFile(path, writer.rows, size)
