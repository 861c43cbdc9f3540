"""``jsika db opd-stats``: recount the OPD /stats rollup for today by hand (what the scheduler does every 5 min)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.cli import app
from bot.config import get_settings
from models import opd_stats
from tests.factories import make_household

runner = CliRunner()
SyncDb = Callable[..., Any]


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("JSIKA_DATABASE_URL", database_url)
    monkeypatch.setenv("JSIKA_BOT_USERNAME", "jsika_banten_bot")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_command_counts_the_rollup_for_today_in_the_configured_zone(cli_env: None, sync_db: SyncDb) -> None:
    async def household(session: AsyncSession) -> None:
        await make_household(session)

    sync_db(household)
    result = runner.invoke(app, ["db", "opd-stats"])
    assert result.exit_code == 0, result.output
    today = datetime.now(UTC).astimezone(get_settings().tz).date()
    assert f"Ringkasan /stats API OPD untuk {today.isoformat()}: 1 keluarga dihitung ulang." in result.output

    async def day(session: AsyncSession) -> object:
        return await opd_stats.rollup_day(session)

    assert sync_db(day) == today
