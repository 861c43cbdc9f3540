"""``jsika user …`` and ``jsika invite …`` from a clerk's terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.cli import app
from bot.config import get_settings
from models import users
from models.tables import Audit, Invite, User

runner = CliRunner()
SyncDb = Callable[..., Any]


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("JSIKA_DATABASE_URL", database_url)
    monkeypatch.setenv("JSIKA_BOT_USERNAME", "jsika_banten_bot")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_user_add_then_deactivate_and_reactivate(cli_env: None, sync_db: SyncDb) -> None:
    added = runner.invoke(
        app,
        [
            "user",
            "add",
            "--name",
            "Siti Aminah",
            "--phone",
            "0812 3456 7890",
            "--role",
            "pendamping",
            "--area",
            "3602050",
        ],
    )
    assert added.exit_code == 1, added.output  # 7 digits is not a region code
    assert "tidak valid" in added.output

    added = runner.invoke(
        app,
        [
            "user",
            "add",
            "--name",
            "Siti Aminah",
            "--phone",
            "0812 3456 7890",
            "--role",
            "pendamping",
            "--area",
            "360205",
        ],
    )
    assert added.exit_code == 0, added.output
    assert "+6281234567890" in added.output and "36.02.05" in added.output

    off = runner.invoke(app, ["user", "deactivate", "081234567890"])
    assert off.exit_code == 0 and "nonaktif" in off.output

    async def check(session: AsyncSession) -> set[str]:
        user = await session.scalar(select(User).where(User.phone == "+6281234567890"))
        assert user is not None and user.active is False
        return set(await session.scalars(select(Audit.action).where(Audit.entity_id == str(user.id))))

    assert {"user.add", "user.deactivate"} <= sync_db(check)

    assert runner.invoke(app, ["user", "activate", "081234567890"]).exit_code == 0
    missing = runner.invoke(app, ["user", "deactivate", "089999999999"])
    assert missing.exit_code == 1 and "tidak ditemukan" in missing.output


def test_invite_create_prints_a_one_time_code_and_deep_link_stored_hashed(cli_env: None, sync_db: SyncDb) -> None:
    result = runner.invoke(app, ["invite", "create", "--role", "koordinator", "--area", "36.02", "--name", "Pak Dedi"])
    assert result.exit_code == 0, result.output
    code = result.output.split("Kode:")[1].split()[0]
    assert f"https://t.me/jsika_banten_bot?start={code}" in result.output

    async def redeem(session: AsyncSession) -> users.AccessResult:
        invite = await session.scalar(select(Invite))
        assert invite is not None
        assert invite.code_hash == users.hash_code(code) and code not in invite.code_hash
        return await users.redeem_invite(
            session, telegram_id=1, code=code, display_name="Dedi", language="id", now=datetime.now(UTC)
        )

    outcome = sync_db(redeem)
    assert outcome.ok and outcome.actor is not None and outcome.actor.area_code == "36.02"


def test_bad_settings_stop_with_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JSIKA_DATABASE_URL", "mysql://nope")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["db", "current"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "JSIKA_DATABASE_URL" in result.output and "Traceback" not in result.output
