"""The inbox table's less frequent SQL: finish with an error, leases, poison updates, pruning, statistics.

The three statements every update goes through (store, claim, finish) are built once in ``models/inbox.py``;
that module's docstring and ``claim_heads`` explain how the claim keeps each chat's updates in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.inbox import pending
from models.tables import Inbox, InboxStatus, Outbox, OutboxStatus


@dataclass(frozen=True, slots=True)
class NewUpdate:
    update_id: int
    chat_id: int | None
    payload: dict[str, Any]
    in_order: bool = False  # from getUpdates: ids only go backwards when Telegram restarts them (``held_back``)


@dataclass(frozen=True, slots=True)
class InboxStats:
    new: int
    processing: int
    failed: int
    oldest_pending_seconds: float


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
    oldest = await session.scalar(select(func.min(Inbox.received_at)).where(pending(Inbox)))
    lag = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return InboxStats(
        new=counts.get(InboxStatus.NEW.value, 0),
        processing=counts.get(InboxStatus.PROCESSING.value, 0),
        failed=counts.get(InboxStatus.FAILED.value, 0),
        oldest_pending_seconds=lag,
    )


async def highest_update_id(session: AsyncSession) -> int:
    """The highest update id the inbox holds (0 when empty): the demo's sandbox continues after it."""
    return int(await session.scalar(select(func.max(Inbox.update_id))) or 0)


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
