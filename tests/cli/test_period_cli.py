"""``jsika period close`` on the hand-computed world (tests/period_close_world.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.cli import app
from bot.config import get_settings
from models.db import Database
from models.tables import Audit, PeriodVerdict
from tests.period_close_world import World, build

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
    assert "baru 7, diganti 0" in first.output
    second = runner.invoke(app, ["period", "close", "--period", "2026-10", "--area", "3602"])
    assert second.exit_code == 0, second.output
    assert "baru 0, diganti 0" in second.output
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
