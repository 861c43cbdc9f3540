"""One elected process: PostgreSQL advisory locks, held on their own connection.

Several processes share one PostgreSQL database (``jsika run --workers N``, a second host): only one of them
may poll Telegram, plan and send reminders, or run migrations on start-up. ``exclusive`` is the one place a
process asks "am I the only one doing this?"; the lock is tied to a connection, so a process that dies (even by
SIGKILL) gives it up when PostgreSQL notices the socket closed. SQLite is one process: the lock is always held.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from models.db import Database

log = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock`` from a readable name."""
    return int.from_bytes(hashlib.sha256(f"jsika:{name}".encode()).digest()[:8], "big", signed=True)


class Exclusive:
    """A held (or not) PostgreSQL advisory lock; ``alive()`` says whether the connection still holds it."""

    def __init__(self, connection: AsyncConnection | None, held: bool) -> None:
        self._connection = connection
        self.held = held

    async def alive(self) -> bool:
        if not self.held:
            return False
        if self._connection is None:  # SQLite: one process, always the only one
            return True
        try:
            await self._connection.execute(select(1))
            await self._connection.commit()
        except Exception:
            log.warning("lost the connection holding an advisory lock", exc_info=True)
            self.held = False
        return self.held


@asynccontextmanager
async def exclusive(db: Database, name: str, *, wait: bool) -> AsyncIterator[Exclusive]:
    """Hold the process-wide lock ``name`` for the block (PostgreSQL advisory lock; always held on SQLite).

    ``wait=False`` returns at once with ``held=False`` when another process has it. The lock lives on its own
    connection, so a process that dies (even by SIGKILL) releases it when PostgreSQL notices the socket closed.
    """
    if db.is_sqlite:
        yield Exclusive(None, True)
        return
    key = lock_key(name)
    async with db.engine.connect() as connection:
        if wait:
            await connection.execute(select(func.pg_advisory_lock(key)))
            held = True
        else:
            held = bool(await connection.scalar(select(func.pg_try_advisory_lock(key))))
        await connection.commit()  # session-level lock: it outlives the transaction, the connection idles
        lock = Exclusive(connection, held)
        try:
            yield lock
        finally:
            if lock.held:
                try:
                    await connection.execute(select(func.pg_advisory_unlock(key)))
                    await connection.commit()
                except Exception:
                    log.debug("advisory unlock failed; the closing connection releases it", exc_info=True)
