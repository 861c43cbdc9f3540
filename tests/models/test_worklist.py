"""A pendamping's worklist: the longest-unvisited households first, counts that add up, paging, and only their own."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from sqlalchemy import and_, case, delete, func, select, text, update

from models import migrate
from models.actor import Actor
from models.db import Database
from models.period import Period
from models.queries.worklist import reported_in_period, worklist
from models.scope import households_of
from models.tables import Household, HouseholdStatus, Role, Visit
from tests.factories import make_household, make_user, make_visit
from tests.models.test_migrations import scratch_db  # noqa: F401  (fixture)

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


async def _plain_worklist(session: Any, actor: Actor, period: Period) -> list[tuple[Any, ...]]:
    """The list by the plain query: group the households' visits (what ``worklist`` answered before issue 22)."""
    this, previous = str(period), str(period.previous())
    worked = and_(households_of(actor), Household.status == HouseholdStatus.AKTIF)
    visits = (
        select(
            Visit.household_id.label("household_id"),
            func.max(Visit.visited_on).label("last_on"),
            func.max(case((Visit.period == this, 1), else_=0)).label("done"),
            func.max(case((Visit.period == previous, 1), else_=0)).label("prev_done"),
        )
        .where(Visit.period <= this)
        .group_by(Visit.household_id)
        .subquery()
    )
    done = func.coalesce(visits.c.done, 0)
    overdue = and_(done == 0, func.coalesce(visits.c.prev_done, 0) == 0)
    rows = await session.execute(
        select(Household.id, Household.head_name, visits.c.last_on, done, overdue)
        .outerjoin(visits, visits.c.household_id == Household.id)
        .where(worked)
        .order_by(done, visits.c.last_on.is_not(None), visits.c.last_on, Household.head_name, Household.id)
    )
    return [(r[0], r[1], r[2], bool(r[3]), bool(r[4])) for r in rows]


async def _fast_worklist(session: Any, actor: Actor, period: Period) -> list[tuple[Any, ...]]:
    first = await worklist(session, actor, period, page_size=7, include_done=True)
    pages = [first] + [
        await worklist(session, actor, period, page=n, page_size=7, include_done=True) for n in range(1, first.pages)
    ]
    items = [(i.household_id, i.head_name, i.last_visited_on, i.done, i.overdue) for p in pages for i in p.items]
    undone = await worklist(session, actor, period, page_size=10_000)
    assert [i.household_id for i in undone.items] == [item[0] for item in items if not item[3]]
    assert (first.total, first.done, first.overdue) == (
        len(items),
        sum(item[3] for item in items),
        sum(item[4] for item in items),
    )
    return items


PERIODS = [Period(2026, 6)]
for _ in range(6):
    PERIODS.append(PERIODS[-1].next())


@pytest.mark.parametrize("seed", range(4))
async def test_the_fast_list_is_the_plain_grouping_of_visits_on_generated_histories(db: Database, seed: int) -> None:
    """``household.last_visit_period`` / ``last_visited_on`` (kept by triggers) answer exactly what grouping the
    visits answers — for the current period and earlier ones, after inserts, corrections and deletions."""
    rng = random.Random(seed)
    async with db.session() as s:
        siti = await make_user(s, Role.PENDAMPING, "36.01.01")
        households = []
        for number in range(30):
            status = HouseholdStatus.KELUAR if rng.random() < 0.1 else HouseholdStatus.AKTIF
            name = rng.choice(["Asep", "Budi", "Cucu", "Dedi"]) + f" {number % 7}"  # ties: the id decides
            households.append(await make_household(s, siti, members=[{"name": name, "age": 40}], status=status))
        for household in households:
            for period in rng.sample(PERIODS, rng.randint(0, 5)):
                for _ in range(rng.choice([1, 1, 1, 2])):
                    await make_visit(
                        s, household, siti, period=period, visited_on=period.start.replace(day=rng.randint(1, 28))
                    )
    actor = Actor.of(siti)

    async def compare() -> None:
        async with db.session() as s:
            for period in PERIODS:
                assert await _fast_worklist(s, actor, period) == await _plain_worklist(s, actor, period), period

    await compare()
    async with db.session() as s:  # corrections and deletions: the triggers follow
        ids = list((await s.scalars(select(Visit.id).order_by(Visit.id))).all())
        for visit_id in rng.sample(ids, min(len(ids), 15)):
            choice = rng.random()
            if choice < 0.4:
                await s.execute(delete(Visit).where(Visit.id == visit_id))
            elif choice < 0.7:
                period = rng.choice(PERIODS)
                await s.execute(
                    update(Visit).where(Visit.id == visit_id).values(period=str(period), visited_on=period.start)
                )
            else:
                await s.execute(
                    update(Visit)
                    .where(Visit.id == visit_id)
                    .values(household_id=rng.choice(households).id, visited_on=date(2026, 6, rng.randint(1, 28)))
                )
    await compare()


@pytest.mark.parametrize("seed", range(2))
async def test_upgrading_an_existing_database_backfills_what_the_plain_grouping_answers(
    scratch_db: Database,  # noqa: F811
    seed: int,
) -> None:
    """A database at 0017 (before ``last_visited_on``) holding visits is upgraded: 0018's set-based backfill
    leaves every household's last visit date equal to grouping its visits, so the list answers as the plain query
    does, and the statement triggers it switched off for the backfill are on again."""
    await migrate.upgrade(scratch_db)
    rng = random.Random(seed)
    async with scratch_db.session() as s:
        siti = await make_user(s, Role.PENDAMPING, "36.01.01")
        for number in range(25):
            status = HouseholdStatus.KELUAR if rng.random() < 0.1 else HouseholdStatus.AKTIF
            household = await make_household(s, siti, members=[{"name": f"KPM {number}", "age": 40}], status=status)
            for period in rng.sample(PERIODS, rng.randint(0, 5)):
                for _ in range(rng.choice([1, 1, 2])):
                    day = period.start.replace(day=rng.randint(1, 28))
                    await make_visit(s, household, siti, period=period, visited_on=day)
    await migrate.downgrade(scratch_db, "0017")
    await migrate.upgrade(scratch_db)

    async with scratch_db.session() as s:
        kept = dict((await s.execute(select(Household.id, Household.last_visited_on))).all())
        grouped = dict(
            (await s.execute(select(Visit.household_id, func.max(Visit.visited_on)).group_by(Visit.household_id))).all()
        )
        assert kept == {household_id: grouped.get(household_id) for household_id in kept}
        assert any(kept.values()) and None in kept.values()  # the draw has visited and unvisited households
        actor = Actor.of(siti)
        for period in PERIODS:
            assert await _fast_worklist(s, actor, period) == await _plain_worklist(s, actor, period), period
        if scratch_db.url.startswith("postgresql"):
            enabled: dict[str, str] = dict(
                (
                    await s.execute(
                        text("SELECT tgname, tgenabled::text FROM pg_trigger WHERE tgrelid = 'household'::regclass")
                    )
                ).all()
            )
            assert enabled["rollup_household_update"] == enabled["household_desa_moved"] == "O"
