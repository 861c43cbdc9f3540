"""The durable inbox at work: receivers store raw updates, workers claim and handle them (decision 3 in docs/design.md).

``Inbox.accept`` is what the webhook endpoint and the poller call: the update is in the database (committed)
before Telegram is told "got it", so a crash after that loses nothing. ``InboxWorker`` claims each chat's next
update (``models/inbox.py``, ``models/queries/inbox.py``), runs the handler — the PTB application's own update path, see
``ptb_handler`` — and marks it done. Chats run in parallel, one chat's updates strictly in order, in one process
or across several on PostgreSQL. A claim carries a lease that a heartbeat extends; a process killed mid-update
stops renewing, and after the lease another process takes the update over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from telegram import Update

from bot import metrics
from bot.logging import request_id
from models.db import Database
from models.inbox import (
    InboxItem,
    MalformedUpdate,
    age_seconds,
    chat_of,
    claim_heads,
    finish_done,
    store_updates,
    update_id_of,
)
from models.queries import inbox as queries
from models.tables import InboxStatus

log = logging.getLogger(__name__)

Handler = Callable[[InboxItem], Awaitable[None]]
WallClock = Callable[[], datetime]


def _wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class InboxOptions:
    """How workers behave; ``bot/config.py`` fills these from ``JSIKA_INBOX_*`` settings."""

    concurrency: int = 32  # updates handled at once by one process (each a different chat)
    lease_seconds: float = 60.0  # a claim not renewed for this long is presumed dead
    max_age_seconds: float = 3600.0  # older updates are logged and skipped, not acted on
    max_attempts: int = 3  # an update that killed this many processes is set aside as failed
    poll_seconds: float = 0.5  # how often an idle worker looks for work other processes stored
    retention_hours: float = 48.0  # finished updates kept this long (Telegram resends within hours)
    grace_seconds: float = 25.0  # on shutdown, how long in-flight updates may take to finish


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


def worker_name() -> str:
    """Readable and unique per process start: ``host:pid:random``."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


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

    def __init__(self, db: Database, *, clock: WallClock = _wall_clock) -> None:
        self.db = db
        self.clock = clock
        self._listeners: list[Callable[[], None]] = []
        self._waiting: list[tuple[list[queries.NewUpdate], asyncio.Future[tuple[set[int], InboxWorker | None]]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._local: InboxWorker | None = None

    def attach(self, worker: InboxWorker) -> None:
        """Let ``worker`` claim inside the store's transactions (the first worker of this process)."""
        if self._local is None:
            self._local = worker

    def detach(self, worker: InboxWorker) -> None:
        if self._local is worker:
            self._local = None

    def on_new(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    async def accept(self, payloads: Sequence[Mapping[str, Any]], source: str) -> int:
        """Store raw updates (duplicates ignored); return how many were new. Raises ``MalformedUpdate``."""
        updates = [queries.NewUpdate(update_id_of(p), chat_of(p), storable(p)) for p in payloads]
        if not updates:
            return 0
        done: asyncio.Future[tuple[set[int], InboxWorker | None]] = asyncio.get_running_loop().create_future()
        self._waiting.append((updates, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write(), name="inbox-writer")
        new, claimed_by = await asyncio.shield(done)  # a caller that gives up does not cancel the others' commit
        duplicates = len(updates) - len(new)
        if new:
            metrics.UPDATES_RECEIVED.labels(source).inc(len(new))
            for listener in self._listeners:
                if claimed_by is None or listener != claimed_by.wake:  # it has already claimed what it could
                    listener()
        if duplicates:
            metrics.UPDATES_DUPLICATE.labels(source).inc(duplicates)
            log.info("%d duplicate update(s) from %s ignored", duplicates, source)
        return len(new)

    async def _write(self) -> None:
        while self._waiting:
            batch: list[tuple[list[queries.NewUpdate], asyncio.Future[tuple[set[int], InboxWorker | None]]]] = []
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
                    rows = [(u.update_id, u.chat_id, u.payload) for u in unique.values()]
                    new = await store_updates(session, rows, self.clock())
                    if ride is not None:
                        await ride.run(session)
            except BaseException as error:
                if ride is not None:
                    ride.failed()
                if not isinstance(error, Exception):
                    raise
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            if ride is not None:
                ride.committed()
            claimed_by = ride.worker if ride is not None else None
            for updates, done in batch:  # each new id is credited once, to the first caller that brought it
                mine = {u.update_id for u in updates} & new
                new -= mine
                if not done.done():
                    done.set_result((mine, claimed_by))


Outcome = tuple[int, InboxStatus, str | None, "asyncio.Future[bool | None]", int]  # id, status, error, done, tries
FINISH_TRIES = 5
FINISH_WAIT = 0.025  # seconds finished updates may wait for a store to record them in its transaction


class Ride:
    """One transaction's share of a worker's bookkeeping: record waiting outcomes, then claim what fits.

    ``run`` goes inside a transaction someone else opened (the store's, or the worker's own); only after that
    transaction commits does ``committed`` start the claimed updates and tell the finished ones they are recorded;
    ``failed`` puts the outcomes back to be tried again. The worker's lock is held from ``InboxWorker.ride`` to
    ``committed``/``failed``, so no two claims of one worker overlap and its free capacity is counted right.
    """

    def __init__(self, worker: InboxWorker) -> None:
        self.worker = worker
        self.outcomes: list[Outcome] = worker._finishing
        worker._finishing = []
        self.held: set[int] = set()
        self.items: list[InboxItem] = []
        self.full = False  # claimed as many as fitted: more may be waiting

    async def run(self, session: Any) -> None:
        worker, now = self.worker, self.worker.inbox.clock()
        plain = [uid for uid, status, error, _, _ in self.outcomes if status is InboxStatus.DONE and error is None]
        self.held = await finish_done(session, plain, worker.name, now)
        for update_id, status, error, _, _ in self.outcomes:
            if (status is not InboxStatus.DONE or error is not None) and await queries.finish(
                session, update_id, worker.name, status, now, error
            ):
                self.held.add(update_id)
        # Finishing ones still count as in flight until their callers hear back, but their slots are free now.
        free = worker.options.concurrency - len(worker._in_flight) + len(self.outcomes)
        if free > 0 and not worker._stopping:
            self.items = await claim_heads(session, worker.name, now, worker.lease, free, worker.options.max_attempts)
        self.full = bool(self.items) and len(self.items) >= free

    def committed(self) -> None:
        worker = self.worker
        for update_id, _, _, done, _ in self.outcomes:
            if not done.done():
                done.set_result(update_id in self.held)
        loop = asyncio.get_running_loop()
        for item in self.items:
            worker._in_flight[item.update_id] = loop.create_task(worker._process(item), name=f"update-{item.update_id}")
        if self.full:
            worker._claim_wanted = True
        worker._lock.release()

    def failed(self) -> None:
        worker = self.worker
        retry: list[Outcome] = []
        for update_id, status, error, done, tries in self.outcomes:
            if tries + 1 >= FINISH_TRIES:
                if not done.done():
                    done.set_result(None)  # the lease lapses and the update is retried (handlers are idempotent)
            else:
                retry.append((update_id, status, error, done, tries + 1))
        worker._finishing = retry + worker._finishing
        worker._claim_wanted = True
        worker._lock.release()


class InboxWorker:
    """Claims and handles updates until stopped; stopping finishes what is in hand and claims nothing new.

    One loop does the worker's database work: each pass is one transaction that records the outcomes of the
    updates finished since the last pass and claims as many chats' next updates as there are free slots. Under
    load many updates finish within the same few milliseconds and share a pass; a worker in the same process as
    the receiver also rides on the store's transaction (``Inbox.attach``).
    """

    def __init__(
        self, inbox: Inbox, handler: Handler, options: InboxOptions | None = None, *, name: str | None = None
    ) -> None:
        self.inbox = inbox
        self.db = inbox.db
        self.handler = handler
        self.options = options or InboxOptions()
        self.name = name or worker_name()
        self._wake = asyncio.Event()
        self._stopping = False
        self._closing = False
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._last_maintenance = 0.0
        self._finishing: list[Outcome] = []
        self._lock = asyncio.Lock()
        self._claim_wanted = True
        self._finishing_since = 0.0
        inbox.on_new(self.wake)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.options.lease_seconds)

    def wake(self) -> None:
        """New updates are stored (by a receiver this worker did not ride on): claim soon."""
        self._claim_wanted = True
        self._wake.set()

    async def ride(self) -> Ride | None:
        """A share in the caller's transaction (None once stopped). Waits for a pass of the worker's own that is
        under way: the two would queue on the database anyway, and one transaction then does the work of two.
        The worker's lock is always taken before a database connection, never while holding one."""
        if self._stopping or not self._tasks:
            return None
        await self._lock.acquire()
        if self._stopping:
            self._lock.release()
            return None
        return Ride(self)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._loop(), name=f"inbox-claim-{self.name}"),
            loop.create_task(self._heartbeat(), name=f"inbox-heartbeat-{self.name}"),
        ]
        self.inbox.attach(self)
        log.info("inbox worker %s started (concurrency %d)", self.name, self.options.concurrency)

    async def stop(self) -> None:
        """Graceful: stop claiming, let in-flight updates finish (up to the grace period), give back the rest."""
        self._stopping = True
        self.inbox.detach(self)
        self._wake.set()
        loop_task, heartbeat = self._tasks or (None, None)
        pending = list(self._in_flight.values())
        if pending:
            log.info("waiting for %d update(s) in progress", len(pending))
            _, unfinished = await asyncio.wait(pending, timeout=self.options.grace_seconds)
            if unfinished:
                abandoned = [uid for uid, task in self._in_flight.items() if task in unfinished]
                for task in unfinished:
                    task.cancel()
                await asyncio.gather(*unfinished, return_exceptions=True)
                with contextlib.suppress(Exception):
                    async with self.db.session() as session:
                        await queries.release(session, abandoned, self.name)
                log.warning("gave back %d unfinished update(s) for another process", len(abandoned))
        self._closing = True
        self._wake.set()
        if loop_task is not None:
            await asyncio.gather(loop_task, return_exceptions=True)
        if heartbeat is not None:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
        self._tasks = []

    async def _loop(self) -> None:
        """Passes until closed: after ``stop`` it only records outcomes (claims nothing), until none are left.

        A pass runs when there are outcomes to record, or something may be claimable: a store this worker did not
        ride on (``wake``), a full claim last time, or a quiet ``poll_seconds`` (updates other processes stored).
        Outcomes alone wait up to ``FINISH_WAIT`` for the next store to carry them — under load one comes within
        milliseconds, and then one transaction stores, records and claims.
        """
        backoff = 0.1
        while not (self._closing and not self._finishing):
            self._wake.clear()
            free = self.options.concurrency - len(self._in_flight) + len(self._finishing)
            claim = self._claim_wanted and not self._stopping and free > 0
            if not self._finishing and not claim:
                if not await self._sleep(self.options.poll_seconds) and not self._stopping:
                    self._claim_wanted = True  # a quiet interval: look for updates other processes stored
                continue
            if self._finishing and not self._claim_wanted and not self._stopping and self.inbox._local is self:
                wait = FINISH_WAIT - (time.monotonic() - self._finishing_since)
                if wait > 0:
                    await self._sleep(wait)
                    continue
            self._claim_wanted = False
            await self._lock.acquire()
            ride = Ride(self)
            try:
                if not self._stopping:
                    await self._maintain()
                async with self.db.session() as session:
                    await ride.run(session)
            except BaseException as error:
                ride.failed()
                if not isinstance(error, Exception):
                    raise
                log.exception("inbox pass (finish + claim) failed; retrying in %.1f s", backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            ride.committed()
            backoff = 0.1

    async def _sleep(self, seconds: float) -> bool:
        """Wait to be woken (True) or for ``seconds`` to pass (False)."""
        try:
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            return False
        return True

    async def _process(self, item: InboxItem) -> None:
        token = request_id.set(f"u{item.update_id}")
        started = time.perf_counter()
        now = self.inbox.clock()
        status, error = InboxStatus.DONE, None
        try:
            metrics.UPDATE_WAIT_SECONDS.observe(max(0.0, (now - item.received_at).total_seconds()))
            age = age_seconds(item, now)
            if age > self.options.max_age_seconds:
                status = InboxStatus.SKIPPED
                log.warning(
                    "update %s is %.0f s old (limit %.0f s): skipped, not handled",
                    item.update_id,
                    age,
                    self.options.max_age_seconds,
                )
            else:
                await self.handler(item)
        except asyncio.CancelledError:
            raise  # shutdown after the grace period: ``stop`` gives the update back
        except Exception as exc:
            status, error = InboxStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
            log.exception("update %s failed", item.update_id)
        finally:
            request_id.reset(token)
        metrics.UPDATE_SECONDS.observe(time.perf_counter() - started)
        try:
            await self._finish(item, status, error)
        finally:
            self._in_flight.pop(item.update_id, None)

    async def _finish(self, item: InboxItem, status: InboxStatus, error: str | None) -> None:
        """Record the outcome in the next pass (with the next claim, or the next store's transaction)."""
        done: asyncio.Future[bool | None] = asyncio.get_running_loop().create_future()
        if not self._finishing:
            self._finishing_since = time.monotonic()
        self._finishing.append((item.update_id, status, error, done, 0))
        self._wake.set()
        held = await asyncio.shield(done)
        if held is None:
            return  # could not record it: the lease lapses and the update is retried (handlers are idempotent)
        metrics.UPDATES_PROCESSED.labels(status.value).inc()
        if not held:
            log.warning("update %s: lease lost before it was finished (another process may redo it)", item.update_id)

    async def _heartbeat(self) -> None:
        interval = max(self.options.lease_seconds / 3, 0.05)
        while True:
            await asyncio.sleep(interval)
            ids = list(self._in_flight)
            if not ids:
                continue
            try:
                async with self.db.session() as session:
                    await queries.renew(session, ids, self.name, self.inbox.clock() + self.lease)
            except Exception:
                log.warning("lease renewal failed", exc_info=True)

    async def _maintain(self) -> None:
        """Now and then: set aside poison updates and forget old finished ones (any process may do it)."""
        if time.monotonic() - self._last_maintenance < max(self.options.lease_seconds / 2, 1.0):
            return
        self._last_maintenance = time.monotonic()
        now = self.inbox.clock()
        retention = timedelta(hours=self.options.retention_hours)
        async with self.db.session() as session:
            poisoned = await queries.abandon_poison(session, now, self.options.max_attempts)
            await queries.prune(session, now - retention, now - retention * 15)
        for update_id in poisoned:
            metrics.UPDATES_PROCESSED.labels("abandoned").inc()
            log.error("update %s set aside after %d attempts", update_id, self.options.max_attempts)


def ptb_handler(application: Any) -> Handler:
    """Hand an inbox item to the PTB application exactly as PTB's own update fetcher would.

    Going through the application's update processor keeps its concurrency limit and per-chat lock, and lets
    the e2e harness see when an update is finished (``tests/e2e/harness.py``); ``process_update`` runs the
    handlers and, on an exception, the error handler (which apologises to the person).
    """

    async def handle(item: InboxItem) -> None:
        update = Update.de_json(dict(item.payload), application.bot)
        await application.update_processor.process_update(update, application.process_update(update))

    return handle


__all__ = ["Handler", "Inbox", "InboxItem", "InboxOptions", "InboxWorker", "MalformedUpdate", "ptb_handler"]
