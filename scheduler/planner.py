"""Which reminders should exist at a given moment — ``plan(session, now, calendar)``.

The planner turns the calendar and the programme rules into a handful of set-based statements
(``models/queries/reminder_planning.py``): the date arithmetic (deadlines, working days, age bands as birth-date ranges)
happens here once, in Python; the registry is only ever touched by SQL. Every statement inserts with a dedupe key,
so the planner can run as often as it likes (APScheduler fires it every hour; ``jsika remind`` by hand) and two
planners at once change nothing: each reminder exists once.

Nothing is planned on weekends and holidays. Reminders for the day go out at each pendamping's digest hour (07:00
by default); an hour whose catch-up window has passed is skipped, so a planner that starts late does not send
the morning digest in the evening. Quiet hours (21:00–06:00) move any send time to 06:00.
"""

from __future__ import annotations

import calendar as monthcal
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from models.calendar import WorkCalendar
from models.period import Period
from models.period_close import closing_day
from models.queries import period_reminders
from models.queries import reminder_events as events
from models.queries import reminder_planning as q
from models.queries.reminder_content import programme_rules
from models.reminder_settings import DIGEST_HOURS, Kind
from models.rules import CommitmentRule, ProgrammeRules


@dataclass(frozen=True, slots=True)
class PlannerConfig:
    digest_hour: int = 7
    weekly_time: time = time(7, 30)
    catch_up: timedelta = timedelta(hours=3)
    birth_window_days: int = 14
    # Monthly and per-period kinds (events, escalations) are planned in the first working days of their window
    # only: enough to catch up after an outage, without rerunning their statements every hour all month.
    window_working_days: int = 3
    school_month: int = 7  # the school year starts in July
    school_start_age: int = 6
    sd_to_smp_age: int = 12
    smp_to_sma_age: int = 15
    # The period close (docs/period-close.md): koordinators are reminded to sign on the first working day after
    # the close; admins hear which kabupaten/kota have not signed this many working days later.
    signoff_admin_working_days: int = 3


@dataclass
class PlanReport:
    """What one planner run added (new rows only: a rerun of the same moment reports zeros)."""

    now: datetime
    day: date
    working_day: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, kind: Kind, count: int) -> None:
        self.counts[kind.value] = self.counts.get(kind.value, 0) + count


def add_months(day: date, months: int) -> date:
    """``day`` shifted by whole months, clamped to the month's end (31 March − 1 month = 28/29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthcal.monthrange(year, month + 1)[1]))


def latest_birth(on: date, months: int) -> date:
    """The latest birth date whose age on ``on`` is at least ``months`` whole months (``rules.age_in_months``)."""
    return add_months(on, -months)


def age_band(on: date, min_months: int | None, max_months: int | None) -> events.BirthRange:
    """Members aged ``min_months``–``max_months`` (inclusive, whole months) on ``on``, as a birth-date range."""
    return events.BirthRange(
        born_after=latest_birth(on, max_months + 1) if max_months is not None else None,
        born_on_or_before=latest_birth(on, min_months) if min_months is not None else None,
    )


def rule_band(rule: CommitmentRule, on: date) -> events.BirthRange:
    """The age conditions of ``rule`` (years and months, whichever are tighter) as one birth-date range."""
    lows = [m for m in (rule.min_age_months, rule.min_age * 12 if rule.min_age is not None else None) if m is not None]
    highs = [
        m for m in (rule.max_age_months, rule.max_age * 12 + 11 if rule.max_age is not None else None) if m is not None
    ]
    return age_band(on, max(lows) if lows else None, min(highs) if highs else None)


def send_times(day: date, now: datetime, calendar: WorkCalendar, config: PlannerConfig) -> q.SendAt:
    """Each possible digest hour of ``day`` as a UTC instant — only those still inside their catch-up window."""
    instants = {}
    for hour in sorted({*DIGEST_HOURS, config.digest_hour}):
        moment = calendar.next_send_time(datetime.combine(day, time(hour), tzinfo=calendar.tz))
        if moment + config.catch_up > now:
            instants[hour] = max(moment, now)
    return q.SendAt(instants, config.digest_hour)


def _at(day: date, clock: time, now: datetime, calendar: WorkCalendar) -> datetime:
    return calendar.next_send_time(max(datetime.combine(day, clock, tzinfo=calendar.tz), now))


async def plan(
    session: AsyncSession, now: datetime, calendar: WorkCalendar, config: PlannerConfig | None = None
) -> PlanReport:
    """Insert every reminder that should exist at ``now`` and does not yet; report the new ones by kind."""
    config = config or PlannerConfig()
    day = calendar.today(now)
    report = PlanReport(now, day, calendar.is_working_day(day))
    if not report.working_day:
        return report
    period = Period.of(day)
    send_at = send_times(day, now, calendar, config)
    programmes = await programme_rules(session)
    early = day <= calendar.nth_working_day(period.year, period.month, config.window_working_days)

    report.add(Kind.DIGEST, await q.plan_digests(session, day=day, period=period, send_at=send_at, now=now))
    for code, rules in sorted(programmes.items()):
        await _programme(session, report, code, rules, day, period, send_at, now, calendar, early)
    if early:
        yearly = [
            (code, rule.code) for code, rules in sorted(programmes.items()) for rule in rules.commitments if rule.yearly
        ]
        last_met = Period.of(add_months(period.start, -11))
        report.add(
            Kind.EVENT_YEARLY,
            await events.plan_yearly_events(
                session, rules=yearly, period=period, last_met=last_met, send_at=send_at, now=now
            ),
        )
    until = day + timedelta(days=config.birth_window_days)
    report.add(
        Kind.EVENT_BIRTH, await events.plan_birth_events(session, day=day, until=until, send_at=send_at, now=now)
    )
    if period.month == config.school_month and early:
        on = period.start
        report.add(
            Kind.EVENT_SCHOOL,
            await events.plan_school_event(
                session,
                year=period.year,
                window=on,
                starting=age_band(on, config.school_start_age * 12, config.school_start_age * 12 + 11),
                sd_to_smp=age_band(on, config.sd_to_smp_age * 12, config.sd_to_smp_age * 12 + 23),
                smp_to_sma=age_band(on, config.smp_to_sma_age * 12, config.smp_to_sma_age * 12 + 23),
                send_at=send_at,
                now=now,
            ),
        )
    await _escalations(session, report, programmes, day, period, now, calendar, config)
    await _signoff(session, report, programmes, day, period, now, calendar, config)
    monday = day - timedelta(days=day.weekday())
    iso = day.isocalendar()
    report.add(
        Kind.WEEKLY,
        await q.plan_weekly(
            session,
            week=f"{iso.year}-W{iso.week:02d}",
            monday=monday,
            not_before=_at(day, config.weekly_time, now, calendar),
            now=now,
        ),
    )
    return report


async def _programme(
    session: AsyncSession,
    report: PlanReport,
    code: str,
    rules: ProgrammeRules,
    day: date,
    period: Period,
    send_at: q.SendAt,
    now: datetime,
    calendar: WorkCalendar,
    early: bool,
) -> None:
    """Deadline reminders and (early in the period) the programme's month-bound commitment events."""
    deadline_days = rules.period.deadline_working_days
    for target in (period.previous(), period):
        before = rules.period.reminder_working_days
        for left, reminder_day in zip(
            before, calendar.deadline_reminder_days(target, before, deadline_days), strict=True
        ):
            if reminder_day == day:
                report.add(
                    Kind.DEADLINE,
                    await q.plan_deadline(
                        session,
                        programme=code,
                        period=target,
                        deadline=calendar.period_deadline(target, deadline_days),
                        working_days_left=left,
                        day=day,
                        send_at=send_at,
                        now=now,
                    ),
                )
    if not early:
        return
    for rule in rules.commitments:
        if rule.months and period.month in rule.months:
            report.add(
                Kind.EVENT_MONTH,
                await events.plan_month_event(
                    session,
                    programme=code,
                    commitment=rule.code,
                    period=period,
                    ages=rule_band(rule, period.start),
                    send_at=send_at,
                    now=now,
                ),
            )


