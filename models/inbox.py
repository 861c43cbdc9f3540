"""The durable inbox, as the domain sees it: what a raw Telegram update is about, and how old it is.

Webhook and polling both store the raw update (decision 3 in docs/design.md); workers then take one chat's updates in
order. These pure functions read the raw JSON (no Telegram types here). Which process polls is decided in
``models/leader.py``.

The three statements every update goes through — store, claim, finish — are also here, built once per process
with bind parameters (``store_updates``, ``claim_heads``, ``finish_done``): they run for every update, and building
a SQLAlchemy statement afresh each time (or compiling a new one for every batch size) cost more CPU than running
it. The rest of the inbox's SQL (leases, pruning, statistics) is in ``models/inbox_upkeep.py``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Integer, Table, and_, bindparam, exists, func, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import INBOX_PENDING, Inbox, InboxStatus

INBOX_FINISHED = (InboxStatus.DONE, InboxStatus.SKIPPED, InboxStatus.FAILED)

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


MAX_UPDATE_DEPTH = 64  # Telegram's deepest update (a reply inside a callback's message) nests about a dozen levels
_INT64 = 2**63


def check_update(payload: object) -> dict[str, Any]:
    """``payload`` if both databases can store it as it is and PTB can read it; otherwise ``MalformedUpdate``.

    Telegram sends 64-bit integers, finite numbers and valid Unicode, nested a few levels deep. Anything else — a
    number past 64 bits, NaN or Infinity (which PostgreSQL's JSONB refuses), a lone surrogate (which no UTF-8
    driver can encode), nesting deep enough to exhaust a recursive reader — would fail the INSERT of every update
    stored in the same group commit, so it is refused here, before it joins one. Walked without recursion.
    """
    if not isinstance(payload, dict):
        raise MalformedUpdate("not an object")
    stack: list[tuple[object, int]] = [(payload, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise MalformedUpdate("text that is not valid Unicode (a lone surrogate)") from None
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if not -_INT64 <= value < _INT64:
                raise MalformedUpdate("an integer beyond 64 bits")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise MalformedUpdate("NaN or Infinity")
        elif isinstance(value, (dict, list)):
            if depth > MAX_UPDATE_DEPTH:
                raise MalformedUpdate("nested too deeply")
            items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            for key, item in items:
                if key is not None:
                    stack.append((key, depth))
                stack.append((item, depth + 1))
        else:
            raise MalformedUpdate(f"unexpected value of type {type(value).__name__}")
    return payload


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


# -- the per-update statements, built once ---------------------------------------------------------------------

# Core statements on the table, not the ORM entity: they run for every batch of updates, and the ORM's bulk
# insert/update layer (its compile state, its result adaptation) costs more CPU than SQLite running them.
_inbox = cast(Table, Inbox.__table__)
_NEW: ColumnElement[str] = literal_column(f"'{InboxStatus.NEW.value}'")


def pending(table: Any) -> ColumnElement[bool]:
    """``status IN ('new', 'processing')`` with the values in the SQL, as ``INBOX_PENDING_SQL`` and the partial
    indexes of migration 0012 spell it: bound parameters would hide from PostgreSQL's generic plan (and from
    SQLite's planner) that those indexes cover the query, and the claim would scan every handled update."""
    return table.status.in_([literal_column(f"'{status.value}'") for status in INBOX_PENDING])


