"""The durable inbox, as the domain sees it: what a raw Telegram update is about, and how old it is.

Webhook and polling both store the raw update (decision 3 in docs/design.md); workers then take one chat's updates in
order. These pure functions read the raw JSON (no Telegram types here), and ``exclusive`` is the one place a
process asks PostgreSQL "am I the only one doing this?" (the poller, migrations on start-up).

The three statements every update goes through — store, claim, finish — are also here, built once per process
with bind parameters (``store_updates``, ``claim_heads``, ``finish_done``): they run for every update, and building
a SQLAlchemy statement afresh each time (or compiling a new one for every batch size) cost more CPU than running
it. The rest of the inbox's SQL (leases, pruning, statistics) is in ``models/queries/inbox.py``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, bindparam, exists, func, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from models.db import Database
from models.tables import INBOX_PENDING, Inbox, InboxStatus

log = logging.getLogger(__name__)

# Update kinds whose object carries its own ``date`` (seconds since the epoch) worth ageing by.
_DATED_KINDS = ("message", "edited_message", "channel_post", "edited_channel_post", "my_chat_member", "chat_member")


class MalformedUpdate(ValueError):
    """The body is not a Telegram update (no integer ``update_id``)."""


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One claimed update: what the handler needs and what the worker needs to finish it."""

    update_id: int
    chat_id: int | None
    payload: dict[str, Any]
    received_at: datetime
    attempts: int


def update_id_of(payload: Mapping[str, Any]) -> int:
    value = payload.get("update_id") if isinstance(payload, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedUpdate("update_id missing or not a non-negative integer")
    return value


def _body_of(payload: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for key, value in payload.items():
        if key != "update_id" and isinstance(value, Mapping):
            return value
    return None


def chat_of(payload: Mapping[str, Any]) -> int | None:
    """The chat an update belongs to (the sender's id when there is no chat), for per-chat ordering.

    It mirrors PTB's ``effective_chat`` falling back to ``effective_user``, which is what the in-process
    ordering (``bot/ordering.py``) uses, so both agree on what "one chat" is.
    """
    body = _body_of(payload)
    if body is None:
        return None
    for holder in (body, body.get("message")):
        if isinstance(holder, Mapping):
            chat = holder.get("chat")
            if isinstance(chat, Mapping) and isinstance(chat.get("id"), int):
                return int(chat["id"])
    sender = body.get("from")
    if isinstance(sender, Mapping) and isinstance(sender.get("id"), int):
        return int(sender["id"])
    return None


def sent_at(payload: Mapping[str, Any]) -> datetime | None:
    """When the person acted, as Telegram recorded it; None for kinds without a date (a button press)."""
    for kind in _DATED_KINDS:
        body = payload.get(kind)
        if isinstance(body, Mapping):
            stamp = body.get("edit_date") or body.get("date")
            if isinstance(stamp, int) and not isinstance(stamp, bool) and stamp > 0:
                return datetime.fromtimestamp(stamp, UTC)
    return None


def age_seconds(item: InboxItem, now: datetime) -> float:
    """How long ago the person acted (or, without a date, since the update reached us)."""
    origin = sent_at(item.payload) or item.received_at
    return (now - origin).total_seconds()


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


# -- the per-update statements, built once ---------------------------------------------------------------------

_NEW: ColumnElement[str] = literal_column(f"'{InboxStatus.NEW.value}'")


def pending(table: Any) -> ColumnElement[bool]:
    """``status IN ('new', 'processing')`` with the values in the SQL, as ``INBOX_PENDING_SQL`` and the partial
    indexes of migration 0012 spell it: bound parameters would hide from PostgreSQL's generic plan (and from
    SQLite's planner) that those indexes cover the query, and the claim would scan every handled update."""
    return table.status.in_([literal_column(f"'{status.value}'") for status in INBOX_PENDING])


@cache
def _store_statement(dialect: str) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(Inbox).on_conflict_do_nothing(index_elements=["update_id"]).returning(Inbox.update_id)


async def store_updates(
    session: AsyncSession, updates: Sequence[tuple[int, int | None, dict[str, Any]]], now: datetime
) -> set[int]:
    """Insert ``(update_id, chat_id, payload)`` rows not seen before; return the ids that were new.

    One statement whatever the batch size (SQLAlchemy's insertmanyvalues), so it is compiled once per process.
    """
    if not updates:
        return set()
    rows = [
        {
            "update_id": uid,
            "chat_id": chat,
            "payload": payload,
            "received_at": now,
            "status": InboxStatus.NEW,
            "attempts": 0,
        }
        for uid, chat, payload in updates
    ]
    stmt = _store_statement(session.get_bind().dialect.name)
    result = await session.execute(stmt, rows)
    return set(result.scalars().all())


@cache
def _claim_statement() -> Any:
    head, earlier = aliased(Inbox), aliased(Inbox)
    now: Any = bindparam("now")
    blocked_by_earlier = exists().where(
        earlier.chat_id == head.chat_id, earlier.update_id < head.update_id, pending(earlier)
    )
    lease_lapsed = and_(head.lease_until < now, head.attempts < bindparam("max_attempts"))  # and so processing
    heads = (
        select(head.update_id)
        .where(pending(head), or_(head.status == _NEW, lease_lapsed), ~blocked_by_earlier)
        .order_by(head.update_id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )
    return (
        update(Inbox)
        .where(Inbox.update_id.in_(heads.scalar_subquery()))
        .values(
            status=InboxStatus.PROCESSING,
            lease_until=bindparam("lease_until"),
            claimed_by=bindparam("worker"),
            attempts=Inbox.attempts + 1,
        )
        .returning(Inbox.update_id, Inbox.chat_id, Inbox.payload, Inbox.received_at, Inbox.attempts)
        .execution_options(synchronize_session=False)
    )


async def claim_heads(
    session: AsyncSession, worker: str, now: datetime, lease: timedelta, limit: int, max_attempts: int
) -> list[InboxItem]:
    """Claim up to ``limit`` chat heads (each chat's lowest pending update), oldest first, in one statement.

    Only a head can be claimed, and it stays pending until finished, so a chat's next update waits for it — in
    this process or any other. On PostgreSQL the heads are picked ``FOR UPDATE SKIP LOCKED``; on SQLite the
    transaction is ``BEGIN IMMEDIATE`` (``models/db.py``). An update whose lease lapsed (its process died) is
    claimed again while it has attempts left.
    """
    if limit <= 0:
        return []
    rows = await session.execute(
        _claim_statement(),
        {"now": now, "max_attempts": max_attempts, "limit": limit, "lease_until": now + lease, "worker": worker},
    )
    items = [InboxItem(r.update_id, r.chat_id, r.payload, r.received_at, r.attempts) for r in rows]
    return sorted(items, key=lambda i: i.update_id)


@cache
def _finish_statement() -> Any:
    return (
        update(Inbox)
        .where(
            Inbox.update_id.in_(bindparam("ids", expanding=True)),
            Inbox.claimed_by == bindparam("worker"),
            Inbox.status == InboxStatus.PROCESSING,
        )
        .values(status=InboxStatus.DONE, processed_at=bindparam("now"), lease_until=None)
        .returning(Inbox.update_id)
        .execution_options(synchronize_session=False)
    )


async def finish_done(session: AsyncSession, update_ids: Sequence[int], worker: str, now: datetime) -> set[int]:
    """Mark updates handled without error as done; returns the ids this worker still held (its lease not lost)."""
    if not update_ids:
        return set()
    result = await session.execute(_finish_statement(), {"ids": list(update_ids), "worker": worker, "now": now})
    return set(result.scalars().all())
