"""The durable inbox, as the domain sees it: what a raw Telegram update is about, and how old it is.

Webhook and polling both store the raw update (DESIGN.md decision 3); workers then take one chat's updates in
order. These pure functions read the raw JSON (no Telegram types here), and ``exclusive`` is the one place a
process asks PostgreSQL "am I the only one doing this?" (the poller, migrations on start-up).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from models.db import Database

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
