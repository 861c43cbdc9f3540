"""The durable inbox: each update handled once, each chat's updates in order, chats in parallel.

The workers here run the real claim/lease SQL on the test database; the handler is a recorder standing in for
the PTB application (the e2e tests drive the real one through the inbox).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.inbox import Inbox, InboxOptions, InboxWorker
from models import deferred
from models import inbox_upkeep as queries
from models.db import Database
from models.inbox import InboxItem, _claim_statement, claim_heads
from models.tables import Inbox as InboxRow
from models.tables import InboxStatus

FAST = InboxOptions(concurrency=8, lease_seconds=10, poll_seconds=0.02, max_attempts=3, grace_seconds=5)


def message(update_id: int, chat_id: int, *, sent: datetime | None = None) -> dict[str, object]:
    stamp = int((sent or datetime.now(UTC)).timestamp())
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": stamp,
            "text": f"pesan {update_id}",
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False},
        },
    }


class Recorder:
    """Handles updates slowly and at random speeds, noting order and overlap per chat."""

    def __init__(self, *, max_delay: float = 0.004, fail_on: Sequence[int] = ()) -> None:
        self.order: dict[int | None, list[int]] = defaultdict(list)
        self.active: dict[int | None, int] = defaultdict(int)
        self.overlaps = 0
        self.peak = 0
        self.running = 0
        self.max_delay = max_delay
        self.fail_on = set(fail_on)

    async def __call__(self, item: InboxItem) -> None:
        self.active[item.chat_id] += 1
        self.running += 1
        self.peak = max(self.peak, self.running)
        if self.active[item.chat_id] > 1:
            self.overlaps += 1
        try:
            await asyncio.sleep(random.uniform(0, self.max_delay))
            self.order[item.chat_id].append(item.update_id)
            if item.update_id in self.fail_on:
                raise RuntimeError("handler broke")
        finally:
            self.active[item.chat_id] -= 1
            self.running -= 1

    @property
    def handled(self) -> list[int]:
        return sorted(u for ids in self.order.values() for u in ids)


async def wait_finished(db: Database, count: int, seconds: float = 30.0) -> dict[int, InboxStatus]:
    deadline = time.monotonic() + seconds
    while True:
        async with db.session() as s:
            rows = dict((await s.execute(select(InboxRow.update_id, InboxRow.status))).all())
        finished: dict[int, InboxStatus] = {
            k: v for k, v in rows.items() if v not in (InboxStatus.NEW, InboxStatus.PROCESSING)
        }
        if len(finished) >= count:
            return finished
        assert time.monotonic() < deadline, f"only {len(finished)} of {count} finished: {rows}"
        await asyncio.sleep(0.02)


async def test_two_workers_keep_each_chats_order_while_chats_run_in_parallel(db: Database) -> None:
    inbox = Inbox(db)
    chats = [100 + c for c in range(12)]
    updates = [message(n, chats[n % len(chats)]) for n in range(1, 241)]
    await inbox.accept(updates[:120], "webhook")
    recorder = Recorder()
    workers = [InboxWorker(inbox, recorder, FAST, name=f"w{i}") for i in range(2)]
    for worker in workers:
        await worker.start()
    await inbox.accept(updates[120:], "webhook")  # more arrive while the workers are busy
    finished = await wait_finished(db, 240)
    for worker in workers:
        await worker.stop()

    assert set(finished.values()) == {InboxStatus.DONE}
    assert recorder.handled == list(range(1, 241))  # every update exactly once
    for chat, ids in recorder.order.items():
        assert ids == sorted(ids), f"chat {chat} out of order"
    assert recorder.overlaps == 0  # never two updates of one chat at the same time
    assert recorder.peak > 1  # but different chats did run at once
    async with db.session() as s:
        claimers = set(await s.scalars(select(InboxRow.claimed_by)))
    assert claimers == {"w0", "w1"}


async def test_the_same_update_received_many_times_at_once_is_stored_once(db: Database) -> None:
    inbox = Inbox(db)
    counts = await asyncio.gather(
        *(inbox.accept([message(5, 1)], "webhook") for _ in range(10)), inbox.accept([message(6, 2)], "webhook")
    )
    assert sorted(counts) == [0] * 9 + [1, 1]  # one receipt of update 5 counts as new, the rest as duplicates
    async with db.session() as s:
        assert sorted(await s.scalars(select(InboxRow.update_id))) == [5, 6]


async def test_an_update_older_than_the_limit_is_skipped_not_handled(db: Database) -> None:
    inbox = Inbox(db)
    now = datetime.now(UTC)
    await inbox.accept([message(1, 5, sent=now - timedelta(hours=2)), message(2, 5, sent=now)], "polling")
    recorder = Recorder()
    worker = InboxWorker(inbox, recorder, InboxOptions(max_age_seconds=3600, poll_seconds=0.02))
    await worker.start()
    finished = await wait_finished(db, 2)
    await worker.stop()
    assert finished == {1: InboxStatus.SKIPPED, 2: InboxStatus.DONE}
    assert recorder.handled == [2]


async def test_a_failing_handler_marks_the_update_failed_and_the_chat_moves_on(db: Database) -> None:
    inbox = Inbox(db)
    await inbox.accept([message(1, 7), message(2, 7), message(3, 7)], "webhook")
    recorder = Recorder(fail_on=[2])
    worker = InboxWorker(inbox, recorder, FAST)
    await worker.start()
    finished = await wait_finished(db, 3)
    await worker.stop()
    assert finished == {1: InboxStatus.DONE, 2: InboxStatus.FAILED, 3: InboxStatus.DONE}
    async with db.session() as s:
        failed = await s.get(InboxRow, 2)
        assert failed is not None and failed.error == "RuntimeError: handler broke"


async def test_an_update_whose_worker_died_is_taken_over_after_the_lease(db: Database) -> None:
    inbox = Inbox(db)
    await inbox.accept([message(1, 9), message(2, 9)], "webhook")
    async with db.session() as s:  # a process claims update 1, then dies without a word
        claimed = await claim_heads(s, "dead-process", datetime.now(UTC), timedelta(seconds=0.3), 10, 3)
    assert [i.update_id for i in claimed] == [1]  # update 2 waits behind its chat's head
    recorder = Recorder()
    worker = InboxWorker(inbox, recorder, FAST, name="survivor")
    await worker.start()
    finished = await wait_finished(db, 2)
    await worker.stop()
    assert finished == {1: InboxStatus.DONE, 2: InboxStatus.DONE}
    assert recorder.order[9] == [1, 2]
    async with db.session() as s:
        first = await s.get(InboxRow, 1)
        assert first is not None and first.attempts == 2 and first.claimed_by == "survivor"


async def test_an_update_that_kills_every_process_is_set_aside(db: Database) -> None:
    inbox = Inbox(db)
    await inbox.accept([message(1, 11), message(2, 11)], "webhook")
    for attempt in range(3):  # three processes died on it
        async with db.session() as s:
            past = datetime.now(UTC) - timedelta(seconds=10 * (3 - attempt))
            claimed = await claim_heads(s, f"dead-{attempt}", past, timedelta(seconds=1), 10, 3)
            assert [i.update_id for i in claimed] == [1]
    recorder = Recorder()
    worker = InboxWorker(inbox, recorder, FAST)
    await worker.start()
    finished = await wait_finished(db, 2)
    await worker.stop()
    assert finished == {1: InboxStatus.FAILED, 2: InboxStatus.DONE}
    assert recorder.handled == [2]


async def test_stopping_finishes_the_update_in_hand_and_claims_nothing_more(db: Database) -> None:
    inbox = Inbox(db)
    started = asyncio.Event()
    release = asyncio.Event()
    handled: list[int] = []

    async def slow(item: InboxItem) -> None:
        started.set()
        await release.wait()
        handled.append(item.update_id)

    await inbox.accept([message(1, 21)], "webhook")
    worker = InboxWorker(inbox, slow, InboxOptions(concurrency=1, poll_seconds=0.02, grace_seconds=10))
    await worker.start()
    await asyncio.wait_for(started.wait(), 10)
    await inbox.accept([message(2, 22)], "webhook")  # arrives while stopping
    stopping = asyncio.create_task(worker.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done()  # waits for the update in hand
    release.set()
    await asyncio.wait_for(stopping, 10)
    assert handled == [1]
    async with db.session() as s:
        states = dict((await s.execute(select(InboxRow.update_id, InboxRow.status))).all())
    assert states == {1: InboxStatus.DONE, 2: InboxStatus.NEW}  # left for the next process


async def test_finished_updates_are_pruned_after_the_retention(db: Database) -> None:
    inbox = Inbox(db)
    await inbox.accept([message(1, 31), message(2, 32)], "webhook")
    now = datetime.now(UTC)
    async with db.session() as s:
        for item in await claim_heads(s, "w", now, timedelta(seconds=30), 10, 3):
            await queries.finish(s, item.update_id, "w", InboxStatus.DONE, now - timedelta(hours=72))
    async with db.session() as s:
        assert await queries.prune(s, now - timedelta(hours=48), now - timedelta(days=30)) == 2
        stats = await queries.stats(s, now)
    assert (stats.new, stats.processing, stats.failed) == (0, 0, 0)


async def test_the_claim_reads_only_pending_updates_not_the_handled_ones_kept_for_duplicates(db: Database) -> None:
    """Handled updates are kept 48 hours and outnumber the pending ones a hundred to one under load; a claim that
    walked them cost milliseconds of server CPU per update and grew with the table (migration 0012). The plan
    must go through the partial index of pending rows — on PostgreSQL even as the generic plan asyncpg's
    prepared statement falls back to."""
    now = datetime.now(UTC)
    handled = [
        {
            "update_id": n,
            "chat_id": n % 300,
            "payload": {},
            "received_at": now,
            "status": InboxStatus.DONE,
            "attempts": 1,
            "processed_at": now,
        }
        for n in range(1, 3001)
    ]
    async with db.session() as s:
        await s.execute(insert(InboxRow), handled)
    inbox = Inbox(db)
    await inbox.accept([message(3001, 7), message(3002, 8), message(3003, 7)], "webhook")
    statement = _claim_statement()
    params = {"now": now, "max_attempts": 3, "limit": 10, "lease_until": now + timedelta(seconds=30), "worker": "w"}
    async with db.session() as s:
        connection = await s.connection()
        dialect = connection.dialect
        compiled = statement.compile(dialect=dialect)
        values = [compiled.construct_params(params)[name] for name in compiled.positiontup or ()]
        if dialect.name == "postgresql":
            await connection.exec_driver_sql("ANALYZE inbox")
            await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None
            await raw.execute(f"PREPARE claim_plan AS {compiled}")  # named: the plan cache applies to it
            literals = ", ".join(str(v) if isinstance(v, int) else f"'{v}'" for v in values)  # EXECUTE takes no $n
            plan = "\n".join(r[0] for r in await raw.fetch(f"EXPLAIN EXECUTE claim_plan({literals})"))
        else:
            rows = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), tuple(values))
            plan = "\n".join(str(r[-1]) for r in rows)
        claimed = await claim_heads(s, "w", now, timedelta(seconds=30), 10, 3)
    assert "ix_inbox_pending" in plan, plan
    assert "Seq Scan on inbox" not in plan and "SCAN inbox\n" not in plan + "\n", plan
    assert [i.update_id for i in claimed] == [3001, 3002]  # chat 7's second update waits behind its head


@pytest.mark.parametrize(
    ("payload", "chat"),
    [
        ({"update_id": 1, "message": {"chat": {"id": 5}, "from": {"id": 6}}}, 5),
        ({"update_id": 2, "callback_query": {"from": {"id": 6}, "message": {"chat": {"id": 7}}}}, 7),
        ({"update_id": 3, "callback_query": {"from": {"id": 6}}}, 6),
        ({"update_id": 4, "my_chat_member": {"chat": {"id": 8}, "from": {"id": 6}}}, 8),
        ({"update_id": 5}, None),
    ],
)
def test_updates_are_grouped_by_chat_like_ptb_does(payload: dict[str, object], chat: int | None) -> None:
    from models.inbox import chat_of

    assert chat_of(payload) == chat


async def test_a_write_deferred_by_a_handler_lands_before_the_chats_next_update_is_handled(db: Database) -> None:
    """What a form step leaves to the inbox (the sent message's id) is committed with the update's finish, so the
    chat's next update — claimed only after that — already reads it; outside a worker nothing collects it."""
    seen: dict[int, str | None] = {}

    async def handler(item: InboxItem) -> None:
        async with db.session() as s:
            previous = await s.get(InboxRow, item.update_id - 1)
            seen[item.update_id] = previous.error if previous is not None else None

        async def note(session: AsyncSession) -> None:
            await session.execute(
                update(InboxRow).where(InboxRow.update_id == item.update_id).values(error=f"note {item.update_id}")
            )

        assert deferred.defer(note)

    inbox = Inbox(db)
    await inbox.accept([message(n, 9) for n in range(1, 5)], "webhook")
    worker = InboxWorker(inbox, handler, FAST)
    await worker.start()
    finished = await wait_finished(db, 4)
    await worker.stop()

    assert set(finished.values()) == {InboxStatus.DONE}
    assert seen == {1: None, 2: "note 1", 3: "note 2", 4: "note 3"}

    async def nothing(session: AsyncSession) -> None:
        return None

    assert not deferred.defer(nothing)  # no worker around: the caller has to write it itself
