"""Excel exports for Dinas Sosial (/ekspor): visits, commitment checks, overdue list, referrals, data changes.

The workbook is written by XlsxWriter in constant-memory mode (``models.workbook``) while rows stream from the
database in batches, so a kabupaten's month (≈ 100k rows) never sits in memory at once; the CPU-heavy writing runs in a worker thread so
the bot keeps answering other chats meanwhile. Formatting is what a clerk expects: a summary sheet first, a bold
header row, frozen panes, an autofilter, column widths, real dates (not text), and NIK/KK as text so Excel
never turns 3602051705800001 into 3.60205E+15. Every text value goes through ``models.spreadsheet`` so a name
typed as ``=HYPERLINK(…)`` is shown as typed and never runs as a formula.

Column *labels* are texts people read, so they come from ``handlers/render`` (``labels``), and so do the words
for coded values (``ValueTexts``: "Alamat baru" for ``alamat_baru``, "Perempuan" for ``P``, "November 2026" for
``2026-11``); this module knows the columns' keys, types and widths, and the rows. Dates stay real date cells,
shown the Indonesian way (``[$-421]``: Excel's Indonesian locale, "10 Nov 2026"). The visit's number is the
one the chat shows (``models.forms.short_id``), so a clerk can find a report the pendamping quotes; the
commitment checks, referrals and data changes carry the number of the report they came from.
"""

from __future__ import annotations

import asyncio
import enum
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.actor import Actor
from models.forms import short_id
from models.period import Period
from models.queries.overdue import overdue_rows_query
from models.queries.regions import household_filter
from models.queries.summary import period_bounds
from models.tables import CommitmentCheck, DataChange, Household, Member, Referral, Region, User, Visit
from models.workbook import Cell, Column, SheetWriter, ValueTexts

RowSelect = Select[*tuple[Any, ...]]
TELEGRAM_DOCUMENT_LIMIT = 50 * 1024 * 1024
BATCH = 2_000


class ExportKind(enum.StrEnum):
    VISITS = "kunjungan"
    CHECKS = "komitmen"
    OVERDUE = "tunggakan"
    REFERRALS = "rujukan"
    CHANGES = "perubahan"


