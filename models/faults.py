"""Which database errors are passing trouble worth retrying, and which are bugs (issue 19, failure semantics).

A handler that meets a lost connection, a serialization failure, a deadlock, a server still starting up or (on
SQLite) a file locked by another program usually succeeds when simply run again a moment later; the inbox worker
(``bot/inbox_worker.py``) does that, so the person never sees it. Anything else — a constraint violated, a bug —
would fail the same way again, and retrying it only delays the apology. The test is on the error chain, because
SQLAlchemy wraps the driver's exception (asyncpg's, sqlite3's) and a handler may wrap it once more.
"""

from __future__ import annotations

import errno
import sqlite3

from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from models.sqlite_cursor import is_busy

# SQLSTATE codes (PostgreSQL appendix A) that mean "try again": the transaction lost a race, or the server is not
# (or no longer) there for this connection.
_RETRY_SQLSTATES = {
    "40001": "serialization",  # serialization_failure
    "40P01": "deadlock",  # deadlock_detected
    "57P01": "connection",  # admin_shutdown (pg_terminate_backend, a restart)
    "57P02": "connection",  # crash_shutdown
    "57P03": "starting",  # cannot_connect_now: the database system is starting up / shutting down
    "53300": "connection",  # too_many_connections
}

_NETWORK_ERRNOS = {errno.ECONNREFUSED, errno.ECONNRESET, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT}


def transient_reason(error: BaseException) -> str | None:
    """A short label ("connection", "deadlock", "locked", …) when ``error`` is worth retrying, else None."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        reason = _reason_of(current)
        if reason is not None:
            return reason
        pending.extend([current.__cause__, current.__context__, getattr(current, "orig", None)])
    return None


def _reason_of(error: BaseException) -> str | None:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return "connection"
    if isinstance(error, DisconnectionError | PoolTimeout | ConnectionError):
        return "connection"
    if isinstance(error, OSError) and (error.errno in _NETWORK_ERRNOS or "Connect call failed" in str(error)):
        return "connection"  # the server's socket refused or unreachable (asyncpg joins several as one OSError)
    if isinstance(error, sqlite3.OperationalError) and is_busy(error):
        return "locked"
    if isinstance(error, sqlite3.OperationalError) and "database is locked" in str(error):
        return "locked"
    sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if isinstance(sqlstate, str):
        if sqlstate in _RETRY_SQLSTATES:
            return _RETRY_SQLSTATES[sqlstate]
        if sqlstate.startswith("08"):  # connection exception class
            return "connection"
    if "is not currently accepting connections" in str(error):
        return "connection"  # ALTER DATABASE … ALLOW_CONNECTIONS false, as during a maintenance cut (55000)
    name = type(error).__name__
    if name in {"ConnectionDoesNotExistError", "InterfaceError"} and "connection" in str(error).lower():
        return "connection"  # asyncpg: "connection was closed in the middle of operation"
    return None
