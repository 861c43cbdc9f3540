"""``Database``: slow reads (exports, reminder texts) never hold up the writers; a writer waiting for a lock never
holds up the bot."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import OperationalError

from models.db import Database
from models.tables import Household
from tests.factories import make_household


async def test_a_write_commits_while_a_read_session_is_still_open(db: Database) -> None:
    async with db.session() as s:
        household = await make_household(s)
    async with db.read_session() as reading:
        assert await reading.scalar(select(func.count()).select_from(Household)) == 1
        # On SQLite the writers share one pooled connection and the write lock: an ordinary session held here
        # would keep this write waiting (and the pendamping behind it) until the read ended.
        async with asyncio.timeout(10):
            async with db.session() as writing:
                await writing.execute(update(Household).where(Household.id == household.id).values(head_name="Baru"))
    async with db.read_session() as reading:
        assert await reading.scalar(select(Household.head_name).where(Household.id == household.id)) == "Baru"


async def test_a_read_session_on_sqlite_refuses_to_write(db: Database) -> None:
    async with db.session() as s:
        household = await make_household(s)
    if not db.is_sqlite:
        async with db.read_session() as reading:  # PostgreSQL: an ordinary session, readers never block there
            assert await reading.scalar(select(Household.kk).where(Household.id == household.id)) == household.kk
        return
    with pytest.raises(OperationalError, match="readonly"):
        async with db.read_session() as reading:
            await reading.execute(update(Household).values(head_name="Tidak boleh"))
            await reading.commit()


async def test_a_writer_waits_for_another_processs_lock_without_freezing_the_bot(db: Database) -> None:
    """SQLite statements run on the event loop's thread (``models/sqlite_cursor.py``): the one that must wait for
    a lock held elsewhere (here: another connection, as the CLI's import would hold it) waits off the loop, so
    every other coroutine — other pendamping's Bot API calls, the poller — keeps running, and then it commits."""
    if not db.is_sqlite:
        pytest.skip("SQLite's file lock; PostgreSQL locks rows, not the database")
    async with db.session() as s:
        household = await make_household(s)
    path = db.engine.url.database
    assert path is not None
    holder = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def write() -> None:
        async with db.session() as writing:
            await writing.execute(update(Household).where(Household.id == household.id).values(head_name="Sesudah"))

    ticking = asyncio.create_task(ticker())
    writing = asyncio.create_task(write())
    try:
        await asyncio.sleep(0.8)
        assert not writing.done()  # still waiting for the lock, not failed with "database is locked"
        assert ticks >= 20  # the loop was free the whole time (it would read 0 had the wait frozen it)
        holder.execute("ROLLBACK")
        async with asyncio.timeout(10):
            await writing
    finally:
        ticking.cancel()
        holder.close()
    async with db.session() as s:
        assert await s.scalar(select(Household.head_name).where(Household.id == household.id)) == "Sesudah"


async def test_a_connection_the_server_closed_is_never_handed_out(db: Database) -> None:
    """PostgreSQL: a pooled connection whose backend went away (a restart, ``pg_terminate_backend``) is replaced
    before a session gets it, so the next pendamping's answer does not fail on it (``models/db.py``)."""
    if db.is_sqlite:
        pytest.skip("PostgreSQL's pooled connections; SQLite has no server to go away")
    async with db.session() as s:
        pid = await s.scalar(text("SELECT pg_backend_pid()"))
    other = Database(db.url)
    try:
        async with other.session() as admin:
            assert await admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await other.dispose()
    await asyncio.sleep(0.2)  # the server's goodbye reaches the idle pooled connection
    async with db.session() as s:
        assert await s.scalar(text("SELECT pg_backend_pid()")) != pid
