"""The XLSX export opened back with openpyxl: summary first, header, frozen panes, types a clerk can trust."""

from __future__ import annotations

import os
import stat
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from models import export, workbook
from models.calendar import JAKARTA
from models.db import Database
from models.export import ExportKind
from models.period import Period
from tests.supervisor_world import World, actor, build

NOV = Period(2026, 11)
LABELS = {"_yes": "Ya", "_no": "Tidak", "nik": "NIK", "kk": "No. KK"}


@pytest.fixture
async def world(db: Database) -> World:
    return await build(db)


async def _build(
    db: Database, world: World, kind: ExportKind, area: str, period: Period = NOV, tz: ZoneInfo = JAKARTA
) -> tuple[object, int]:
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        made = await export.build_export(
            s,
            dedi,
            kind,
            area,
            period,
            tz=tz,
            labels=LABELS,
            sheet_titles=("Ringkasan", "Data"),
            summary=[("Wilayah", "Kabupaten Lebak"), ("Dibuat", datetime(2026, 11, 24, 2, tzinfo=UTC)), ("KPM", 5)],
        )
    assert stat.S_IMODE(os.stat(made.path).st_mode) == 0o600  # personal data: the owner only, while it exists
    try:
        return load_workbook(made.path), made.rows
    finally:
        os.remove(made.path)


async def test_checks_export_keeps_nik_as_text_and_dates_as_dates(db: Database, world: World) -> None:
    book, rows = await _build(db, world, ExportKind.CHECKS, "36.02")
    assert rows == 4  # Rizky, Putri (H1) and Dodi twice (H4) in November
    assert book.sheetnames == ["Ringkasan", "Data"]  # type: ignore[attr-defined]
    summary = book["Ringkasan"]  # type: ignore[index]
    assert summary["B2"].is_date and summary["B2"].value == datetime(2026, 11, 24, 9, 0)  # shown in Jakarta time
    sheet = book["Data"]  # type: ignore[index]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:M")  # 13 columns
    assert [c.value for c in sheet[1]][:2] == ["periode", "NIK"]  # unlabelled keys fall back to the key
    first = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    assert (
        first[1].data_type == "s" and first[1].value == "3602054105240014"
    )  # Putri (H1), by name and first[1].number_format == "@"
    assert first[10].is_date and first[10].value.date() == date(2026, 11, 9)  # after "alasan lainnya"


async def test_overdue_export_is_the_overdue_list(db: Database, world: World) -> None:
    book, rows = await _build(db, world, ExportKind.OVERDUE, "36.02")
    values = [tuple(c.value for c in row) for row in book["Data"].iter_rows(min_row=2)]  # type: ignore[index]
    assert rows == 3
    assert [(v[1], v[6], v[7]) for v in values] == [
        ("Rohman", None, None),
        ("Juhana", "2026-09", 2),  # by pendamping, the longest unvisited first
        ("Hermawan", "2026-10", 1),
    ]


async def test_a_large_export_continues_on_a_new_sheet(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbook, "SHEET_ROW_LIMIT", 2)
    book, rows = await _build(db, world, ExportKind.CHECKS, "36.02")
    assert rows == 4 and book.sheetnames == ["Ringkasan", "Data", "Data (2)"]  # type: ignore[attr-defined]
    assert book["Data (2)"].max_row == 3  # type: ignore[index]  # header + 2 rows


async def test_an_empty_export_still_has_its_header(db: Database, world: World) -> None:
    book, rows = await _build(db, world, ExportKind.REFERRALS, "36.02.17", Period(2026, 9))
    sheet = book["Data"]  # type: ignore[index]
    assert rows == 0 and sheet.max_row == 1 and sheet["A1"].value == "id"


async def test_times_are_written_in_the_configured_zone(db: Database, world: World) -> None:
    """JSIKA_TIMEZONE reaches the export: an installation in WITA sees 10:00 where Jakarta sees 09:00."""
    book, _ = await _build(db, world, ExportKind.CHECKS, "36.02", tz=ZoneInfo("Asia/Makassar"))
    assert book["Ringkasan"]["B2"].value == datetime(2026, 11, 24, 10, 0)  # type: ignore[index]