def digest_of(payload: Mapping[str, Any]) -> str:
    """A fingerprint of an update's content: Telegram resending an update sends the same JSON, so the same digest.

    Key order is normalised (a resend may serialise differently); 128 bits of BLAKE2b are plenty to tell a new
    update that reuses an old id from a repeat of the old one.
    """
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.blake2b(canonical.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@cache
def _store_statement(dialect: str) -> Any:
    """Insert new ids; on a known id, overwrite the row only when it is finished and its content differs.

    Only a *finished* row gives way: a pending one is still someone's work, and its id also keeps the chat's
    order. A row without a digest (stored before migration 0015) keeps the old rule: same id, same update.
    RETURNING yields inserted and overwritten rows alike — both are updates to handle.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(_inbox)
    fresh = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=["update_id"],
        set_={
            "chat_id": fresh.chat_id,
            "payload": fresh.payload,
            "digest": fresh.digest,
            "received_at": fresh.received_at,
            "status": fresh.status,
            "attempts": 0,
            "lease_until": None,
            "claimed_by": None,
            "processed_at": None,
            "error": None,
        },
        where=and_(
            _inbox.c.digest.is_not(None),
            _inbox.c.digest != fresh.digest,
            _inbox.c.status.in_([literal_column(f"'{status.value}'") for status in INBOX_FINISHED]),
        ),
    ).returning(_inbox.c.update_id)


async def store_updates(
    session: AsyncSession, updates: Sequence[tuple[int, int | None, dict[str, Any]]], now: datetime
) -> set[int]:
    """Insert ``(update_id, chat_id, payload)`` rows not seen before; return the ids that were new.

    An id already handled whose content differs counts as new (see ``_store_statement``). One statement
    whatever the batch size (SQLAlchemy's insertmanyvalues), so it is compiled once per process.
    """
    if not updates:
        return set()
    rows = [
        {
            "update_id": uid,
            "chat_id": chat,
            "payload": payload,
            "digest": digest_of(payload),
            "received_at": now,
            "status": InboxStatus.NEW,
            "attempts": 0,
        }
        for uid, chat, payload in updates
    ]
    stmt = _store_statement(session.get_bind().dialect.name)
    result = await session.execute(stmt, rows)
    return set(result.scalars().all())


async def reused_while_pending(session: AsyncSession, updates: Sequence[tuple[int, Mapping[str, Any]]]) -> set[int]:
    """Of updates the store did not take, those whose id a *pending* row holds with other content.

    They are not repeats but new updates reusing an id (``_store_statement`` overwrites only finished rows); the
    receiver must keep them unconfirmed until the earlier update is finished. Runs only when a store met ids it
    already had, which is rare (Telegram resending) — so the digests are computed again here rather than kept.
    """
    if not updates:
        return set()
    held = dict(
        (
            await session.execute(
                select(Inbox.update_id, Inbox.digest).where(
                    Inbox.update_id.in_([uid for uid, _ in updates]), pending(Inbox)
                )
            )
        ).all()
    )
    return {uid for uid, payload in updates if held.get(uid) is not None and held[uid] != digest_of(payload)}


async def held_back(session: AsyncSession, updates: Sequence[tuple[int, int | None, Mapping[str, Any]]]) -> set[int]:
    """Of updates about to be stored (in arrival order), those that must wait because ids went backwards.

    After Telegram restarts its ids, a new update may carry a lower id than one of its chat still pending here —
    and the claim takes each chat's updates in id order, so it would overtake the earlier one — or the very id of
    a pending update. Such an update waits (the receiver does not confirm it) until its chat's earlier updates are
    done, and so does every later update of that chat in the batch. A repeat (same id, same content) is never
    held: the store ignores it. Only asked when a batch's ids are not above every id stored before
    (``bot.inbox.Inbox``), so the usual store costs nothing extra.
    """
    if not updates:
        return set()
    known: dict[int, str | None] = {}
    busy_ids: set[int] = set()  # held by a pending update
    for uid, digest, status in await session.execute(
        select(Inbox.update_id, Inbox.digest, Inbox.status).where(Inbox.update_id.in_([u[0] for u in updates]))
    ):
        known[uid] = digest
        if status in INBOX_PENDING:
            busy_ids.add(uid)
    chats = sorted({chat for _, chat, _ in updates if chat is not None})
    last_pending = dict(
        (
            await session.execute(
                select(Inbox.chat_id, func.max(Inbox.update_id))
                .where(Inbox.chat_id.in_(chats), pending(Inbox))
                .group_by(Inbox.chat_id)
            )
        ).all()
    )
    held: set[int] = set()
    waiting_chats: set[int | None] = set()  # a chat with an update held: its later ones in the batch wait too
    for uid, chat, payload in updates:
        if uid in known and known[uid] in (None, digest_of(payload)):
            continue  # a repeat (or a row from before migration 0015, which keeps the old rule)
        if uid in busy_ids or (chat is not None and (chat in waiting_chats or last_pending.get(chat, -1) >= uid)):
            held.add(uid)
            waiting_chats.add(chat)
    return held


@cache
def _claim_statement() -> Any:
    head, earlier = _inbox.alias("head"), _inbox.alias("earlier")
    now: Any = bindparam("now")
    blocked_by_earlier = exists().where(
        earlier.c.chat_id == head.c.chat_id, earlier.c.update_id < head.c.update_id, pending(earlier.c)
    )
    lease_lapsed = and_(head.c.lease_until < now, head.c.attempts < bindparam("max_attempts"))  # and so processing
    heads = (
        select(head.c.update_id)
        .where(pending(head.c), or_(head.c.status == _NEW, lease_lapsed), ~blocked_by_earlier)
        .order_by(head.c.update_id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )
    return (
        update(_inbox)
        .where(_inbox.c.update_id.in_(heads.scalar_subquery()))
        .values(
            status=InboxStatus.PROCESSING,
            lease_until=bindparam("lease_until"),
            claimed_by=bindparam("worker"),
            attempts=_inbox.c.attempts + 1,
        )
        .returning(_inbox.c.update_id, _inbox.c.chat_id, _inbox.c.payload, _inbox.c.received_at, _inbox.c.attempts)
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
        update(_inbox)
        .where(
            _inbox.c.update_id.in_(bindparam("ids", expanding=True)),
            _inbox.c.claimed_by == bindparam("worker"),
            _inbox.c.status == InboxStatus.PROCESSING,
        )
        .values(status=InboxStatus.DONE, processed_at=bindparam("now"), lease_until=None)
        .returning(_inbox.c.update_id)
    )


async def finish_done(session: AsyncSession, update_ids: Sequence[int], worker: str, now: datetime) -> set[int]:
    """Mark updates handled without error as done; returns the ids this worker still held (its lease not lost)."""
    if not update_ids:
        return set()
    result = await session.execute(_finish_statement(), {"ids": list(update_ids), "worker": worker, "now": now})
    return set(result.scalars().all())
