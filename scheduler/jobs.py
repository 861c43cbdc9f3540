"""APScheduler wiring: fire the planner and the outbox worker on time, in one elected process.

APScheduler (3.x, ``AsyncIOScheduler``, cron triggers in the configured zone, ``JSIKA_TIMEZONE``) only says *when*; what to send is the
planner's business and how is the outbox's. With several bot processes on PostgreSQL, the one holding the advisory
lock ``reminders`` (``models.leader.exclusive``) plans and delivers, so Telegram's global budget is not multiplied
by the number of processes; the others keep trying every few seconds and take over when the leader's connection
dies (even after SIGKILL PostgreSQL releases the lock as soon as it notices). On SQLite there is one process per
database file, and it is always the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from telegram import Bot

from models import opd_stats
from models.calendar import WorkCalendar
from models.db import Database
from models.leader import exclusive
from models.opd_stats import Refreshed
from scheduler.outbox import Composer, Deliverer, DeliveryConfig, DeliveryReport
from scheduler.planner import PlannerConfig, PlanReport, plan

log = logging.getLogger(__name__)

LOCK_NAME = "reminders"
PLAN_MINUTE = 50  # hourly at :50 from 05:50 to 20:50: the 07:00 digest is planned by 06:50 at the latest
PLAN_HOURS = "5-20"
OPD_STATS_MINUTES = 5  # the OPD /stats rollup's refresh: at most this long after midnight on the slow count


class ReminderSettings(Protocol):
    """What ``start_scheduler`` reads from ``bot.config.Settings`` (a protocol: the scheduler does not import bot)."""

    digest_hour: int
    signoff_admin_working_days: int
    send_rate_global: float
    send_rate_per_chat: float
    reminders_enabled: bool


class Scheduler:
    """The reminders' clockwork for one process: leadership, the hourly planner, the outbox worker."""

    def __init__(
        self,
        db: Database,
        deliverer: Deliverer,
        calendar: WorkCalendar,
        *,
        clock: Callable[[], datetime],
        planner: PlannerConfig | None = None,
        enabled: bool = True,
        deliver_every: float = 2.0,
        leader_retry: float = 5.0,
    ) -> None:
        self.db, self.deliverer, self.calendar, self.clock = db, deliverer, calendar, clock
        self.planner = planner or PlannerConfig()
        self.enabled = enabled
        self.deliver_every, self.leader_retry = deliver_every, leader_retry
        self.is_leader = False
        self.elections = 0  # attempts to become leader that ended (lost, or never won)
        self.aps = AsyncIOScheduler(timezone=calendar.tz)
        self._stopping = asyncio.Event()
        self._leader_task: asyncio.Task[None] | None = None
        self._deliver_lock = asyncio.Lock()

    # --- the jobs ------------------------------------------------------------------------------------------------

    async def plan_now(self) -> PlanReport | None:
        """Plan for this moment (leader only); rerunning is harmless (dedupe keys)."""
        if not self.is_leader:
            return None
        async with self.db.session() as session:
            report = await plan(session, self.clock(), self.calendar, self.planner)
        if report.total:
            log.info("planned %d reminders: %s", report.total, report.counts)
        return report

    async def deliver_now(self) -> DeliveryReport | None:
        """Send what is due (leader only; one pass at a time in this process)."""
        if not self.is_leader or self._deliver_lock.locked():
            return None
        async with self._deliver_lock:
            report = await self.deliverer.deliver_due(self._stopping)
        if report.sent or report.failed or report.in_doubt:
            log.info(
                "outbox: %d sent, %d retried, %d rate-limited, %d failed, %d in doubt",
                report.sent,
                report.retried,
                report.rate_limited,
                report.failed,
                len(report.in_doubt),
            )
        return report

    async def refresh_opd_stats(self) -> Refreshed | None:
        """Bring the OPD API's /stats rollup to today (leader only; ``models/opd_stats.py``): after midnight every
        household is recounted, otherwise only those written since the last run, so /stats stays fast all day."""
        if not self.is_leader:
            return None
        now = self.clock()
        async with self.db.session() as session:
            done = await opd_stats.refresh(session, today=now.astimezone(self.calendar.tz).date(), now=now)
        if done.full or done.log_rows:
            log.info(
                "OPD /stats rollup for %s: %d households recounted (%s)",
                done.day,
                done.households,
                "all" if done.full else "logged",
            )
        return done

    async def _safely(self, job: Callable[[], Any]) -> None:
        try:
            await job()
        except Exception:  # a failing run must not kill the schedule; the next run tries again
            log.exception("reminder job %s failed", getattr(job, "__name__", job))

    # --- leadership ----------------------------------------------------------------------------------------------

    async def _lead(self) -> None:
        while not self._stopping.is_set():
            try:
                async with exclusive(self.db, LOCK_NAME, wait=False) as lock:
                    if lock.held:
                        await self._while_leading(lock)
            except Exception:
                log.warning("leader election failed; retrying", exc_info=True)
            self.is_leader = False
            self.elections += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.leader_retry)

    async def _while_leading(self, lock: Any) -> None:
        self.is_leader = True
        log.info("this process plans and sends the reminders")
        await self._safely(self.plan_now)  # catch up at once: a new leader may have missed an hour
        await self._safely(self.refresh_opd_stats)  # and recount /stats if the rollup is not today's
        try:
            while not self._stopping.is_set() and await lock.alive():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.leader_retry)
        finally:
            self.is_leader = False
            log.info("no longer the reminders' leader")

    # --- life cycle ----------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the jobs in the running event loop (no-op when reminders are disabled)."""
        if not self.enabled:
            log.info("reminders are disabled in this process (JSIKA_REMINDERS_ENABLED=false)")
            return
        self.aps.add_job(
            self._safely,
            CronTrigger(minute=PLAN_MINUTE, hour=PLAN_HOURS, timezone=self.calendar.tz),
            args=[self.plan_now],
            id="plan",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=600,
        )
        self.aps.add_job(
            self._safely,
            IntervalTrigger(seconds=self.deliver_every),
            args=[self.deliver_now],
            id="deliver",
            max_instances=1,
            coalesce=True,
        )
        self.aps.add_job(
            self._safely,
            IntervalTrigger(minutes=OPD_STATS_MINUTES),
            args=[self.refresh_opd_stats],
            id="opd_stats",
            max_instances=1,
            coalesce=True,
        )
        self.aps.start()
        self._leader_task = asyncio.get_running_loop().create_task(self._lead(), name="reminders-leader")

    async def shutdown(self) -> None:
        """Stop taking new work, let the message in flight finish, give up leadership."""
        self._stopping.set()
        if self.aps.running:
            self.aps.shutdown(wait=False)
        async with self._deliver_lock:  # the pass in progress sees the stop flag and returns
            pass
        if self._leader_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._leader_task
        await self.deliverer.close()


def start_scheduler(
    bot: Bot,
    db: Database,
    settings: ReminderSettings,
    *,
    calendar: WorkCalendar,
    clock: Callable[[], datetime],
    composer: Composer,
) -> Scheduler:
    """Build and start the reminders' scheduler (called by ``bot/service.py``, which owns the wiring).

    ``bot`` sends, ``clock`` is the process's injectable clock, ``calendar`` the work calendar the handlers use
    too (so /jadwal and the reminders agree on deadlines and holidays), and ``composer`` says what a row says.
    """
    deliverer = Deliverer(
        db,
        bot,
        calendar,
        clock=clock,
        composer=composer,
        config=DeliveryConfig(global_rate=settings.send_rate_global, chat_rate=settings.send_rate_per_chat),
    )
    scheduler = Scheduler(
        db,
        deliverer,
        calendar,
        clock=clock,
        planner=PlannerConfig(
            digest_hour=settings.digest_hour, signoff_admin_working_days=settings.signoff_admin_working_days
        ),
        enabled=settings.reminders_enabled,
    )
    scheduler.start()
    return scheduler
