"""Time rules in one place: Indonesian working days, the period deadline, quiet hours, in the configured zone.

National holidays and cuti bersama come from the maintained ``holidays`` library (categories public +
government); a TOML file can add provincial holidays or declare extra working days. Nothing here reads the
clock: callers pass the date or time, so tests can stand on any day.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

from models.period import Period

JAKARTA = ZoneInfo("Asia/Jakarta")  # Banten's zone; the default of JSIKA_TIMEZONE, which a process passes in
QUIET_START = time(21, 0)
QUIET_END = time(6, 0)


@dataclass
class WorkCalendar:
    """Working days Monday–Friday minus holidays, plus overrides from a config file."""

    tz: ZoneInfo = JAKARTA
    extra_holidays: dict[date, str] = field(default_factory=dict)
    extra_working_days: set[date] = field(default_factory=set)
    quiet_start: time = QUIET_START
    quiet_end: time = QUIET_END
    # Deadlines already worked out: every form step asks for the reporting window, and walking the working days
    # (a holiday lookup each) was ~2 % of the bot's CPU under load. The calendar never changes once built.
    _deadlines: dict[tuple[Period, int], date] = field(default_factory=dict, init=False, repr=False, compare=False)

    @cached_property
    def _national(self) -> holidays.HolidayBase:
        return holidays.country_holidays("ID", categories=("public", "government"), language="id")

    @classmethod
    def from_file(cls, path: str | Path | None, tz: ZoneInfo = JAKARTA) -> WorkCalendar:
        """Read ``[holidays] "2026-11-20" = "HUT Provinsi Banten"`` and ``working_days = ["2026-03-28"]``."""
        if path is None:
            return cls(tz=tz)
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        extra = {date.fromisoformat(k): str(v) for k, v in data.get("holidays", {}).items()}
        working = {date.fromisoformat(d) for d in data.get("working_days", [])}
        return cls(tz=tz, extra_holidays=extra, extra_working_days=working)

    def holiday_name(self, day: date) -> str | None:
        if day in self.extra_holidays:
            return self.extra_holidays[day]
        name = self._national.get(day)
        return str(name) if name else None

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        return day.weekday() < 5 and self.holiday_name(day) is None

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        for _ in range(count):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``; negative when ``end`` is before ``start``."""
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def nth_working_day(self, year: int, month: int, n: int) -> date:
        return self.add_working_days(date(year, month, 1) - timedelta(days=1), n)

    # --- periods ----------------------------------------------------------------------------------------------

    def period_deadline(self, period: Period, working_days: int = 5) -> date:
        """Last day reports for ``period`` are accepted: the n-th working day of the next month."""
        deadline = self._deadlines.get((period, working_days))
        if deadline is None:
            following = period.next()
            deadline = self.nth_working_day(following.year, following.month, working_days)
            self._deadlines[(period, working_days)] = deadline
        return deadline

    def period_is_open(self, period: Period, today: date, working_days: int = 5) -> bool:
        """Reports for ``period`` are accepted from its first day until its deadline (late ones need approval)."""
        return period.start <= today <= self.period_deadline(period, working_days)

    def deadline_reminder_days(self, period: Period, before: list[int], working_days: int = 5) -> list[date]:
        """Days to remind pendamping, ``n`` working days before the period's deadline."""
        deadline = self.period_deadline(period, working_days)
        days = []
        for n in before:
            day = deadline
            for _ in range(n):
                day -= timedelta(days=1)
                while not self.is_working_day(day):
                    day -= timedelta(days=1)
            days.append(day)
        return days

    # --- time of day ------------------------------------------------------------------------------------------

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def period_begins(self, period: Period) -> datetime:
        """The instant ``period`` begins here: its first day's midnight in the calendar's time zone."""
        return datetime.combine(period.start, time(0), tzinfo=self.tz)

    def escalation_registered_before(self, closed: Period) -> datetime:
        """Households registered after this instant are not escalated for two unvisited periods ending with
        ``closed``: they were in the registry for one of them at most (``not_visited_for_two``). The planner and
        the reminder's text both ask here, so the count planned and the list shown agree."""
        return self.period_begins(closed.previous())

    def today(self, moment: datetime) -> date:
        return self.local(moment).date()

    def in_quiet_hours(self, moment: datetime) -> bool:
        clock = self.local(moment).time()
        return clock >= self.quiet_start or clock < self.quiet_end

    def next_send_time(self, moment: datetime) -> datetime:
        """``moment`` itself, or the end of the quiet hours it falls in."""
        if not self.in_quiet_hours(moment):
            return moment
        local = self.local(moment)
        day = local.date() if local.time() < self.quiet_end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.quiet_end, tzinfo=self.tz)


def current_period(moment: datetime, tz: ZoneInfo = JAKARTA) -> Period:
    return Period.of(moment.astimezone(tz).date())
