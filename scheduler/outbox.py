"""Delivering the outbox under Telegram's limits, exactly once except the message in flight during a crash.

Decision 2 in docs/design.md. One row is claimed per message, right before it is sent, by a single atomic statement
(``UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED)`` on PostgreSQL; the same UPDATE under SQLite's single
writer). The claim sets ``status='sending'``, a lease and ``attempts+1``; the outcome is written right after
Telegram answers — message_id on success, ``not_before = now + retry_after`` on a 429 — so a restart honours
both (the row's statements are in ``models/outbox.py``). A worker killed between Telegram's answer and that write leaves its row ``sending``; when the lease
expires the row returns to the queue and is recorded *in doubt* (``last_error`` and an audit row
``outbox.in_doubt``): it may reach the person twice. That is the only duplicate possible, and at most
``max_in_flight`` rows can be in that state at once (1 in flight means at most one).

Rates: a token bucket over all chats (default 25/s, under Telegram's ≈30/s) and one message per second per chat
(a chat whose next slot is not yet free is left out of the claim, so its rows wait without blocking others).
Nothing is sent in quiet hours (21:00–06:00).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from models import audit
from models import outbox as rows
from models import reminder_settings as domain
from models.calendar import WorkCalendar
from models.db import Database
from models.outbox import Message
from models.queries.reminder_planning import plan_unreachable_note
from models.tables import OutboxStatus, User
from scheduler.limits import ChatSlots, TokenBucket

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# What a row says is the chat layer's business (``handlers/reminder_composer.py``): the sender gets the composer
# from the process's wiring (``bot/service.py``), so the scheduler never imports the texts. It returns the
# ``send_message`` keyword arguments, or ``None`` when there is nothing to say any more.
Composer = Callable[[AsyncSession, Message, datetime, WorkCalendar], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    global_rate: float = 25.0  # messages per second, all chats together
    chat_rate: float = 1.0  # messages per second into one chat
    max_in_flight: int = 16  # concurrent sendMessage calls; Telegram answers in 0.1–0.4 s, 25/s needs ~10
    lease: timedelta = timedelta(seconds=120)  # longer than PTB's connect + write + read timeouts
    max_attempts: int = 8  # transient errors before a row is given up as failed
    backoff_base: float = 2.0  # seconds; doubled per attempt
    backoff_max: float = 600.0
    idle_wait: float = 5.0  # how long one delivery pass waits for rows becoming due (e.g. after a 429)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0  # transient errors, queued again with backoff
    rate_limited: int = 0  # 429 from Telegram, queued again after retry_after
    failed: int = 0
    cancelled: int = 0  # nothing to say any more, or the person cannot be reached
    in_doubt: list[int] = field(default_factory=list)  # rows whose lease expired while sending
    by_kind: dict[str, int] = field(default_factory=dict)  # sent, by kind
    started: float = field(default_factory=time.monotonic)
    finished: float = 0.0

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:60]


def running_clock(start: datetime) -> Clock:
    """A clock that starts at ``start`` and runs in real time (``jsika remind --at``, delivery tests)."""
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _retry_after(error: RetryAfter) -> float:
    raw = getattr(error, "_retry_after", None)
    return _seconds(raw) if raw is not None else _seconds(error.retry_after)


def _materialize(kwargs: dict[str, Any], bot: Bot) -> dict[str, Any]:
    """Stored payloads keep keyboards as JSON; PTB wants its objects."""
    markup = kwargs.get("reply_markup")
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        kwargs = {**kwargs, "reply_markup": InlineKeyboardMarkup.de_json(markup, bot)}
    return kwargs


class Deliverer:
    """Claims due outbox rows and sends them with ``bot``; one instance per process (see ``scheduler/jobs.py``)."""

    def __init__(
        self,
        db: Database,
        bot: Bot,
        calendar: WorkCalendar,
        *,
        clock: Clock,
        config: DeliveryConfig | None = None,
        composer: Composer,
        worker_id: str | None = None,
    ) -> None:
        self.db, self.bot, self.calendar, self.clock = db, bot, calendar, clock
        self.config = config or DeliveryConfig()
        self.compose = composer
        self.worker_id = worker_id or worker_name()
        # Texts are composed through read-only sessions: on SQLite eight concurrent text reads would otherwise
        # queue for the one write connection in front of the claims (``Database.read_session``).
        self.read = db.read_session
        self.bucket = TokenBucket(self.config.global_rate, self.config.global_rate / 5)
        self.chats = ChatSlots(self.config.chat_rate)

    async def __aenter__(self) -> Deliverer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Nothing of its own to release: the database, its read-only engine included, belongs to the caller.
        Kept so that ``async with Deliverer(...)`` and its callers stay as they are."""

    async def deliver_due(self, stop: asyncio.Event | None = None) -> DeliveryReport:
        """Send everything due now (and what becomes due within ``idle_wait``); return what happened."""
        report = DeliveryReport()
        await self.requeue_expired(report)
        in_flight = asyncio.Semaphore(self.config.max_in_flight)
        tasks: set[asyncio.Task[None]] = set()
        give_up_at = time.monotonic() + self.config.idle_wait
        try:
            while not (stop is not None and stop.is_set()):
                now = self.clock()
                if self.calendar.in_quiet_hours(now):
                    break
                await in_flight.acquire()
                # Claim first, then wait for the token: the claim's round trip overlaps the wait instead of adding
                # to it. A claimed row waits at most one token interval (40 ms at 25/s) before its request.
                message = await self._claim(now, self.chats.busy())
                if message is None:
                    in_flight.release()
                    if tasks:
                        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                        continue
                    wait = await self._next_due_in(now)
                    if wait is None or time.monotonic() + wait > give_up_at:
                        break
                    await _pause(max(wait, 0.02), stop)
                    continue
                give_up_at = time.monotonic() + self.config.idle_wait
                self.chats.take(message.chat_id)
                await self.bucket.acquire()
                task = asyncio.create_task(self._deliver(message, report))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                task.add_done_callback(lambda _: in_flight.release())
        finally:
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            report.finished = time.monotonic()
        return report

    # --- claiming ------------------------------------------------------------------------------------------------

    async def _claim(self, now: datetime, busy_chats: list[int]) -> Message | None:
        async with self.db.session() as session:
            return await rows.claim(
                session,
                now=now,
                worker=self.worker_id,
                lease=self.config.lease,
                busy_chats=busy_chats,
                skip_locked=not self.db.is_sqlite,
            )

    async def _next_due_in(self, now: datetime) -> float | None:
        async with self.db.session() as session:
            first = await rows.next_due(session)
        if first is None:
            return None
        due_in = (first - now).total_seconds()
        if due_in > 0:
            return due_in
        return self.chats.next_free_in()  # due rows wait for their chat's next slot

    async def requeue_expired(self, report: DeliveryReport | None = None) -> list[int]:
        """Rows left ``sending`` by a worker that died: back to the queue, recorded as in doubt."""
        now = self.clock()
        async with self.db.session() as session:
            found = await rows.expired_leases(session, now, skip_locked=not self.db.is_sqlite)
            for outbox_id, worker in found:
                note = f"in doubt: lease expired while sending (worker {worker}); may have been delivered"
                await rows.transition(session, outbox_id, OutboxStatus.QUEUED, error=note)
            await audit.record_many(
                session,
                [
                    audit.entry(
                        actor_type="system",
                        actor_id=self.worker_id,
                        action="outbox.in_doubt",
                        entity="outbox",
                        entity_id=str(outbox_id),
                        detail=f"lease of {worker} expired",
                        at=now,
                    )
                    for outbox_id, worker in found
                ],
            )
        ids = [outbox_id for outbox_id, _ in found]
        if report is not None:
            report.in_doubt += ids
        if ids:
            log.warning("outbox rows %s were in flight when their worker stopped; sending again", ids)
        return ids

    # --- sending -------------------------------------------------------------------------------------------------

    async def _deliver(self, message: Message, report: DeliveryReport) -> None:
        now = self.clock()
        try:
            async with self.read() as session:
                kwargs = await self.compose(session, message, now, self.calendar)
        except Exception as error:  # a bug in a text must not stop the queue
            log.exception("composing outbox row %s failed", message.id)
            await self._again(message, report, f"compose: {error!r}", transient=True)
            return
        if kwargs is None:
            await self._close(message.id, OutboxStatus.CANCELLED, "nothing to say any more")
            report.cancelled += 1
            return
        try:
            sent = await self.bot.send_message(chat_id=message.chat_id, **_materialize(kwargs, self.bot))
        except RetryAfter as error:
            await self._rate_limited(message, report, _retry_after(error))
        except Forbidden as error:
            await self._unreachable(message, report, str(error))
        except BadRequest as error:
            if "chat not found" in str(error).lower():
                await self._unreachable(message, report, str(error))
            else:
                await self._close(message.id, OutboxStatus.FAILED, f"bad request: {error}")
                report.failed += 1
        except TimedOut as error:
            # Telegram may have received it: the retry could duplicate, so say so where it is kept.
            await self._record_in_doubt(message, f"timed out: {error}")
            report.in_doubt.append(message.id)
            await self._again(message, report, f"timed out: {error}", transient=True)
        except NetworkError as error:
            await self._again(message, report, f"network: {error}", transient=True)
        except Exception as error:
            log.exception("sending outbox row %s failed", message.id)
            await self._again(message, report, f"{type(error).__name__}: {error}", transient=True)
        else:
            await self._mark_sent(message, sent.message_id)
            report.sent += 1
            report.by_kind[message.kind] = report.by_kind.get(message.kind, 0) + 1

    async def _mark_sent(self, message: Message, telegram_message_id: int) -> None:
        async with self.db.session() as session:
            await rows.transition(
                session,
                message.id,
                OutboxStatus.SENT,
                sent_at=self.clock(),
                telegram_message_id=telegram_message_id,
            )

    async def _close(self, outbox_id: int, status: OutboxStatus, error: str) -> None:
        async with self.db.session() as session:
            await rows.transition(session, outbox_id, status, error=error)

    async def _rate_limited(self, message: Message, report: DeliveryReport, seconds: float) -> None:
        """429: the row waits ``retry_after`` (stored at once, so a restart honours it); the 429 is not an attempt."""
        report.rate_limited += 1
        self.chats.block(message.chat_id, seconds)
        self.bucket.drain()
        async with self.db.session() as session:
            await rows.transition(
                session,
                message.id,
                OutboxStatus.QUEUED,
                not_before=self.clock() + timedelta(seconds=seconds),
                retry_after=int(round(seconds)),
                refund_attempt=True,
                error=f"429: retry after {seconds:g} s",
            )

    async def _again(self, message: Message, report: DeliveryReport, error: str, *, transient: bool) -> None:
        if not transient or message.attempts >= self.config.max_attempts:
            await self._close(message.id, OutboxStatus.FAILED, error)
            report.failed += 1
            return
        delay = min(self.config.backoff_max, self.config.backoff_base * 2 ** (message.attempts - 1))
        report.retried += 1
        async with self.db.session() as session:
            await rows.transition(
                session,
                message.id,
                OutboxStatus.QUEUED,
                not_before=self.clock() + timedelta(seconds=delay),
                error=error,
            )

    async def _record_in_doubt(self, message: Message, detail: str) -> None:
        async with self.db.session() as session:
            await audit.record(
                session,
                actor_type="system",
                actor_id=self.worker_id,
                action="outbox.in_doubt",
                entity="outbox",
                entity_id=str(message.id),
                detail=detail[:500],
                at=self.clock(),
            )

    async def _unreachable(self, message: Message, report: DeliveryReport, error: str) -> None:
        """Blocked or gone: fail this row, cancel the chat's queue, stop planning for them, tell their koordinator."""
        now = self.clock()
        async with self.db.session() as session:
            await rows.transition(session, message.id, OutboxStatus.FAILED, error=f"forbidden: {error}")
            report.failed += 1
            report.cancelled += await domain.cancel_queued_for_chat(session, message.chat_id, "unreachable")
            user = await session.get(User, message.user_id) if message.user_id is not None else None
            if user is not None and await domain.mark_unreachable(session, user.id, error, now):
                await plan_unreachable_note(
                    session,
                    user_id=user.id,
                    area_code=user.area_code,
                    day=self.calendar.today(now),
                    not_before=self.calendar.next_send_time(now),
                    now=now,
                )
        log.info("chat %s cannot be reached (%s); its reminders stop", message.chat_id, error)


async def _pause(seconds: float, stop: asyncio.Event | None) -> None:
    if stop is None:
        await asyncio.sleep(seconds)
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
