"""APScheduler wiring and leader election: one process plans and sends; another takes over when it dies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from telegram import Bot

from handlers.reminder_composer import compose
from models import opd_stats
from models.calendar import JAKARTA, WorkCalendar
from models.db import Database
from models.leader import lock_key
from scheduler.jobs import LOCK_NAME, Scheduler
from scheduler.outbox import Deliverer
from tests.factories import make_household, make_user

CAL = WorkCalendar()
NOW = datetime(2026, 11, 24, 5, 50, tzinfo=JAKARTA).astimezone(UTC)


async def eventually(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Wait until ``condition()`` holds (leadership changes happen in background tasks, not on our events)."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - polling another task's plain attribute
            await asyncio.sleep(0.01)


@pytest.fixture
async def schedulers(database_url: str) -> AsyncIterator[Callable[[], Scheduler]]:
    """Schedulers as separate processes would have them: each with its own engine and connections."""
    made: list[tuple[Scheduler, Database]] = []
    bot = Bot("1:UNUSED")  # never called in these tests: nothing is queued

    def make() -> Scheduler:
        db = Database(database_url)
        deliverer = Deliverer(db, bot, CAL, clock=lambda: NOW, composer=compose)
        scheduler = Scheduler(db, deliverer, CAL, clock=lambda: NOW, leader_retry=0.05)
        made.append((scheduler, db))
        return scheduler

    yield make
    for scheduler, db in made:
        await scheduler.shutdown()
        await db.dispose()


def test_planner_fires_hourly_at_ten_to_the_hour_in_jakarta_time() -> None:
    async def trigger_times() -> list[datetime]:
        memory = Database("sqlite+aiosqlite://")
        deliverer = Deliverer(memory, Bot("1:UNUSED"), CAL, clock=lambda: NOW, composer=compose)
        scheduler = Scheduler(memory, deliverer, CAL, clock=lambda: NOW)
        scheduler.start()
        try:
            trigger = scheduler.aps.get_job("plan").trigger
            times = []
            for start in (datetime(2026, 11, 24, 6, 0, tzinfo=JAKARTA), datetime(2026, 11, 24, 20, 55, tzinfo=JAKARTA)):
                times.append(trigger.get_next_fire_time(None, start))
            return times
        finally:
            await scheduler.shutdown()

    assert asyncio.run(trigger_times()) == [
        datetime(2026, 11, 24, 6, 50, tzinfo=JAKARTA),
        datetime(2026, 11, 25, 5, 50, tzinfo=JAKARTA),
    ]


async def test_only_the_leader_plans(db: Database, schedulers: Callable[[], Scheduler]) -> None:
    async with db.session() as s:
        await make_household(s, await make_user(s, telegram_id=1))
    follower = schedulers()
    assert await follower.plan_now() is None and await follower.deliver_now() is None
    leader = schedulers()
    leader.start()
    await eventually(lambda: leader.is_leader)
    report = await leader.plan_now()  # races the catch-up run that starts with leadership: one of them adds it
    assert report is not None and report.total <= 1
    async with db.session() as s:
        assert (await s.execute(text("SELECT count(*) FROM outbox WHERE kind = 'digest'"))).scalar() == 1


async def test_second_process_waits_then_takes_over_when_the_leader_dies(
    db: Database, schedulers: Callable[[], Scheduler]
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite runs one bot process per database file; it is always the leader")
    first, second = schedulers(), schedulers()
    first.start()
    await eventually(lambda: first.is_leader)
    second.start()
    await eventually(lambda: second.elections >= 2)
    assert not second.is_leader

    # The leader's database connection dies (as when its process is killed): PostgreSQL drops the lock.
    async with db.engine.connect() as conn:
        killed = await conn.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                "WHERE locktype = 'advisory' AND ((classid::bigint << 32) | objid::bigint) = :key "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"key": lock_key(LOCK_NAME)},
        )
    assert killed == 1
    await eventually(lambda: second.is_leader)
    await eventually(lambda: not first.is_leader)


def test_remind_dry_run_prints_counts_by_kind_and_keeps_nothing(
    database_url: str, monkeypatch: pytest.MonkeyPatch, sync_db: Callable[..., object]
) -> None:
    from sqlalchemy import func, select
    from typer.testing import CliRunner

    from bot.cli import app
    from bot.config import get_settings
    from models.tables import Outbox

    async def world(session: object) -> None:
        await make_household(session, await make_user(session, telegram_id=31))  # type: ignore[arg-type]

    sync_db(world)
    monkeypatch.setenv("JSIKA_DATABASE_URL", database_url)
    monkeypatch.delenv("JSIKA_TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        shown = runner.invoke(app, ["remind", "--dry-run", "--at", "2026-11-24 05:50"])
        assert shown.exit_code == 0, shown.output
        assert "ringkasan pagi" in shown.output and "│                 1 │" in shown.output
        wrong = runner.invoke(app, ["remind", "--dry-run", "--at", "besok pagi"])
        assert wrong.exit_code == 1 and "2026-12-01 07:00" in wrong.output
        no_token = runner.invoke(app, ["remind", "--at", "2026-11-24 05:50"])
        assert no_token.exit_code == 1 and "--dry-run" in no_token.output
    finally:
        get_settings.cache_clear()

    async def count(session: object) -> int:
        return int(await session.scalar(select(func.count()).select_from(Outbox)))  # type: ignore[attr-defined]

    assert sync_db(count) == 0


async def test_a_new_leader_recounts_the_opd_stats_rollup_for_today_at_once(
    db: Database, schedulers: Callable[[], Scheduler]
) -> None:
    async with db.session() as s:
        await make_household(s, await make_user(s, telegram_id=1))
    follower = schedulers()
    assert await follower.refresh_opd_stats() is None
    async with db.session() as s:
        assert await opd_stats.rollup_day(s) is None  # nothing counted: /stats reads the base tables
    leader = schedulers()
    leader.start()
    await eventually(lambda: leader.is_leader)
    today = NOW.astimezone(JAKARTA).date()

    async def counted() -> date | None:
        async with db.session() as s:
            return await opd_stats.rollup_day(s)

    async with asyncio.timeout(10):
        while await counted() != today:  # noqa: ASYNC110 - polling the database the leader writes
            await asyncio.sleep(0.02)
    assert leader.aps.get_job("opd_stats") is not None
    again = await leader.refresh_opd_stats()  # same day, nothing written since: nothing recounted
    assert again is not None and not again.full and again.households == 0
