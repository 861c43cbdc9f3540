"""The durable inbox at work: receivers store raw updates, workers claim and handle them (DESIGN.md decision 3).

``Inbox.accept`` is what the webhook endpoint and the poller call: the update is in the database (committed)
before Telegram is told "got it", so a crash after that loses nothing. ``InboxWorker`` claims each chat's next
update (``models/queries/inbox.py``), runs the handler — the PTB application's own update path, see
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
from typing import Any

from telegram import Update

from bot import metrics
from bot.logging import request_id
from models.db import Database
from models.inbox import InboxItem, MalformedUpdate, age_seconds, chat_of, update_id_of
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


def worker_name() -> str:
    """Readable and unique per process start: ``host:pid:random``."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Inbox:
    """Storing updates; shared by the receiver (webhook or poller) and the local worker it wakes.

    Concurrent ``accept`` calls are written together: while one batch commits, the next ones queue, and then
    go in as one INSERT and one commit (group commit). Each caller still returns only after *its* updates are
    committed. On SQLite this also means one writer instead of dozens waiting on the file lock.
    """

    MAX_BATCH = 500

    def __init__(self, db: Database, *, clock: WallClock = _wall_clock) -> None:
        self.db = db
        self.clock = clock
        self._listeners: list[Callable[[], None]] = []
        self._waiting: list[tuple[list[queries.NewUpdate], asyncio.Future[set[int]]]] = []
        self._writer: asyncio.Task[None] | None = None

    def on_new(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    async def accept(self, payloads: Sequence[Mapping[str, Any]], source: str) -> int:
        """Store raw updates (duplicates ignored); return how many were new. Raises ``MalformedUpdate``."""
        updates = [queries.NewUpdate(update_id_of(p), chat_of(p), dict(p)) for p in payloads]
        if not updates:
            return 0
        done: asyncio.Future[set[int]] = asyncio.get_running_loop().create_future()
        self._waiting.append((updates, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write(), name="inbox-writer")
        new = await asyncio.shield(done)  # a caller that gives up does not cancel the others' commit
        duplicates = len(updates) - len(new)
        if new:
            metrics.UPDATES_RECEIVED.labels(source).inc(len(new))
            for listener in self._listeners:
                listener()
        if duplicates:
            metrics.UPDATES_DUPLICATE.labels(source).inc(duplicates)
            log.info("%d duplicate update(s) from %s ignored", duplicates, source)
        return len(new)

    async def _write(self) -> None:
        while self._waiting:
            batch: list[tuple[list[queries.NewUpdate], asyncio.Future[set[int]]]] = []
            size = 0
            while self._waiting and (not batch or size + len(self._waiting[0][0]) <= self.MAX_BATCH):
                item = self._waiting.pop(0)
                batch.append(item)
                size += len(item[0])
            unique: dict[int, queries.NewUpdate] = {}
            for updates, _ in batch:
                for u in updates:
                    unique.setdefault(u.update_id, u)
            try:
                async with self.db.session() as session:
                    new = await queries.store(session, list(unique.values()), self.clock())
            except Exception as error:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            for updates, done in batch:  # each new id is credited once, to the first caller that brought it
                mine = {u.update_id for u in updates} & new
                new -= mine
                if not done.done():
                    done.set_result(mine)


class InboxWorker:
    """Claims and handles updates until stopped; stopping finishes what is in hand and claims nothing new."""

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
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._last_maintenance = 0.0
        self._finishing: list[tuple[int, InboxStatus, str | None, asyncio.Future[bool | None]]] = []
        self._finisher: asyncio.Task[None] | None = None
        inbox.on_new(self.wake)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.options.lease_seconds)

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._claim_loop(), name=f"inbox-claim-{self.name}"),
            loop.create_task(self._heartbeat(), name=f"inbox-heartbeat-{self.name}"),
        ]
        log.info("inbox worker %s started (concurrency %d)", self.name, self.options.concurrency)

    async def stop(self) -> None:
        """Graceful: stop claiming, let in-flight updates finish (up to the grace period), give back the rest."""
        self._stopping = True
        self._wake.set()
        claim_loop, heartbeat = self._tasks or (None, None)
        if claim_loop is not None:
            await asyncio.gather(claim_loop, return_exceptions=True)
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
        if heartbeat is not None:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
        self._tasks = []

    async def _claim_loop(self) -> None:
        backoff = 0.1
        while not self._stopping:
            free = self.options.concurrency - len(self._in_flight)
            if free <= 0:
                self._wake.clear()
                if self.options.concurrency - len(self._in_flight) <= 0:
                    await self._sleep(self.options.poll_seconds)
                continue
            self._wake.clear()
            try:
                await self._maintain()
                async with self.db.session() as session:
                    items = await queries.claim(
                        session, self.name, self.inbox.clock(), self.lease, free, self.options.max_attempts
                    )
                backoff = 0.1
            except Exception:
                log.exception("claiming from the inbox failed; retrying in %.1f s", backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            for item in items:
                self._in_flight[item.update_id] = asyncio.get_running_loop().create_task(
                    self._process(item), name=f"update-{item.update_id}"
                )
            if len(items) < free:
                await self._sleep(self.options.poll_seconds)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()

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
            self._wake.set()  # the chat's next update may be claimable now

    async def _finish(self, item: InboxItem, status: InboxStatus, error: str | None) -> None:
        """Record the outcome; outcomes finishing together share one transaction (see ``_flush``)."""
        done: asyncio.Future[bool | None] = asyncio.get_running_loop().create_future()
        self._finishing.append((item.update_id, status, error, done))
        if self._finisher is None or self._finisher.done():
            self._finisher = asyncio.get_running_loop().create_task(self._flush(), name=f"inbox-finish-{self.name}")
        held = await asyncio.shield(done)
        if held is None:
            return  # could not record it: the lease lapses and the update is retried (handlers are idempotent)
        metrics.UPDATES_PROCESSED.labels(status.value).inc()
        if not held:
            log.warning("update %s: lease lost before it was finished (another process may redo it)", item.update_id)

    async def _flush(self) -> None:
        while self._finishing:
            batch, self._finishing = self._finishing, []
            outcomes = [(update_id, status, error) for update_id, status, error, _ in batch]
            held: set[int] | None = None
            for attempt in range(5):
                try:
                    async with self.db.session() as session:
                        held = await queries.finish_many(session, outcomes, self.name, self.inbox.clock())
                    break
                except Exception:
                    log.warning(
                        "could not record %d finished update(s) (try %d)", len(batch), attempt + 1, exc_info=True
                    )
                    await asyncio.sleep(0.2 * (attempt + 1))
            for update_id, _, _, done in batch:
                if not done.done():
                    done.set_result(None if held is None else update_id in held)

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
