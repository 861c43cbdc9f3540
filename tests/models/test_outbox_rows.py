"""The outbox row's state machine (``models/outbox.py``): what each move keeps and what it drops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import outbox as rows
from models.db import Database
from models.tables import Outbox, OutboxStatus

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


async def _queued(db: Database, key: str, chat_id: int, *, due: datetime = NOW) -> int:
    async with db.session() as session:
        row = Outbox(dedupe_key=key, kind="digest", user_id=None, chat_id=chat_id, payload={"n": 1}, not_before=due)
        session.add(row)
        await session.flush()
        return row.id


async def _row(db: Database, outbox_id: int) -> Outbox:
    async with db.session() as session:
        row = await session.get(Outbox, outbox_id)
        assert row is not None
        return row


async def test_a_claim_takes_the_due_row_of_a_free_chat_with_a_lease_and_one_more_attempt(db: Database) -> None:
    busy = await _queued(db, "a", 1)
    free = await _queued(db, "b", 2)
    await _queued(db, "c", 3, due=NOW + timedelta(hours=1))
    async with db.session() as session:
        message = await rows.claim(
            session, now=NOW, worker="w1", lease=timedelta(minutes=2), busy_chats=[1], skip_locked=not db.is_sqlite
        )
        assert await rows.next_due(session) == NOW  # chat 1's row is still waiting
    assert message is not None and (message.id, message.chat_id, message.attempts) == (free, 2, 1)
    claimed = await _row(db, free)
    assert claimed.status is OutboxStatus.SENDING and claimed.claimed_by == "w1"
    assert claimed.lease_until == NOW + timedelta(minutes=2)
    assert (await _row(db, busy)).status is OutboxStatus.QUEUED


async def test_moves_drop_the_lease_requeues_drop_the_owner_and_a_429_gives_its_attempt_back(db: Database) -> None:
    first, second = await _queued(db, "a", 1), await _queued(db, "b", 2)
    async with db.session() as session:
        for _ in range(2):
            await rows.claim(
                session, now=NOW, worker="w1", lease=timedelta(minutes=2), busy_chats=[], skip_locked=False
            )
        assert await rows.expired_leases(session, NOW + timedelta(minutes=3), skip_locked=False) == [
            (first, "w1"),
            (second, "w1"),
        ]
        later = NOW + timedelta(seconds=30)
        await rows.transition(
            session, first, OutboxStatus.QUEUED, not_before=later, retry_after=30, refund_attempt=True, error="x" * 900
        )
        await rows.transition(session, second, OutboxStatus.SENT, sent_at=NOW, telegram_message_id=77)
    requeued, sent = await _row(db, first), await _row(db, second)
    assert (requeued.status, requeued.claimed_by, requeued.lease_until) == (OutboxStatus.QUEUED, None, None)
    assert (requeued.not_before, requeued.retry_after, requeued.attempts) == (later, 30, 0)
    assert requeued.last_error == "x" * rows.ERROR_LENGTH
    assert (sent.status, sent.telegram_message_id, sent.lease_until) == (OutboxStatus.SENT, 77, None)
    assert sent.claimed_by == "w1" and sent.attempts == 1  # who sent it stays on record