C = Column
# fmt: off
COLUMNS: dict[ExportKind, tuple[Column, ...]] = {
    ExportKind.VISITS: (
        C("nomor_laporan", Cell.TEXT, 12), C("periode", Cell.TEXT, 15), C("tanggal_kunjungan", Cell.DATE, 13),
        C("dikirim", Cell.DATETIME, 18), C("kk", Cell.ID, 19), C("kepala_keluarga", Cell.TEXT, 26),
        C("desa", Cell.TEXT, 20), C("kode_desa", Cell.TEXT, 14), C("pendamping", Cell.TEXT, 24),
        C("bertemu", Cell.BOOL, 9), C("alasan_tidak_bertemu", Cell.TEXT, 18), C("skor_deprivasi", Cell.NUMBER, 9),
        C("terlambat", Cell.BOOL, 10), C("status_tinjauan", Cell.TEXT, 14), C("catatan_tinjauan", Cell.TEXT, 30),
        C("lintang", Cell.NUMBER, 11), C("bujur", Cell.NUMBER, 11), C("lokasi_ditandai", Cell.BOOL, 10),
        C("foto", Cell.BOOL, 7), C("alasan_lain_tidak_bertemu", Cell.TEXT, 24),
        C("alasan_lain_tanpa_foto", Cell.TEXT, 24), C("alasan_lain_tanpa_lokasi", Cell.TEXT, 24),
    ),
    ExportKind.CHECKS: (
        C("periode", Cell.TEXT, 9), C("nik", Cell.ID, 19), C("nama_anggota", Cell.TEXT, 26), C("kk", Cell.ID, 19),
        C("kepala_keluarga", Cell.TEXT, 26), C("desa", Cell.TEXT, 20), C("kode_komitmen", Cell.TEXT, 26),
        C("hasil", Cell.TEXT, 15), C("alasan", Cell.TEXT, 16), C("alasan_lainnya", Cell.TEXT, 24),
        C("tanggal_kunjungan", Cell.DATE, 13), C("nomor_laporan", Cell.TEXT, 12), C("pendamping", Cell.TEXT, 24),
    ),
    ExportKind.OVERDUE: (
        C("kk", Cell.ID, 19), C("kepala_keluarga", Cell.TEXT, 26), C("alamat", Cell.TEXT, 30),
        C("desa", Cell.TEXT, 20), C("kode_desa", Cell.TEXT, 14), C("pendamping", Cell.TEXT, 24),
        C("kunjungan_terakhir", Cell.TEXT, 15), C("periode_tanpa_kunjungan", Cell.NUMBER, 12),
    ),
    ExportKind.REFERRALS: (
        C("id", Cell.NUMBER, 8), C("nomor_laporan", Cell.TEXT, 12), C("dibuat", Cell.DATETIME, 18), C("kk", Cell.ID, 19),
        C("kepala_keluarga", Cell.TEXT, 26), C("nik", Cell.ID, 19), C("nama_anggota", Cell.TEXT, 24),
        C("desa", Cell.TEXT, 20), C("sektor", Cell.TEXT, 12), C("kebutuhan", Cell.TEXT, 36),
        C("status", Cell.TEXT, 11), C("catatan_status", Cell.TEXT, 30), C("diperbarui", Cell.DATETIME, 18),
    ),
    ExportKind.CHANGES: (
        C("id", Cell.NUMBER, 8), C("nomor_laporan", Cell.TEXT, 12), C("dibuat", Cell.DATETIME, 18), C("kk", Cell.ID, 19),
        C("kepala_keluarga", Cell.TEXT, 26), C("nik", Cell.ID, 19), C("nama_anggota", Cell.TEXT, 24),
        C("desa", Cell.TEXT, 20), C("jenis", Cell.TEXT, 16), C("nilai_lama", Cell.TEXT, 20),
        C("nilai_baru", Cell.TEXT, 36), C("status", Cell.TEXT, 11), C("diputuskan", Cell.DATETIME, 18),
    ),
}
# fmt: on
REPORT_NUMBER_AT = {  # where a row carries its visit's id, written as the report's number
    kind: [c.key for c in columns].index("nomor_laporan")
    for kind, columns in COLUMNS.items()
    if any(c.key == "nomor_laporan" for c in columns)
}


@dataclass(frozen=True, slots=True)
class ExportFile:
    path: str
    rows: int
    size: int


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
            Visit.other_reasons,  # → the three "alasan lain" columns (``_visit_row``)
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
            CommitmentCheck.reason_note,
            Visit.visited_on,
            Visit.id,
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
            Referral.visit_id,
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
            DataChange.visit_id,
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


OTHER_REASON_KEYS = ("kunjungan", "foto", "lokasi")  # VisitReport.other_reasons, in the columns' order


def _visit_row(row: Sequence[Any]) -> tuple[Any, ...]:
    """The number the chat shows ("Nomor laporan: 3F2A9C01"); the words typed after "Lainnya" in their columns."""
    other = row[-1] or {}
    return (short_id(row[0]), *row[1:-1], *(other.get(key) for key in OTHER_REASON_KEYS))


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
        elif kind is ExportKind.VISITS:
            yield [_visit_row(row) for row in partition]
        elif (at := REPORT_NUMBER_AT.get(kind)) is not None:  # the number the chat shows ("Nomor laporan: 3F2A9C01")
            yield [(*row[:at], short_id(row[at]) if row[at] else None, *row[at + 1 :]) for row in partition]
        else:
            yield [tuple(row) for row in partition]


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
    texts: ValueTexts | None = None,
) -> ExportFile:
    """Write the export to a temporary .xlsx file (the caller sends and deletes it)."""
    # mkstemp creates the file 0600 and XlsxWriter rewrites it in place: the rows are personal data.
    handle, path = tempfile.mkstemp(prefix=f"jsika_{kind.value}_", suffix=".xlsx", dir=directory)
    os.close(handle)
    try:
        writer = SheetWriter(path, COLUMNS[kind], labels, sheet_titles[1], tz, texts)
        writer.summary(sheet_titles[0], summary)
        async for rows in stream_rows(session, actor, kind, area_code, period, tz):
            await asyncio.to_thread(writer.append, rows)
        await asyncio.to_thread(writer.save)
    except BaseException:
        os.remove(path)
        raise
    size = await asyncio.to_thread(os.path.getsize, path)
    return ExportFile(path, writer.rows, size)
