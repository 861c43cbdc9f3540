"""One pendamping's record and the leaderboard, on the hand-counted world (tests/supervisor_world.py)."""

from __future__ import annotations

from datetime import date

import pytest

from models.calendar import WorkCalendar
from models.db import Database
from models.period import Period
from models.queries import pendamping
from tests.supervisor_world import World, actor, build

NOV = Period(2026, 11)
CALENDAR = WorkCalendar()


def deadline(period: Period) -> date:
    return CALENDAR.period_deadline(period)


@pytest.fixture
async def world(db: Database) -> World:
    return await build(db)


async def test_leaderboard_puts_the_lowest_coverage_first(db: Database, world: World) -> None:
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        board = await pendamping.leaderboard(s, dedi, "36.02", NOV)
    assert [(p.name, p.households, p.visited) for p in board] == [("Siti Aminah", 3, 1), ("Dewi Lestari", 2, 1)]
    assert round(board[0].share, 3) == 0.333


async def test_record_counts_coverage_lateness_and_returns(db: Database, world: World) -> None:
    dedi = await actor(db, world, "dedi")
    assert deadline(Period(2026, 10)) == date(2026, 11, 6)  # H2's October report came on 9 November
    async with db.session() as s:
        record = await pendamping.pendamping_record(s, dedi, world.users["siti"], NOV, deadline, CALENDAR.tz)
    assert record is not None
    assert (record.households, record.visited_now, record.visited_before) == (3, 1, 2)
    assert (record.late_reports, record.average_days_late) == (1, 3.0)
    assert record.returned == 0 and record.still_returned == 0
    assert record.last_activity is not None and record.last_activity.date() == date(2026, 11, 9)


async def test_pendamping_of_another_kabupaten_is_not_found(db: Database, world: World) -> None:
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        assert await pendamping.pendamping_record(s, dedi, world.users["rudi"], NOV, deadline, CALENDAR.tz) is None
        assert await pendamping.find_pendamping(s, dedi, "Rudi") == []
        by_phone = await pendamping.find_pendamping(s, dedi, "0812-0000-0001")
        by_name = await pendamping.find_pendamping(s, dedi, "dewi")
    assert [h.name for h in by_phone] == ["Siti Aminah"]
    assert [h.name for h in by_name] == ["Dewi Lestari"]
