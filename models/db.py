"""Engine and sessions for SQLite and PostgreSQL behind one API.

SQLite is tuned for a small server with several coroutines writing: WAL (readers never block the writer),
a busy timeout, foreign keys on, and every transaction started with ``BEGIN IMMEDIATE`` so that two writers
queue instead of failing with "database is locked" when a read transaction upgrades.

Within one process the writers queue on the connection pool, not on the file lock: SQLite's pool holds **one**
connection. With several, every transaction but one would wait in SQLite's busy handler, which sleeps and
polls (1, 2, 5 … 100 ms): the lock sits free between a commit and the next poll, the waiters come back in no
order, and each connection's aiosqlite thread fights the event loop for the GIL. The pool's queue hands the
connection over the moment the previous transaction ends, first come first served (docs/tuning.md). It changes no
concurrency: ``BEGIN IMMEDIATE`` already let one transaction at a time in. A session must therefore never wait on
a second session while holding a connection — the same rule the file lock already imposed (it would wait out the
pool timeout and fail). The statements themselves run on the event loop's thread (``models/sqlite_cursor.py``);
only one that must wait for another process's lock (the CLI) is handed to aiosqlite's thread, where it queues on
the busy timeout without holding up the loop.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from models.sqlite_cursor import SQLITE_BUSY_TIMEOUT_MS, use_inline_cursor


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions start (see "begin" below).
        dbapi_connection.isolation_level = None
        use_inline_cursor(dbapi_connection)  # the busy timeout stays 0: see models/sqlite_cursor.py
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # A failed statement's message would otherwise carry its parameters — a stored update with phone numbers,
    # a NIK — into the log and the inbox's error column.
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database not in (None, "", ":memory:") and "poolclass" not in kwargs:
            kwargs.setdefault("pool_size", 1)  # one writer at a time anyway: queue on the pool (see the docstring)
            kwargs.setdefault("max_overflow", 0)
        # Statements run on the event loop's thread, and say "busy" at once rather than freeze it: the one that
        # must wait for another process's lock is handed to aiosqlite's thread with the real timeout (sqlite_cursor).
        connect_args = {"timeout": 0, "check_same_thread": False}
        engine = create_async_engine(url, connect_args=connect_args, **kwargs)
        _tune_sqlite(engine)
        return engine
    # 20 kept open, none beyond. A pool that opens overflow connections under load and closes them again pays,
    # each time, a new server backend, asyncpg's TLS attempt and type introspection, and every statement prepared
    # afresh. (20 kept open once made the inbox's claim take seconds: its cached generic plan scanned every
    # handled update; migration 0012 fixed the claim.)
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 0)
    engine = create_async_engine(url, **kwargs)
    _check_on_checkout(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 10.0


def _check_on_checkout(engine: AsyncEngine) -> None:
    """Hand out only live PostgreSQL connections, without a round trip for the busy ones.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout, and with asyncpg a ping is three round trips
    (BEGIN, ``;``, ROLLBACK) — more than a form step's own statements. Instead: a connection the server closed
    (a restart, ``pg_terminate_backend``: asyncpg sees the socket close) is dropped without asking, and only one
    that sat idle for ``PING_AFTER_IDLE_SECONDS`` (where a silent network drop could hide) is pinged. Raising
    ``DisconnectionError`` in the checkout event is SQLAlchemy's documented way to have the pool discard the
    connection and hand out another (``tests/e2e/test_postgres_restart.py`` restarts the server under load).
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if dbapi_connection._connection.is_closed():
            raise DisconnectionError("the server closed this connection")
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:
            raise DisconnectionError(f"ping failed: {error}") from error


def create_read_engine(url: str) -> AsyncEngine:
    """SQLite connections for reads only: no ``BEGIN IMMEDIATE`` and ``query_only`` on, so under WAL they read
    beside the writer instead of taking (and waiting for) the one write lock and the one pooled connection."""
    engine = create_async_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        hide_parameters=True,  # the busy timeout
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class Database:
    """The engine plus a session factory; one per process, passed to whoever needs sessions."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = session_factory(self.engine)
        self._read_engine: AsyncEngine | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session that only reads: texts of reminders, exports, anything slow that writes nothing.

        PostgreSQL: an ordinary session (readers never block writers there). SQLite: a connection of a separate
        read-only engine, so a 20-second export does not hold the one pooled connection and the write lock
        that every pendamping's next answer is waiting for. A write through it fails loudly (``query_only``).
        """
        if not self.is_sqlite or self.url.endswith(":memory:"):
            async with self.session() as session:
                yield session
            return
        if self._read_engine is None:
            self._read_engine = create_read_engine(self.url)
            self._read_sessions = session_factory(self._read_engine)
        async with self._read_sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._read_engine is not None:
            await self._read_engine.dispose()
            self._read_engine = None