async def _escalations(
    session: AsyncSession,
    report: PlanReport,
    programmes: dict[str, ProgrammeRules],
    day: date,
    period: Period,
    now: datetime,
    calendar: WorkCalendar,
    config: PlannerConfig,
) -> None:
    """Once the previous period has closed for every programme: escalate to koordinators (and warn pendamping)."""
    closed = period.previous()
    longest = max((r.period.deadline_working_days for r in programmes.values()), default=5)
    closes = calendar.period_deadline(closed, longest)
    if not closes < day <= calendar.add_working_days(closes, config.window_working_days):
        return
    not_before = _at(day, time(config.digest_hour), now, calendar)
    report.add(
        Kind.ESCALATION_VISIT,
        await q.plan_visit_escalation(
            session,
            closed=closed,
            registered_before=calendar.escalation_registered_before(closed),
            window=closes,
            not_before=not_before,
            now=now,
        ),
    )
    report.add(
        Kind.ESCALATION_COMMITMENT,
        await q.plan_commitment_escalation(session, closed=closed, window=closes, not_before=not_before, now=now),
    )


def signoff_days(
    closed: Period, programmes: dict[str, ProgrammeRules], calendar: WorkCalendar, admin_after: int
) -> tuple[date, date]:
    """When the koordinators are asked to sign ``closed``'s list (the first working day after the close: the day
    after the last programme's deadline, or the next working day) and when the admins hear who has not."""
    koordinators = calendar.next_working_day(closing_day(closed, programmes.values(), calendar) - timedelta(days=1))
    return koordinators, calendar.add_working_days(koordinators, admin_after)


async def _signoff(
    session: AsyncSession,
    report: PlanReport,
    programmes: dict[str, ProgrammeRules],
    day: date,
    period: Period,
    now: datetime,
    calendar: WorkCalendar,
    config: PlannerConfig,
) -> None:
    """The previous period's disbursement list: remind its koordinators to sign, later tell the admins who has not.

    Each is planned in its own window of ``window_working_days`` (catching up after an outage); its dedupe key
    carries the window's first day, so it is sent once per period."""
    closed = period.previous()
    koordinators, admins = signoff_days(closed, programmes, calendar, config.signoff_admin_working_days)
    last = config.window_working_days - 1
    ask = koordinators <= day <= calendar.add_working_days(koordinators, last)
    tell = admins <= day <= calendar.add_working_days(admins, last)
    if not (ask or tell):
        return
    begins = calendar.period_begins(closed)
    unsigned = [area.code for area in await period_reminders.unsigned_kabupaten(session, closed, begins)]
    not_before = _at(day, time(config.digest_hour), now, calendar)
    if ask:
        report.add(
            Kind.PERIOD_SIGNOFF,
            await period_reminders.plan_signoff(
                session,
                closed=closed,
                unsigned=unsigned,
                period_begins=begins,
                window=koordinators,
                not_before=not_before,
                now=now,
            ),
        )
    if tell:
        report.add(
            Kind.PERIOD_UNSIGNED,
            await period_reminders.plan_unsigned_notice(
                session,
                closed=closed,
                unsigned=unsigned,
                window=admins,
                asked=koordinators,
                not_before=not_before,
                now=now,
            ),
        )
