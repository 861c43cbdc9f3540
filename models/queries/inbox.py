"""The inbox table's SQL: store updates once, claim each chat's oldest pending update, finish, prune.

Ordering per chat comes from the claim itself: only the *head* of a chat (its lowest pending update id) can be
claimed, and it stays pending (new or processing) until it is finished, so the chat's next update cannot be
claimed meanwhile — by this process or any other. On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several
processes claim side by side without waiting on each other; on SQLite every transaction is ``BEGIN IMMEDIATE``
(``models/db.py``), which makes the claim atomic within the one process that owns the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.inbox import InboxItem
from models.tables import Inbox, InboxStatus, Outbox, OutboxStatus

PENDING = (InboxStatus.NEW, InboxStatus.PROCESSING)


@dataclass(frozen=True, slots=True)
class NewUpdate:
    update_id: int
    chat_id: int | None
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class InboxStats:
    new: int
    processing: int
    failed: int
    oldest_pending_seconds: float


def _insert(session: AsyncSession) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(Inbox)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(Inbox)


async def store(session: AsyncSession, updates: Sequence[NewUpdate], now: datetime) -> set[int]:
    """Insert updates not seen before; return the ids that were new (a duplicate is silently ignored)."""
    if not updates:
        return set()
    rows = [
        {
            "update_id": u.update_id,
            "chat_id": u.chat_id,
            "payload": u.payload,
            "received_at": now,
            "status": InboxStatus.NEW,
        }
        for u in updates
    ]
    stmt = _insert(session).values(rows).on_conflict_do_nothing(index_elements=["update_id"])
    result = await session.execute(stmt.returning(Inbox.update_id))
    return set(result.scalars().all())


def _claimable(now: datetime, max_attempts: int) -> Any:
    earlier = aliased(Inbox)
    blocked_by_earlier = exists().where(
        earlier.chat_id == Inbox.chat_id,
        earlier.update_id < Inbox.update_id,
        earlier.status.in_(PENDING),
    )
    lease_lapsed = and_(Inbox.status == InboxStatus.PROCESSING, Inbox.lease_until < now, Inbox.attempts < max_attempts)
    return and_(or_(Inbox.status == InboxStatus.NEW, lease_lapsed), ~blocked_by_earlier)


async def claim(
    session: AsyncSession, worker: str, now: datetime, lease: timedelta, limit: int, max_attempts: int
) -> list[InboxItem]:
    """Claim up to ``limit`` chat heads, oldest first; each is a different chat, so they may run in parallel.

    An update whose lease lapsed (its process died mid-update) is claimed again while it has attempts left.
    """
    ids = list(
        (
            await session.scalars(
                select(Inbox.update_id)
                .where(_claimable(now, max_attempts))
                .order_by(Inbox.update_id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
    )
    if not ids:
        return []
    rows = await session.execute(
        update(Inbox)
        .where(Inbox.update_id.in_(ids))
        .values(
            status=InboxStatus.PROCESSING,
            lease_until=now + lease,
            claimed_by=worker,
            attempts=Inbox.attempts + 1,
        )
        .returning(Inbox.update_id, Inbox.chat_id, Inbox.payload, Inbox.received_at, Inbox.attempts)
        .execution_options(synchronize_session=False)
    )
    items = [InboxItem(r.update_id, r.chat_id, r.payload, r.received_at, r.attempts) for r in rows]
    return sorted(items, key=lambda i: i.update_id)


async def finish(
    session: AsyncSession, update_id: int, worker: str, status: InboxStatus, now: datetime, error: str | None = None
) -> bool:
    """Mark a claimed update done/skipped/failed; False when this worker no longer holds it (lease lost)."""
    result = await session.execute(
        update(Inbox)
        .where(Inbox.update_id == update_id, Inbox.claimed_by == worker, Inbox.status == InboxStatus.PROCESSING)
        .values(status=status, processed_at=now, lease_until=None, error=error)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def finish_many(
    session: AsyncSession, outcomes: Sequence[tuple[int, InboxStatus, str | None]], worker: str, now: datetime
) -> set[int]:
    """Mark several claimed updates finished in one transaction; returns the ids this worker still held.

    The common case (done, no error) is one UPDATE for all of them: under load many updates finish within the
    same few milliseconds, and one commit for all of them halves the database round trips per update.
    """
    held: set[int] = set()
    plain = [update_id for update_id, status, error in outcomes if status is InboxStatus.DONE and error is None]
    if plain:
        result = await session.execute(
            update(Inbox)
            .where(Inbox.update_id.in_(plain), Inbox.claimed_by == worker, Inbox.status == InboxStatus.PROCESSING)
            .values(status=InboxStatus.DONE, processed_at=now, lease_until=None)
            .returning(Inbox.update_id)
            .execution_options(synchronize_session=False)
        )
        held.update(result.scalars().all())
    for update_id, status, error in outcomes:
        if status is InboxStatus.DONE and error is None:
            continue
        if await finish(session, update_id, worker, status, now, error):
            held.add(update_id)
    return held


async def renew(session: AsyncSession, update_ids: Sequence[int], worker: str, lease_until: datetime) -> int:
    """Extend the leases of updates still being handled, so a slow handler is not mistaken for a dead one."""
    if not update_ids:
        return 0
    result = await session.execute(
        update(Inbox)
        .where(
            Inbox.update_id.in_(list(update_ids)), Inbox.claimed_by == worker, Inbox.status == InboxStatus.PROCESSING
        )
        .values(lease_until=lease_until)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def release(session: AsyncSession, update_ids: Sequence[int], worker: str) -> int:
    """Give unfinished updates back (shutdown after the grace period), not counting the attempt."""
    if not update_ids:
        return 0
    result = await session.execute(
        update(Inbox)
        .where(
            Inbox.update_id.in_(list(update_ids)), Inbox.claimed_by == worker, Inbox.status == InboxStatus.PROCESSING
        )
        .values(status=InboxStatus.NEW, lease_until=None, claimed_by=None, attempts=Inbox.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def abandon_poison(session: AsyncSession, now: datetime, max_attempts: int) -> list[int]:
    """Updates whose handling killed ``max_attempts`` processes: set aside as failed so the chat moves on."""
    result = await session.execute(
        update(Inbox)
        .where(Inbox.status == InboxStatus.PROCESSING, Inbox.lease_until < now, Inbox.attempts >= max_attempts)
        .values(
            status=InboxStatus.FAILED,
            processed_at=now,
            lease_until=None,
            error=f"abandoned after {max_attempts} attempts (process died or lease lapsed each time)",
        )
        .returning(Inbox.update_id)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars().all())


async def prune(session: AsyncSession, finished_before: datetime, failed_before: datetime) -> int:
    """Forget finished updates once Telegram can no longer resend them; keep failures longer, for a look."""
    result = await session.execute(
        delete(Inbox)
        .where(
            or_(
                and_(Inbox.status.in_((InboxStatus.DONE, InboxStatus.SKIPPED)), Inbox.processed_at < finished_before),
                and_(Inbox.status == InboxStatus.FAILED, Inbox.processed_at < failed_before),
            )
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def stats(session: AsyncSession, now: datetime) -> InboxStats:
    """Counts per state and the age of the oldest pending update (the inbox lag), for /metrics."""
    counts: dict[str, int] = {
        str(status): int(n)
        for status, n in await session.execute(
            select(Inbox.status, func.count())
            .where(Inbox.status.in_((InboxStatus.NEW, InboxStatus.PROCESSING, InboxStatus.FAILED)))
            .group_by(Inbox.status)
        )
    }
    oldest = await session.scalar(select(func.min(Inbox.received_at)).where(Inbox.status.in_(PENDING)))
    lag = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return InboxStats(
        new=counts.get(InboxStatus.NEW.value, 0),
        processing=counts.get(InboxStatus.PROCESSING.value, 0),
        failed=counts.get(InboxStatus.FAILED.value, 0),
        oldest_pending_seconds=lag,
    )


async def statuses(session: AsyncSession, update_ids: Sequence[int]) -> dict[int, InboxStatus]:
    """Where given updates stand (tests and the benchmark wait on it)."""
    rows = await session.execute(select(Inbox.update_id, Inbox.status).where(Inbox.update_id.in_(list(update_ids))))
    return {int(uid): InboxStatus(status) for uid, status in rows}


async def outbox_counts(session: AsyncSession) -> dict[str, int]:
    """Reminders waiting, in flight, failed, and waiting out a Telegram RetryAfter — cheap, index-backed counts.

    Sent rows are left out on purpose: they are most of the table, and a count of them would scan it all.
    """
    watched = (OutboxStatus.QUEUED, OutboxStatus.SENDING, OutboxStatus.FAILED)
    counts = {status.value: 0 for status in watched}
    for status, n in await session.execute(
        select(Outbox.status, func.count()).where(Outbox.status.in_(watched)).group_by(Outbox.status)
    ):
        counts[OutboxStatus(status).value] = int(n)
    counts["retry_after"] = int(
        await session.scalar(
            select(func.count()).where(Outbox.status == OutboxStatus.QUEUED, Outbox.retry_after.is_not(None))
        )
        or 0
    )
    return counts
