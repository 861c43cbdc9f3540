"""SQLite statements run on the event loop's thread; only a statement that must wait for a lock goes elsewhere.

aiosqlite runs every SQLite call on the connection's own thread, and SQLAlchemy's adapter makes one call per
cursor operation: create the cursor, execute, fetch the rows, close. Each hand-over is a queue put, the thread
taking the GIL, a wake-up of the event loop through its self-pipe and a turn in its ready queue behind every other
update in flight. A form step's statements take SQLite microseconds; the hand-overs around them had become the
bot's largest cost (report bench profile: a third of its CPU per update, after the Bot API and ORM costs went).

So the writer engine's connections (``models/db.py``; opened with ``check_same_thread=False`` and a busy timeout
of **zero**) run each statement, commit and rollback right here, in one call. The one thing that may wait is the
write lock: ``BEGIN IMMEDIATE`` while another process (the CLI's import, a second process on the file) holds it.
With a zero timeout SQLite says "busy" at once instead of freezing the loop; that statement — and only it — then
goes to aiosqlite's thread with the real busy timeout, and the loop serves everyone else meanwhile. Inside a
``BEGIN IMMEDIATE`` transaction under WAL nothing else waits (this connection holds the write lock; readers never
block it). The price: a statement that runs long (the morning planner's set-based INSERT, about half a second at
50k households) holds the loop that long. Reads that may run long belong on ``Database.read_session``, whose
connections keep aiosqlite's ordinary cursor and thread.

Only the adapter's ordinary (buffered) cursor is replaced; the server-side cursor (``stream_results``) keeps
SQLAlchemy's own. Errors are the driver's own exceptions, translated by the adapter exactly as before. This leans
on SQLAlchemy's aiosqlite adapter classes (not public API): the lock file pins SQLAlchemy, and the whole SQLite
suite runs through this module — re-check it when upgrading.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_cursor
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

# How long a statement waits for another process's write lock before failing with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6

_Result = tuple[Any, list[Any], int, int | None]


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Result:
    """The whole statement, rows included, in one call."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _waiting(connection: sqlite3.Connection, work: Any, *args: Any) -> Any:
    """On aiosqlite's thread: ``work`` with the busy timeout on, so it waits for the lock instead of failing."""
    connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    try:
        return work(*args)
    finally:
        connection.execute("PRAGMA busy_timeout=0")


def is_busy(error: BaseException) -> bool:
    """SQLite's "database is locked": another connection holds the lock this statement needs."""
    code = getattr(error, "sqlite_errorcode", None)
    return (
        isinstance(error, sqlite3.OperationalError)
        and code is not None
        and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    )


async def _nothing() -> None:
    return None


class InlineCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement runs in one call, on this thread unless it has to wait for a lock."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]  # nothing to close: each statement closed its own cursor
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        del value

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._statement(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        self._statement(operation, seq_of_parameters, many=True)

    def _statement(self, operation: Any, parameters: Any, *, many: bool) -> None:
        try:
            result = _inline_or_waiting(self._adapt_connection, _run, operation, parameters, many)
        except Exception as error:
            self._adapt_connection._handle_exception(error)
            return
        self._description, rows, self._rowcount, self._lastrowid = result
        self._rows = collections.deque(rows)


def _inline_or_waiting(adapt_connection: Any, work: Any, *args: Any) -> Any:
    """``work(sqlite_connection, *args)`` here; on "busy", again on aiosqlite's thread with the busy timeout on."""
    driver = adapt_connection._connection
    connection = driver._conn
    try:
        result = work(connection, *args)
    except sqlite3.OperationalError as error:
        if not is_busy(error):
            raise
        return await_(_on_thread(adapt_connection, connection, work, *args))
    # SQLAlchemy's AsyncConnection.execute insists that a statement awaited something (its check that the driver
    # is really async); one pass through the greenlet bridge, with no trip to the loop, satisfies it.
    await_(_nothing())
    return result


async def _on_thread(adapt_connection: Any, connection: sqlite3.Connection, work: Any, *args: Any) -> Any:
    async with adapt_connection._execute_mutex:
        return await adapt_connection._connection._execute(_waiting, connection, work, connection, *args)


def _commit(connection: sqlite3.Connection) -> None:
    connection.commit()


def _rollback(connection: sqlite3.Connection) -> None:
    connection.rollback()


class InlineConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection with ``InlineCursor`` as its ordinary cursor, committing inline too."""

    __slots__ = ()
    _cursor_cls = InlineCursor

    def commit(self) -> None:
        self._end(_commit)

    def rollback(self) -> None:
        self._end(_rollback)

    def _end(self, work: Any) -> None:
        if self._connection._connection is None:
            return  # closed already: nothing to end (as the adapter's own commit/rollback)
        try:
            _inline_or_waiting(self, work)
        except Exception as error:
            self._handle_exception(error)


def use_inline_cursor(dbapi_connection: Any) -> None:
    """From the engine's ``connect`` event, for a connection opened with ``check_same_thread=False`` and a zero
    busy timeout: statements run inline from now on."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = InlineConnection
