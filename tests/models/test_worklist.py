"""A pendamping's worklist: the longest-unvisited households first, counts that add up, paging, and only their own."""

from __future__ import annotations

from datetime import date

from models.actor import Actor
from models.db import Database
from models.period import Period
from models.queries.worklist import reported_in_period, worklist
from models.tables import HouseholdStatus, Role
from tests.factories import make_household, make_user, make_visit

NOVEMBER = Period(2026, 11)


async def _world(db: Database) -> tuple[Actor, dict[str, int]]:
    async with db.session() as s:
        siti = await make_user(s, Role.PENDAMPING, "36.01.01")
        other = await make_user(s, Role.PENDAMPING, "36.01.01")
        ids = {}
        for name, last_visit in [
            ("Baru", None),  # never visited
            ("Agustus", date(2026, 8, 5)),
            ("September", date(2026, 9, 5)),
            ("Oktober", date(2026, 10, 5)),  # visited last period: due, not overdue
            ("Selesai", date(2026, 11, 3)),  # done this period
        ]:
            household = await make_household(s, siti, members=[{"name": name, "age": 40}])
            if last_visit is not None:
                await make_visit(s, household, siti, visited_on=last_visit)
            ids[name] = household.id
        await make_household(s, siti, members=[{"name": "Keluar", "age": 40}], status=HouseholdStatus.KELUAR)
        await make_household(s, other, members=[{"name": "Orang Lain", "age": 40}])
        return Actor.of(siti), ids


async def test_not_yet_visited_households_come_most_overdue_first_with_counts(db: Database) -> None:
    siti, _ = await _world(db)
    async with db.session() as s:
        work = await worklist(s, siti, NOVEMBER)
    assert [item.head_name for item in work.items] == ["Baru", "Agustus", "September", "Oktober"]
    assert [item.overdue for item in work.items] == [True, True, True, False]
    assert (work.total, work.done, work.overdue, work.due) == (5, 1, 3, 4)
    assert work.items[1].last_visited_on == date(2026, 8, 5)


async def test_pages_cover_every_household_once(db: Database) -> None:
    siti, _ = await _world(db)
    async with db.session() as s:
        pages = [await worklist(s, siti, NOVEMBER, page=n, page_size=3, include_done=True) for n in range(2)]
        beyond = await worklist(s, siti, NOVEMBER, page=9, page_size=3)
    names = [item.head_name for page in pages for item in page.items]
    assert names == ["Baru", "Agustus", "September", "Oktober", "Selesai"]
    assert pages[0].pages == 2 and pages[1].items[-1].done
    assert beyond.page == 1  # clamped to the last page


async def test_an_earlier_period_is_judged_by_its_own_visits(db: Database) -> None:
    siti, _ = await _world(db)
    async with db.session() as s:
        work = await worklist(s, siti, Period(2026, 9))
    # Later visits do not count: only "September" is done, "Agustus" was visited the period before (due),
    # and "Baru", "Oktober", "Selesai" had no visit yet by then (overdue).
    assert (work.done, work.overdue) == (1, 3)
    assert [(item.head_name, item.overdue) for item in work.items] == [
        ("Baru", True),
        ("Oktober", True),
        ("Selesai", True),
        ("Agustus", False),
    ]


async def test_already_reported_this_period_is_found_only_in_scope(db: Database) -> None:
    siti, ids = await _world(db)
    async with db.session() as s:
        found = await reported_in_period(s, siti, ids["Selesai"], NOVEMBER)
        stranger = Actor.of(await make_user(s, Role.PENDAMPING, "36.01.01"))
        hidden = await reported_in_period(s, stranger, ids["Selesai"], NOVEMBER)
        none = await reported_in_period(s, siti, ids["Oktober"], NOVEMBER)
    assert found is not None and found.visited_on == date(2026, 11, 3)
    assert hidden is None and none is None
