"""Inbox workers: claim each chat's next update, handle it, record how it ended (see ``bot/inbox.py``).

One loop per worker does the database work in passes (``Ride``): each records the outcomes finished since the
last pass and claims as many chats' next updates as there are free slots, in one transaction — its own, or the
store's when the receiver runs in the same process. ``models/inbox.py`` holds the SQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot import metrics
from bot.inbox_pass import FINISH_TRIES, FINISH_WAIT, ClaimTerms, Outcome, Ride, WallClock
from bot.logging import redact, request_id
from models import deferred
from models import inbox_upkeep as queries
from models.db import Database
from models.faults import transient_reason
from models.inbox import InboxItem, age_seconds
from models.tables import InboxStatus

log = logging.getLogger(__name__)

Handler = Callable[[InboxItem], Awaitable[None]]
FailureHook = Callable[[InboxItem, str], Awaitable[None]]
"""Tells the person an update could not be handled; the ``str`` is the reason (see ``FAILED_*``)."""


class InboxHub(Protocol):
    """What a worker needs of the inbox it serves (``bot.inbox.Inbox``): the database, its clock, a wake-up when
    updates arrive, and whether the store's transactions carry this worker's passes."""

    db: Database
    clock: WallClock

    def on_new(self, listener: Callable[[], None]) -> None: ...
    def attach(self, worker: InboxWorker) -> None: ...
    def detach(self, worker: InboxWorker) -> None: ...
    def carries(self, worker: InboxWorker) -> bool: ...


FAILED_DATABASE = "database"  # a transient database error outlasted the retries
FAILED_ERROR = "error"  # any other exception
FAILED_TIMEOUT = "timeout"  # the time limit cut the handling off
MAX_RETRY_SECONDS = 5.0
APOLOGY_SECONDS = 15.0  # the apology's own limit: a Bot API or database still away must not hold the chat


def wall_clock() -> datetime:
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
    time_limit_seconds: float = 120.0  # one update's handling, retries included; then it is cancelled
    retries: int = 4  # transient database errors retried this often before the update counts as failed
    retry_seconds: float = 0.25  # the first retry's wait; doubled each time (0.25 + 0.5 + 1 + 2 s by default)


def worker_name() -> str:
    """Readable and unique per process start: ``host:pid:random``."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class InboxWorker:
    """Claims and handles updates until stopped; stopping finishes what is in hand and claims nothing new.

    One loop does the worker's database work: each pass is one transaction that records the outcomes of the
    updates finished since the last pass and claims as many chats' next updates as there are free slots. Under
    load many updates finish within the same few milliseconds and share a pass; a worker in the same process as
    the receiver also rides on the store's transaction (``Inbox.attach``).

    A handler that raises is not done: a transient database error (``models/faults.py``) is retried with backoff,
    invisibly to the person; after the retries, or on any other error, the update is marked failed, counted in
    ``jsika_updates_failed_total{reason}`` and ``on_failure`` tells the person once. The whole handling has a
    time limit: a handler that hangs is cancelled, its chat moves on, and the person is told (reason "timeout").
    """

    def __init__(
        self,
        inbox: InboxHub,
        handler: Handler,
        options: InboxOptions | None = None,
        *,
        name: str | None = None,
        on_failure: FailureHook | None = None,
    ) -> None:
        self.inbox = inbox
        self.db = inbox.db
        self.handler = handler
        self.on_failure = on_failure
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

    @property
    def accepting(self) -> bool:
        """Still claiming new updates (not stopping)."""
        return not self._stopping

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
        return self._new_ride()

    def _new_ride(self) -> Ride:
        """Hand the waiting outcomes to a ride (the lock is held) with as many claims as there are free slots."""
        outcomes, self._finishing = self._finishing, []
        # Finishing ones still count as in flight until their callers hear back, but their slots are free now.
        free = 0 if self._stopping else self.options.concurrency - len(self._in_flight) + len(outcomes)
        terms = ClaimTerms(self.name, max(free, 0), self.lease, self.options.max_attempts)
        return Ride(self, outcomes, terms, self.inbox.clock, self._settle)

    def _settle(self, ride: Ride, committed: bool) -> None:
        """A ride's transaction ended: start what it claimed, or put its outcomes back for the next pass."""
        if committed:
            loop = asyncio.get_running_loop()
            for item in ride.items:
                self._in_flight[item.update_id] = loop.create_task(self._process(item), name=f"update-{item.update_id}")
            if ride.full:
                self._claim_wanted = True
        else:
            retry: list[Outcome] = []
            for outcome in ride.outcomes:
                if outcome.tries + 1 >= FINISH_TRIES:
                    if not outcome.recorded.done():
                        outcome.recorded.set_result(None)  # the lease lapses and the update is retried
                else:
                    outcome.tries += 1
                    retry.append(outcome)
            self._finishing = retry + self._finishing
            self._claim_wanted = True
        self._lock.release()

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
            if self._finishing and not self._claim_wanted and not self._stopping and self.inbox.carries(self):
                wait = FINISH_WAIT - (time.monotonic() - self._finishing_since)
                if wait > 0:
                    await self._sleep(wait)
                    continue
            self._claim_wanted = False
            await self._lock.acquire()
            ride = self._new_ride()
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
        status, error, reason = InboxStatus.DONE, None, None
        writes: list[deferred.Write] = []
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
                with deferred.collecting() as writes:  # bookkeeping the handler leaves to the finish's transaction
                    reason, error = await self._handle(item)
                if reason is not None:
                    status = InboxStatus.FAILED
                    metrics.UPDATES_FAILED.labels(reason).inc()
                    await self._tell(item, reason)
        finally:
            request_id.reset(token)
        metrics.UPDATE_SECONDS.observe(time.perf_counter() - started)
        try:
            await self._finish(item, status, error, writes)
        finally:
            self._in_flight.pop(item.update_id, None)

    async def _handle(self, item: InboxItem) -> tuple[str | None, str | None]:
        """Run the handler within the time limit, retrying transient database errors; (reason, error) on failure.

        ``CancelledError`` from outside (shutdown after the grace period) passes through: ``stop`` gives the
        update back. Only the time limit's own expiry counts as "timeout" — a ``TimeoutError`` the handler raised
        itself is an ordinary failure.
        """
        limit = asyncio.timeout(self.options.time_limit_seconds)
        try:
            async with limit:
                await self._with_retries(item)
        except TimeoutError as exc:
            if not limit.expired():
                return self._failed(item, FAILED_ERROR, exc)
            log.error(
                "update %s: handling took longer than %.0f s; cancelled",
                item.update_id,
                self.options.time_limit_seconds,
            )
            return FAILED_TIMEOUT, f"cancelled after {self.options.time_limit_seconds:g} s (time limit)"
        except Exception as exc:
            return self._failed(item, FAILED_DATABASE if transient_reason(exc) else FAILED_ERROR, exc)
        return None, None

    def _failed(self, item: InboxItem, reason: str, exc: BaseException) -> tuple[str, str]:
        log.error("update %s failed (%s)", item.update_id, reason, exc_info=exc)
        # Kept for whoever reads the table: the same rule as the log (no parameters, NIK or phone numbers).
        return reason, redact(f"{type(exc).__name__}: {exc}")[:2000]

    async def _with_retries(self, item: InboxItem) -> None:
        """Transient database errors (a lost connection, a deadlock, a locked file) are tried again with backoff;
        the person notices nothing but a slower answer. Handlers are idempotent, so a rerun is safe."""
        delay = self.options.retry_seconds
        for attempt in range(self.options.retries + 1):
            try:
                await self.handler(item)
                return
            except Exception as exc:
                transient = transient_reason(exc)
                if transient is None or attempt >= self.options.retries:
                    raise
                log.warning(
                    "update %s: transient database error (%s); retry %d of %d in %.2f s",
                    item.update_id,
                    transient,
                    attempt + 1,
                    self.options.retries,
                    delay,
                )
                metrics.UPDATES_RETRIED.labels(transient).inc()
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))  # jitter: chats hit at once do not retry in step
            delay = min(delay * 2, MAX_RETRY_SECONDS)

    async def _tell(self, item: InboxItem, reason: str) -> None:
        """Apologise to the person, once, after the handling gave up; never let that fail the worker."""
        if self.on_failure is None:
            return
        try:
            async with asyncio.timeout(APOLOGY_SECONDS):
                await self.on_failure(item, reason)
        except Exception:
            log.warning("update %s: could not tell the person about the failure", item.update_id, exc_info=True)

    async def _finish(
        self, item: InboxItem, status: InboxStatus, error: str | None, writes: list[deferred.Write]
    ) -> None:
        """Record the outcome in the next pass (with the next claim, or the next store's transaction), together
        with the writes the handler deferred to it (``models/deferred.py``)."""
        recorded: asyncio.Future[bool | None] = asyncio.get_running_loop().create_future()
        if not self._finishing:
            self._finishing_since = time.monotonic()
        self._finishing.append(Outcome(item.update_id, status, error, recorded, writes))
        self._wake.set()
        held = await asyncio.shield(recorded)
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
