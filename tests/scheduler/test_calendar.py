"""Working days, deadlines and quiet hours on real Indonesian dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from models.calendar import WorkCalendar, current_period
from models.period import Period

CAL = WorkCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 24), True),  # an ordinary Tuesday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 8, 17), False),  # Hari Kemerdekaan (a Monday)
        (date(2026, 12, 24), False),  # cuti bersama Natal
        (date(2026, 3, 23), False),  # cuti bersama Idul Fitri
        (date(2026, 3, 25), True),  # back to work after Lebaran
    ],
)
def test_working_days_know_weekends_national_holidays_and_cuti_bersama(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_deadline_is_fifth_working_day_of_next_month_skipping_holidays() -> None:
    # December 2026: 1–4 (Tue–Fri) and 7 (Mon) are the first five working days.
    assert CAL.period_deadline(Period(2026, 11)) == date(2026, 12, 7)
    # March 2026: 2–6 are working days.
    assert CAL.period_deadline(Period(2026, 2)) == date(2026, 3, 6)
    # April 2026 after Lebaran: 1, 2, (3 Good Friday), 6, 7, 8.
    assert CAL.period_deadline(Period(2026, 3)) == date(2026, 4, 8)


def test_period_open_until_deadline_then_closed() -> None:
    assert CAL.period_is_open(Period(2026, 11), date(2026, 12, 7))
    assert not CAL.period_is_open(Period(2026, 11), date(2026, 12, 8))
    assert not CAL.period_is_open(Period(2026, 12), date(2026, 11, 30))


def test_deadline_reminders_count_back_working_days() -> None:
    # Deadline Mon 7 Dec: 1 working day before is Fri 4 Dec, 5 before is Mon 30 Nov.
    assert CAL.deadline_reminder_days(Period(2026, 11), [5, 1]) == [date(2026, 11, 30), date(2026, 12, 4)]


def test_provincial_holiday_file_adds_holidays_and_working_days(tmp_path: Path) -> None:
    config = tmp_path / "libur.toml"
    config.write_text('working_days = ["2026-11-28"]\n[holidays]\n"2026-12-01" = "Libur daerah"\n', encoding="utf-8")
    cal = WorkCalendar.from_file(config)
    assert not cal.is_working_day(date(2026, 12, 1))
    assert cal.holiday_name(date(2026, 12, 1)) == "Libur daerah"
    assert cal.is_working_day(date(2026, 11, 28))
    assert cal.period_deadline(Period(2026, 11)) == date(2026, 12, 8)


@pytest.mark.parametrize(
    ("utc", "quiet"),
    [
        (datetime(2026, 11, 24, 13, 59, tzinfo=UTC), False),  # 20:59 WIB
        (datetime(2026, 11, 24, 14, 0, tzinfo=UTC), True),  # 21:00 WIB
        (datetime(2026, 11, 24, 22, 59, tzinfo=UTC), True),  # 05:59 WIB
        (datetime(2026, 11, 24, 23, 0, tzinfo=UTC), False),  # 06:00 WIB
    ],
)
def test_quiet_hours_are_21_to_6_jakarta_time(utc: datetime, quiet: bool) -> None:
    assert CAL.in_quiet_hours(utc) is quiet


def test_message_planned_in_quiet_hours_waits_until_six() -> None:
    late_evening = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)  # 22:30 WIB
    after_midnight = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # 01:00 WIB on the 25th
    expected = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # 06:00 WIB on the 25th
    assert CAL.next_send_time(late_evening) == expected
    assert CAL.next_send_time(after_midnight) == expected
    noon = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    assert CAL.next_send_time(noon) == noon


def test_current_period_follows_jakarta_not_utc() -> None:
    # 30 Nov 18:00 UTC is already 1 Dec in Jakarta.
    assert current_period(datetime(2026, 11, 30, 18, 0, tzinfo=UTC)) == Period(2026, 12)
