"""The durable inbox at work: receivers store raw updates, workers claim and handle them (decision 3 in docs/design.md).

``Inbox.accept`` is what the webhook endpoint and the poller call: the update is in the database (committed)
before Telegram is told "got it", so a crash after that loses nothing. ``InboxWorker`` (``bot/inbox_worker.py``)
claims each chat's next update (``models/inbox.py``, ``models/inbox_upkeep.py``), runs the handler — the PTB
application's own update path, see ``bot/ptb_inbox.py`` — and marks it done or failed. Chats run in parallel, one
chat's updates strictly in order, in one process or across several on PostgreSQL. A claim carries a lease that a
heartbeat extends; a process killed mid-update stops renewing, and after the lease another process takes the
update over.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from bot import metrics
from bot.inbox_pass import RideOwner, WallClock
from bot.inbox_worker import (
    FAILED_DATABASE,
    FAILED_ERROR,
    FAILED_TIMEOUT,
    FailureHook,
    Handler,
    InboxOptions,
    InboxWorker,
    wall_clock,
    worker_name,
)
from models import inbox_upkeep as queries
from models.db import Database
from models.inbox import (
    InboxItem,
    MalformedUpdate,
    chat_of,
    held_back,
    reused_while_pending,
    store_updates,
    update_id_of,
)

log = logging.getLogger(__name__)

POLLING = "polling"  # the receiver whose updates arrive in id order (``Inbox.accept``'s ``source``)


def storable(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The update as the inbox can keep it: a NUL character (which a client may send in a text) becomes U+FFFD,
    because PostgreSQL's JSONB and text refuse U+0000 — and an update the poller cannot store is retried for ever,
    holding back every update after it. SQLite gets the same, so both backends hand handlers the same text."""
    return cast(dict[str, Any], _without_nul(dict(payload)))


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


class UpdateIdBusy(Exception):
    """Updates whose id the inbox holds for an earlier, still pending update with other content.

    Telegram started its ids afresh while an update from before still waits: storing the new one now would lose it
    (the id is the key) or overtake the old one. The receiver does not confirm it — the poller asks again, a webhook
    call gets an error and Telegram resends — and once the earlier update is finished the new one takes its place.
    """

    def __init__(self, update_ids: set[int]) -> None:
        super().__init__(f"update id(s) {sorted(update_ids)} still pending with other content; try again shortly")
        self.update_ids = update_ids


@dataclass(frozen=True, slots=True)
class _Stored:
    """What one ``accept`` call got from the group commit."""

    new: set[int]
    busy: set[int]
    claimed_by: RideOwner | None


