"""Failure semantics (issue 19): a broken database under a live form step, and a handler that hangs.

The real bot (PTB, the inbox worker, the form engine) polls the sandbox over HTTP, as in every e2e test. A gate
handler — test-only, registered ahead of the bot's own — holds the "Hari ini" tap until the test has broken the
database: on SQLite another connection takes the file's write lock (as ``sqlite3 jsika.db`` or a backup would);
on PostgreSQL the test database refuses new connections and every existing one is terminated. Then:

- the fault is lifted after the worker's first retry: the person sees the next question, no apology;
- the fault outlasts the retries: one apology, the update recorded as failed and counted, and the next message
  is answered normally once the database is back.

A hanging command (test-only) is cut off by the per-update time limit, the person is told, the chat moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.engine import make_url
from telegram import Update
from telegram.ext import CommandHandler, TypeHandler

import models.sqlite_cursor
from bot.inbox import InboxOptions
from bot.sandbox.runner import SandboxHandle
from bot.service import running
from handlers.context import AppContext, AppType
from models import inbox_upkeep as queries
from models.db import Database
from models.tables import InboxStatus
from tests.e2e.conftest import BotUnderTest
from tests.e2e.harness import Chat, Clock, update_id
from tests.e2e.test_report import _form, _start

SORRY = "Maaf, terjadi gangguan"
TOO_SLOW = "terlalu lama diproses"
OPTIONS = InboxOptions(poll_seconds=0.05, lease_seconds=30, retries=2, retry_seconds=0.2, time_limit_seconds=20)


class Gate:
    """Holds the next update (once armed) until the test says go: the fault goes in while a form step is live."""

    def __init__(self) -> None:
        self.armed = False
        self.reached = asyncio.Event()
        self.go = asyncio.Event()

    async def __call__(self, update: Update, context: AppContext) -> None:
        if self.armed:
            self.armed = False
            self.reached.set()
            await self.go.wait()


async def hang(update: Update, context: AppContext) -> None:
    """A handler that never returns (a stuck Bot API call, a lock never released)."""
    await asyncio.Event().wait()


class GatedBot(BotUnderTest):
    def __init__(self, sandbox: SandboxHandle, db: Database, clock: Clock, options: InboxOptions) -> None:
        super().__init__(sandbox, db, clock)
        self.gate = Gate()
        self.options = options

    def build(self, tracker: Any = None) -> AppType:
        application = super().build(tracker)
        application.add_handler(TypeHandler(Update, self.gate), group=-100)
        application.add_handler(CommandHandler("macet", hang), group=-99)
        return application

    async def start(self) -> None:
        self._stack = contextlib.AsyncExitStack()
        self.application = await self._stack.enter_async_context(running(self.build(), timeout=1, options=self.options))


@pytest.fixture
async def bot(sandbox: SandboxHandle, db: Database, clock: Clock) -> AsyncIterator[GatedBot]:
    """Overrides the e2e ``bot``: the same application plus the gate and the hanging command."""
    under_test = GatedBot(sandbox, db, clock, OPTIONS)
    await under_test.start()
    try:
        yield under_test
    finally:
        await under_test.stop()


def counted(name: str, reason: str) -> float:
    return REGISTRY.get_sample_value(name, {"reason": reason}) or 0.0


async def bot_says(chat: Chat, needle: str, seconds: float = 60) -> str:
    """Everything the bot said in this chat until it says ``needle`` (answers may come after the tracker's done)."""
    seen = ""
    async with asyncio.timeout(seconds):
        while needle not in seen:
            seen += (await chat.collect()).text + "\n"
            if needle not in seen:
                await chat.client.wait(chat.id, after=chat.cursor, timeout=2)
    return seen


async def until(check: Callable[[], Awaitable[bool] | bool], seconds: float = 60) -> None:
    async with asyncio.timeout(seconds):
        while True:
            result = check()
            if await result if inspect.isawaitable(result) else result:
                return
            await asyncio.sleep(0.05)


async def status_of(db: Database, update_id: int) -> InboxStatus | None:
    async with db.session() as session:
        return (await queries.statuses(session, [update_id])).get(update_id)


class Fault:
    """Breaks the test database and mends it: SQLite's write lock, or PostgreSQL refusing every connection."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock: sqlite3.Connection | None = None
        self._admin: Database | None = None

    async def start(self) -> None:
        if self.db.is_sqlite:
            self._lock = sqlite3.connect(str(make_url(self.db.url).database), isolation_level=None, timeout=0)
            self._lock.execute("BEGIN IMMEDIATE")
            self._lock.execute("UPDATE programme SET name = name")
            return
        url = make_url(self.db.url)
        self._admin = Database(
            url.set(database="postgres").render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
        )
        async with self._admin.engine.connect() as conn:
            await conn.execute(text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS false'))
            await conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                {"name": url.database},
            )

    async def stop(self) -> None:
        if self._lock is not None:
            self._lock.execute("COMMIT")
            self._lock.close()
            self._lock = None
        if self._admin is not None:
            async with self._admin.engine.connect() as conn:
                await conn.execute(text(f'ALTER DATABASE "{make_url(self.db.url).database}" ALLOW_CONNECTIONS true'))
            await self._admin.dispose()
            self._admin = None
            await self.db.engine.dispose()  # the test's own pooled connections were terminated with the bot's


@pytest.fixture
def fault(db: Database, monkeypatch: pytest.MonkeyPatch) -> Fault:
    # A statement waits this long for SQLite's write lock before "database is locked" (30 s in production): the
    # retries, not the busy timeout, are what these tests are about.
    monkeypatch.setattr(models.sqlite_cursor, "SQLITE_BUSY_TIMEOUT_MS", 50)
    return Fault(db)


async def _tap_today_under(fault: Fault, bot: GatedBot, chat: Chat) -> int:
    """Tap "Hari ini" and break the database while the tap is being handled; returns the update id."""
    message_id, today = chat.find_button("Hari ini")
    bot.gate.armed = True
    pressed = await chat.client.press(chat.id, message_id, today["callback_data"], from_id=chat.id)
    await asyncio.wait_for(bot.gate.reached.wait(), 30)
    await fault.start()
    bot.gate.go.set()
    return update_id(pressed)


def _reasons(db: Database) -> list[str]:
    return ["locked"] if db.is_sqlite else ["connection", "starting"]


async def test_a_passing_database_fault_under_a_form_step_is_retried_and_the_person_sees_nothing(
    person: Any, bot: GatedBot, db: Database, fault: Fault
) -> None:
    chat, _ = await _start(person, db)
    await chat.say("/lapor")
    await chat.press("Hidayat")
    retried = sum(counted("jsika_updates_retried_total", r) for r in _reasons(db))
    failed = counted("jsika_updates_failed_total", "database")
    try:
        update_id = await _tap_today_under(fault, bot, chat)
        # the worker met the fault and is retrying: now mend it
        await until(lambda: sum(counted("jsika_updates_retried_total", r) for r in _reasons(db)) > retried)
    finally:
        await fault.stop()

    said = await bot_says(chat, "Bertemu dengan keluarga?")
    assert SORRY not in said and "locked" not in said
    await until(lambda: _is(db, update_id, InboxStatus.DONE))
    assert (await _form(db)).answers.get("tanggal")
    assert counted("jsika_updates_failed_total", "database") == failed


async def test_a_database_fault_outlasting_the_retries_fails_the_update_with_one_apology(
    person: Any, bot: GatedBot, db: Database, fault: Fault
) -> None:
    chat, _ = await _start(person, db)
    await chat.say("/lapor")
    await chat.press("Hidayat")
    failed = counted("jsika_updates_failed_total", "database")
    try:
        update_id = await _tap_today_under(fault, bot, chat)
        said = await bot_says(chat, SORRY)  # the apology needs no database: it comes while the fault lasts
    finally:
        await fault.stop()

    await until(lambda: _is(db, update_id, InboxStatus.FAILED))
    assert counted("jsika_updates_failed_total", "database") == failed + 1
    reply = await chat.say("/bantuan")  # the chat was not held up: the next message is answered normally
    assert "/lapor" in reply.text and SORRY not in reply.text
    said += reply.text + (await chat.collect()).text
    assert said.count(SORRY) == 1  # apologised once, not once per retry


async def test_a_hanging_handler_is_cut_off_the_person_told_and_the_chat_moves_on(
    person: Any, bot: GatedBot, db: Database
) -> None:
    bot.options = InboxOptions(poll_seconds=0.05, time_limit_seconds=1.0)
    await bot.restart()
    chat, _ = await _start(person, db)
    timeouts = counted("jsika_updates_failed_total", "timeout")
    sent = await chat.client.say(chat.id, "/macet", from_id=chat.id)
    said = await bot_says(chat, TOO_SLOW)
    assert SORRY not in said
    await until(lambda: _is(db, update_id(sent), InboxStatus.FAILED))
    assert counted("jsika_updates_failed_total", "timeout") == timeouts + 1
    reply = await chat.say("/bantuan")
    assert "/lapor" in reply.text


async def _is(db: Database, update_id: int, status: InboxStatus) -> bool:
    return await status_of(db, update_id) is status
