"""``jsika period close`` on the hand-computed world (tests/period_close_world.py)."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.cli import app
from bot.config import get_settings
from models import period_close
from models.actor import Actor
from models.db import Database
from models.tables import Audit, PeriodVerdict, Programme, User
from tests.period_close_world import CLOSED, OCT, World, build

runner = CliRunner()
SyncDb = Callable[..., Any]


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("JSIKA_DATABASE_URL", database_url)
    monkeypatch.setenv("JSIKA_BOT_USERNAME", "jsika_banten_bot")
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def world(database_url: str, sync_db: SyncDb) -> World:
    async def go() -> World:
        database = Database(database_url)
        try:
            return await build(database)
        finally:
            await database.dispose()

    return asyncio.run(go())


async def _stored(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(PeriodVerdict)) or 0)


def test_dry_run_prints_counts_per_area_and_stores_nothing(cli_env: None, world: World, sync_db: SyncDb) -> None:
    result = runner.invoke(app, ["period", "close", "--period", "2026-10", "--dry-run"])
    assert result.exit_code == 0, result.output
    lebak = next(line for line in result.output.splitlines() if "Kabupaten Lebak" in line)
    assert [cell.strip() for cell in lebak.split("│")[2:6]] == ["3", "1", "0", "3"]
    assert "uji coba" in result.output
    assert sync_db(_stored) == 0


def test_close_stores_once_and_a_second_run_changes_nothing(cli_env: None, world: World, sync_db: SyncDb) -> None:
    first = runner.invoke(app, ["period", "close", "--period", "2026-10", "--area", "36.02"])
    assert first.exit_code == 0, first.output
    assert "Putusan baru 7, diganti 0" in first.output
    second = runner.invoke(app, ["period", "close", "--period", "2026-10", "--area", "3602"])
    assert second.exit_code == 0, second.output
    assert "Putusan baru 0, diganti 0" in second.output
    assert sync_db(_stored) == 7

    async def closes(session: AsyncSession) -> list[str | None]:
        return list((await session.scalars(select(Audit.entity_id).where(Audit.action == "period.close"))).all())

    assert sync_db(closes) == ["2026-10:36.02", "2026-10:36.02"]


def test_a_kecamatan_or_a_bad_period_is_one_readable_line(cli_env: None, world: World) -> None:
    kecamatan = runner.invoke(app, ["period", "close", "--period", "2026-10", "--area", "36.02.01"])
    assert kecamatan.exit_code == 1 and "bukan kabupaten/kota" in kecamatan.output
    bad = runner.invoke(app, ["period", "close", "--period", "Oktober"])
    assert bad.exit_code == 1 and "TTTT-BB" in bad.output
    early = runner.invoke(app, ["period", "close", "--period", "2099-01"])
    assert early.exit_code == 1 and "belum ditutup" in early.output and "Traceback" not in early.output


def _decide_and_sign(world: World, sync_db: SyncDb) -> None:
    """Lebak: override Rizky's recommendation (with a formula-like reason), sign, then adjust ``telat``."""

    async def go(session: AsyncSession) -> None:
        dedi = Actor.of(await session.get_one(User, world.users["dedi"]))
        ids = {
            key: await session.scalar(
                select(PeriodVerdict.id).where(PeriodVerdict.household_id == world.households[key])
            )
            or 0
            for key in ("tingkat3", "telat")
        }
        await period_close.decide(session, dedi, ids["tingkat3"], confirm=False, reason="=1+1 anak sakit", now=CLOSED)
        await period_close.sign(session, dedi, "36.02", OCT, CLOSED)
        await period_close.adjust(session, dedi, ids["telat"], reason="laporan terlambat disetujui", now=CLOSED)

    sync_db(go)


def test_export_lists_signed_areas_with_recipients_and_text_cells(
    cli_env: None, world: World, sync_db: SyncDb, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["period", "close", "--period", "2026-10"]).exit_code == 0
    _decide_and_sign(world, sync_db)
    target = tmp_path / "daftar.xlsx"
    result = runner.invoke(app, ["period", "export", "--period", "2026-10", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "7 keluarga" in result.output and "Kabupaten Tangerang" in result.output  # unsigned: left out, named
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    book = load_workbook(target)
    assert book.sheetnames == ["Ringkasan", "Daftar penyaluran"]
    summary = {row[0].value: row[1].value for row in book["Ringkasan"].iter_rows() if row[0].value}
    assert summary["Daftar penyaluran periode"] == "Oktober 2026"
    assert str(summary["Kabupaten Lebak"]).startswith("ditandatangani") and "Pak Dedi" in summary["Kabupaten Lebak"]
    assert summary["Kabupaten Tangerang"] == "belum ditandatangani — tidak disertakan"
    sheet = book["Daftar penyaluran"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert "Jumlah (Rp)" not in header  # no programme sets an amount
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 7 and {r["Kabupaten/Kota"] for r in rows} == {"Kabupaten Lebak"}
    by_recipient = {r["Nama penerima"]: r for r in rows}
    overridden = by_recipient["Ibu Tingkat3"]  # the wife is paid, as PKH pays
    assert overridden["Putusan"] == "layak salur" and overridden["Alasan pembatalan rekomendasi"] == "=1+1 anak sakit"
    assert overridden["Diputuskan oleh"] == "Pak Dedi" and overridden["Disalurkan"] == "Ya"
    assert by_recipient["Ibu Telat"]["Putusan"] == "layak salur"
    assert by_recipient["Ibu Telat"]["Penyesuaian setelah tanda tangan"] == (
        "semula belum terverifikasi: laporan terlambat disetujui"
    )
    assert by_recipient["Ibu Kosong"]["Alasan"] == "tidak ada laporan kunjungan"
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"  # text cells are never formulas
    nik = header.index("NIK penerima")
    assert all(row[nik].data_type == "s" and len(str(row[nik].value)) == 16 for row in sheet.iter_rows(min_row=2))


def test_export_with_unsigned_areas_marks_them_and_shows_amounts_a_programme_sets(
    cli_env: None, world: World, sync_db: SyncDb, tmp_path: Path
) -> None:
    async def set_amount(session: AsyncSession, amount: int | None) -> None:
        programme = await session.get_one(Programme, "JAMSOSRATU")
        rules = dict(programme.rules)
        rules["disbursement"] = {"unverified": "salur", "recipient": "kepala", "amount": amount}
        await session.execute(update(Programme).where(Programme.code == "JAMSOSRATU").values(rules=rules))

    assert runner.invoke(app, ["period", "close", "--period", "2026-10"]).exit_code == 0
    sync_db(lambda s: set_amount(s, 250000))
    try:
        target = tmp_path / "semua.xlsx"
        result = runner.invoke(
            app, ["period", "export", "--period", "2026-10", "-o", str(target), "--include-unsigned"]
        )
        assert result.exit_code == 0, result.output
    finally:
        sync_db(lambda s: set_amount(s, None))
    sheet = load_workbook(target)["Daftar penyaluran"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 9 and {r["Ditandatangani"] for r in rows} == {"BELUM DITANDATANGANI"}
    lebak = {r["Nama penerima"]: r for r in rows if r["Kabupaten/Kota"] == "Kabupaten Lebak"}
    assert lebak["Kepala Layak"]["Jumlah (Rp)"] == 250000  # JAMSOSRATU pays the head under recipient = "kepala"
    cilegon = next(r for r in rows if r["Program"] == "JSCM")
    assert cilegon["Jumlah (Rp)"] is None and cilegon["Nama penerima"] == "Ibu Cilegon"  # JSCM: no amount, the mother