class Inbox:
    """Storing updates; shared by the receiver (webhook or poller) and the local worker it wakes.

    Concurrent ``accept`` calls are written together: while one batch commits, the next ones queue, and then
    go in as one INSERT and one commit (group commit). Each caller still returns only after *its* updates are
    committed. On SQLite this also means one writer instead of dozens waiting on the file lock.

    When a worker runs in the same process (``attach``), the store's transaction also carries that worker's
    bookkeeping: the outcomes it has waiting to be recorded and a claim of the chats' next updates — the ones just
    stored among them. An update then costs the inbox one transaction to get in and be claimed and one to be
    finished, instead of a store, a claim and a finish each with its own commit.
    """

    MAX_BATCH = 500

    def __init__(self, db: Database, *, clock: WallClock = wall_clock) -> None:
        self.db = db
        self.clock = clock
        self._listeners: list[Callable[[], None]] = []
        self._waiting: list[tuple[list[queries.NewUpdate], asyncio.Future[_Stored]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._local: InboxWorker | None = None
        self._highest: int | None = None  # the highest update id stored (None: not yet read from the database)

    async def _held_back(self, session: Any, rows: list[tuple[int, int | None, dict[str, Any]]]) -> set[int]:
        """Polled updates that must wait for earlier ones of their chat (``models.inbox.held_back``) — looked for
        only when ids go backwards: Telegram's increase, so the usual batch is above every id stored before.

        Only ``getUpdates`` hands out updates strictly in id order; webhook calls of one chat may arrive a little out
        of order across connections and processes, and holding them back would turn a harmless race into a
        Telegram retry delay. A webhook update reusing a *pending* id is still held back (``reused_while_pending``).
        """
        if not rows:
            return set()
        if self._highest is None:
            self._highest = await queries.highest_update_id(session)
        if min(r[0] for r in rows) > self._highest:
            return set()
        return await held_back(session, rows)

    def attach(self, worker: InboxWorker) -> None:
        """Let ``worker`` claim inside the store's transactions (the first worker of this process)."""
        if self._local is None:
            self._local = worker

    def detach(self, worker: InboxWorker) -> None:
        if self._local is worker:
            self._local = None

    def carries(self, worker: InboxWorker) -> bool:
        """Whether ``worker`` rides on this inbox's store transactions (so its outcomes may wait for one)."""
        return self._local is worker

    def on_new(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    async def accept(self, payloads: Sequence[Mapping[str, Any]], source: str) -> int:
        """Store raw updates (duplicates ignored); return how many were new. Raises ``MalformedUpdate``."""
        updates = [queries.NewUpdate(update_id_of(p), chat_of(p), storable(p), source == POLLING) for p in payloads]
        if not updates:
            return 0
        done: asyncio.Future[_Stored] = asyncio.get_running_loop().create_future()
        self._waiting.append((updates, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write(), name="inbox-writer")
        stored = await asyncio.shield(done)  # a caller that gives up does not cancel the others' commit
        new, claimed_by = stored.new, stored.claimed_by
        duplicates = len(updates) - len(new) - len(stored.busy)
        if new:
            metrics.UPDATES_RECEIVED.labels(source).inc(len(new))
            for listener in self._listeners:
                if claimed_by is None or listener != claimed_by.wake:  # it has already claimed what it could
                    listener()
        if duplicates:
            metrics.UPDATES_DUPLICATE.labels(source).inc(duplicates)
            log.info("%d duplicate update(s) from %s ignored", duplicates, source)
        if stored.busy:
            raise UpdateIdBusy(stored.busy)
        return len(new)

    async def _write(self) -> None:
        while self._waiting:
            batch: list[tuple[list[queries.NewUpdate], asyncio.Future[_Stored]]] = []
            size = 0
            while self._waiting and (not batch or size + len(self._waiting[0][0]) <= self.MAX_BATCH):
                item = self._waiting.pop(0)
                batch.append(item)
                size += len(item[0])
            unique: dict[int, queries.NewUpdate] = {}
            for updates, _ in batch:
                for u in updates:
                    unique.setdefault(u.update_id, u)
            ride = await self._local.ride() if self._local is not None else None
            try:
                async with self.db.session() as session:
                    new, busy, highest = await self._store(session, list(unique.values()))
                    if ride is not None:
                        await ride.run(session)
            except BaseException as error:
                if ride is not None:
                    ride.failed()
                if not isinstance(error, Exception):
                    raise
                if len(batch) > 1:
                    await self._write_one_by_one(batch)
                    continue
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            if ride is not None:
                ride.committed()
            self._highest = max(self._highest or 0, highest)
            claimed_by = ride.owner if ride is not None else None
            for updates, done in batch:  # each new id is credited once, to the first caller that brought it
                ids = {u.update_id for u in updates}
                mine = ids & new
                new -= mine
                if not done.done():
                    done.set_result(_Stored(mine, ids & busy, claimed_by))

    async def _store(self, session: AsyncSession, updates: list[queries.NewUpdate]) -> tuple[set[int], set[int], int]:
        """Store what may be stored now: the new ids, the ids held back or still busy with other content, and the
        highest id stored (``accept`` reports the busy ones so that Telegram sends them again)."""
        rows = [(u.update_id, u.chat_id, u.payload) for u in updates]
        polled = [(u.update_id, u.chat_id, u.payload) for u in updates if u.in_order]
        busy = await self._held_back(session, polled)
        new = await store_updates(session, [r for r in rows if r[0] not in busy], self.clock())
        repeated = [(u.update_id, u.payload) for u in updates if u.update_id not in new | busy]
        busy |= await reused_while_pending(session, repeated) if repeated else set()
        return new, busy, max((r[0] for r in rows if r[0] not in busy), default=0)

    async def _write_one_by_one(self, batch: list[tuple[list[queries.NewUpdate], asyncio.Future[_Stored]]]) -> None:
        """A group commit failed: store each caller's updates on their own, so that one update the database refuses
        (or a caller whose updates it cannot take) fails only that caller, never the others it happened to ride
        with. When the database itself is away every caller fails here too, with its own error."""
        for updates, done in batch:
            try:
                async with self.db.session() as session:
                    new, busy, highest = await self._store(session, updates)
            except Exception as error:
                if not done.done():
                    done.set_exception(error)
                continue
            self._highest = max(self._highest or 0, highest)
            if not done.done():
                done.set_result(_Stored({u.update_id for u in updates} & new, busy, None))


__all__ = [
    "FAILED_DATABASE",
    "FAILED_ERROR",
    "FAILED_TIMEOUT",
    "FailureHook",
    "Handler",
    "Inbox",
    "InboxItem",
    "InboxOptions",
    "InboxWorker",
    "MalformedUpdate",
    "UpdateIdBusy",
    "storable",
    "worker_name",
]
