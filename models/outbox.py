"""The outbox row's state machine: claim a due row, then move it on to sent, queued again, failed or cancelled.

The sender (``scheduler/outbox.py``) decides *when* a row moves and why; the statements that move it live here,
beside the table, as the inbox's do (``models/inbox.py``). Every move out of ``sending`` drops the lease, and a
row that goes back to the queue is no longer anybody's (``claimed_by``): so one parameterised ``transition``
covers sent, retried, rate-limited, failed, cancelled and requeued-after-a-dead-worker alike.

::

    queued ──claim──▶ sending ──▶ sent
       ▲                 │──▶ failed | cancelled
       └─────────────────┘ (retry with backoff, 429, lease expired)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Outbox, OutboxStatus

ERROR_LENGTH = 500  # ``last_error`` keeps the start of a long error; the log has the rest


@dataclass(frozen=True, slots=True)
class Message:
    """A claimed outbox row, detached from the session that claimed it."""

    id: int
    kind: str
    user_id: int | None
    chat_id: int
    payload: dict[str, Any]
    attempts: int
    dedupe_key: str


async def claim(
    session: AsyncSession,
    *,
    now: datetime,
    worker: str,
    lease: timedelta,
    busy_chats: list[int],
    skip_locked: bool,
) -> Message | None:
    """Take the next due row of a chat not in ``busy_chats`` in one atomic UPDATE (``sending``, a lease, one
    more attempt). ``skip_locked`` (PostgreSQL) lets concurrent senders pass over each other's candidate rows;
    SQLite's single writer serialises the claims anyway."""
    candidate = select(Outbox.id).where(Outbox.status == OutboxStatus.QUEUED, Outbox.not_before <= now)
    if busy_chats:
        candidate = candidate.where(Outbox.chat_id.not_in(busy_chats))
    candidate = candidate.order_by(Outbox.not_before, Outbox.id).limit(1)
    if skip_locked:
        candidate = candidate.with_for_update(skip_locked=True)
    statement = (
        update(Outbox)
        .where(Outbox.id == candidate.scalar_subquery(), Outbox.status == OutboxStatus.QUEUED)
        .values(
            status=OutboxStatus.SENDING,
            claimed_by=worker,
            lease_until=now + lease,
            attempts=Outbox.attempts + 1,
        )
        .returning(
            Outbox.id,
            Outbox.kind,
            Outbox.user_id,
            Outbox.chat_id,
            Outbox.payload,
            Outbox.attempts,
            Outbox.dedupe_key,
        )
    )
    row = (await session.execute(statement)).first()
    return Message(*row) if row is not None else None


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest queued row becomes due (``None``: the queue is empty)."""
    first: datetime | None = await session.scalar(
        select(func.min(Outbox.not_before)).where(Outbox.status == OutboxStatus.QUEUED)
    )
    return first


async def due_by_kind(session: AsyncSession, moment: datetime) -> dict[str, int]:
    """Queued rows due by ``moment``, counted by kind (what ``jsika remind`` reports as waiting to be sent)."""
    stmt = (
        select(Outbox.kind, func.count())
        .where(Outbox.status == OutboxStatus.QUEUED, Outbox.not_before <= moment)
        .group_by(Outbox.kind)
    )
    return {kind: int(n) for kind, n in (await session.execute(stmt)).all()}


async def expired_leases(session: AsyncSession, now: datetime, *, skip_locked: bool) -> list[tuple[int, str | None]]:
    """Rows still ``sending`` after their lease ran out (their worker died): ``(id, worker)``."""
    expired = select(Outbox.id, Outbox.claimed_by).where(
        Outbox.status == OutboxStatus.SENDING, Outbox.lease_until < now
    )
    if skip_locked:
        expired = expired.with_for_update(skip_locked=True)
    return [(int(outbox_id), worker) for outbox_id, worker in (await session.execute(expired)).all()]


async def transition(
    session: AsyncSession,
    outbox_id: int,
    to: OutboxStatus,
    *,
    error: str | None = None,
    not_before: datetime | None = None,
    retry_after: int | None = None,
    refund_attempt: bool = False,
    sent_at: datetime | None = None,
    telegram_message_id: int | None = None,
) -> None:
    """Move a claimed row on: to ``sent`` (with Telegram's message id), back to ``queued`` (from ``not_before``;
    a 429 gives its attempt back, ``refund_attempt``), or to ``failed`` / ``cancelled``. The lease always goes;
    a requeued row is nobody's; ``error`` is kept as ``last_error``."""
    values: dict[str, Any] = {"status": to, "lease_until": None}
    if to is OutboxStatus.QUEUED:
        values["claimed_by"] = None
    if error is not None:
        values["last_error"] = error[:ERROR_LENGTH]
    if not_before is not None:
        values["not_before"] = not_before
    if retry_after is not None:
        values["retry_after"] = retry_after
    if refund_attempt:
        values["attempts"] = Outbox.attempts - 1
    if sent_at is not None:
        values["sent_at"] = sent_at
    if telegram_message_id is not None:
        values["telegram_message_id"] = telegram_message_id
    await session.execute(update(Outbox).where(Outbox.id == outbox_id).values(**values))
