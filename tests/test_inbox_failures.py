"""The worker's failure semantics with plain handlers: what is retried, what fails, what the person is told.

Real claim/finish SQL on the test database (both backends); the errors are real ones too — a SQLite file locked
by another connection, a syntax error, a terminated PostgreSQL connection — so the classification
(``models/faults.py``) is tested on what the drivers actually raise. ``tests/e2e/test_failures.py`` does the same
through the whole bot.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select, text

from bot.inbox import Handler, Inbox, InboxOptions, InboxWorker
from models.db import Database
from models.faults import transient_reason
from models.inbox import InboxItem
from models.tables import Inbox as InboxRow
from models.tables import InboxStatus
from tests.test_inbox import message, wait_finished

OPTIONS = InboxOptions(poll_seconds=0.02, retries=2, retry_seconds=0.01, time_limit_seconds=10)


def locked_error(tmp_path: Path) -> sqlite3.OperationalError:
    """What SQLite really raises when another connection holds the write lock."""
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE IF NOT EXISTS t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        return error
    finally:
        other.close()
        holder.close()
    raise AssertionError("the lock was not held")


class Flaky:
    """Fails with ``errors`` in turn, then succeeds; notes every call."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls: list[int] = []

    async def __call__(self, item: InboxItem) -> None:
        self.calls.append(item.update_id)
        if self.errors:
            raise self.errors.pop(0)


class Told:
    def __init__(self) -> None:
        self.told: list[tuple[int, str]] = []

    async def __call__(self, item: InboxItem, reason: str) -> None:
        self.told.append((item.update_id, reason))


def failed(reason: str) -> float:
    return REGISTRY.get_sample_value("jsika_updates_failed_total", {"reason": reason}) or 0.0


async def _run(
    db: Database, handler: Handler, told: Told, updates: list[dict[str, object]], options: InboxOptions
) -> dict[int, InboxStatus]:
    inbox = Inbox(db)
    await inbox.accept(updates, "webhook")
    worker = InboxWorker(inbox, handler, options, on_failure=told)
    await worker.start()
    try:
        return await wait_finished(db, len(updates))
    finally:
        await worker.stop()


async def _errors(db: Database, update_id: int) -> str | None:
    async with db.session() as s:
        return await s.scalar(select(InboxRow.error).where(InboxRow.update_id == update_id))


async def test_a_passing_database_error_is_retried_and_the_update_is_done_without_a_word(
    db: Database, tmp_path: Path
) -> None:
    handler, told = Flaky(locked_error(tmp_path), locked_error(tmp_path)), Told()
    finished = await _run(db, handler, told, [message(1, 7)], OPTIONS)
    assert finished == {1: "done"}
    assert handler.calls == [1, 1, 1] and told.told == []


async def test_a_database_error_outlasting_the_retries_fails_the_update_once(db: Database, tmp_path: Path) -> None:
    before = failed("database")
    handler, told = Flaky(*(locked_error(tmp_path) for _ in range(3))), Told()
    finished = await _run(db, handler, told, [message(1, 7), message(2, 7)], OPTIONS)
    assert finished == {1: "failed", 2: "done"}  # and the chat moved on
    assert handler.calls == [1, 1, 1, 2]  # the first run and two retries
    assert told.told == [(1, "database")]
    assert failed("database") == before + 1
    assert "locked" in (await _errors(db, 1) or "")


async def test_any_other_error_fails_at_once_without_retries(db: Database) -> None:
    before = failed("error")
    handler, told = Flaky(ValueError("bug")), Told()
    finished = await _run(db, handler, told, [message(1, 7)], OPTIONS)
    assert finished == {1: "failed"} and handler.calls == [1]
    assert told.told == [(1, "error")] and failed("error") == before + 1
    assert await _errors(db, 1) == "ValueError: bug"


async def test_a_handler_over_the_time_limit_is_cancelled_and_the_chat_moves_on(db: Database) -> None:
    before = failed("timeout")
    cancelled = asyncio.Event()

    async def hangs_on_the_first(item: InboxItem) -> None:
        if item.update_id == 1:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.set()
                raise

    told = Told()
    options = InboxOptions(poll_seconds=0.02, time_limit_seconds=0.3)
    finished = await _run(db, hangs_on_the_first, told, [message(1, 7), message(2, 7)], options)
    assert finished == {1: "failed", 2: "done"} and cancelled.is_set()
    assert told.told == [(1, "timeout")] and failed("timeout") == before + 1
    assert "time limit" in (await _errors(db, 1) or "")


async def test_a_timeout_the_handler_raised_itself_is_an_ordinary_error(db: Database) -> None:
    handler, told = Flaky(TimeoutError("the Bot API did not answer")), Told()
    finished = await _run(db, handler, told, [message(1, 7)], OPTIONS)
    assert finished == {1: "failed"} and told.told == [(1, "error")]


async def test_real_driver_errors_are_classified(db: Database, tmp_path: Path) -> None:
    assert transient_reason(locked_error(tmp_path)) == "locked"
    with pytest.raises(Exception) as syntax:
        async with db.session() as session:
            await session.execute(text("SELEC 1"))
    assert transient_reason(syntax.value) is None  # SQLite's syntax error is an OperationalError too: not passing
    if db.is_sqlite:
        return
    with pytest.raises(Exception) as terminated:
        async with db.session() as session:
            await session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
    assert transient_reason(terminated.value) == "connection"
    assert transient_reason(ValueError("nothing to do with a database")) is None
