"""Summary, overdue and region look-up numbers on the hand-counted world (tests/supervisor_world.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models.calendar import JAKARTA
from models.db import Database
from models.period import Period
from models.queries import overdue, summary
from models.queries.regions import LookupOutcome, get_area, resolve_area
from tests.supervisor_world import World, actor, build

NOV, OCT = Period(2026, 11), Period(2026, 10)


@pytest.fixture
async def world(db: Database) -> World:
    return await build(db)


async def test_lebak_november_summary_counts_match_the_hand_count(db: Database, world: World) -> None:
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        area = await get_area(s, "36.02")
        assert area is not None
        result = await summary.area_summary(s, dedi, area, NOV, JAKARTA)
    assert (result.total.households, result.total.visited, result.total.overdue) == (5, 2, 2)
    assert result.total.not_visited == 3
    assert [(c.name, c.households, c.visited, c.overdue) for c in result.subareas] == [
        ("Muncang", 3, 1, 1),
        ("Cikulur", 2, 1, 1),
    ]
    assert result.empty_subareas == 26  # Lebak has 28 kecamatan
    compliance = {c.commitment: (c.met, c.not_met) for c in result.compliance}
    assert compliance == {
        "pendidikan_kehadiran": (0, 1),
        "balita_penimbangan": (1, 1),
        "balita_imunisasi": (0, 1),
    }
    assert (result.referrals_opened, result.referrals_closed) == (1, 1)
    assert result.pending_changes == 2
    assert result.awaiting_review == 2


async def test_previous_period_and_the_province_have_their_own_numbers(db: Database, world: World) -> None:
    dedi, admin = await actor(db, world, "dedi"), await actor(db, world, "admin")
    async with db.session() as s:
        lebak, banten = await get_area(s, "36.02"), await get_area(s, "36")
        assert lebak is not None and banten is not None
        october = await summary.coverage(s, dedi, lebak, OCT)
        province = await summary.area_summary(s, admin, banten, NOV, JAKARTA)
    assert (october.households, october.visited, october.overdue) == (5, 3, 1)
    assert (province.total.households, province.total.visited, province.total.overdue) == (6, 3, 2)
    assert {c.name: c.households for c in province.subareas} == {"Kabupaten Lebak": 5, "Kabupaten Tangerang": 1}
    assert province.awaiting_review == 3


async def test_koordinator_numbers_never_include_another_kabupaten(db: Database, world: World) -> None:
    joko = await actor(db, world, "joko")
    async with db.session() as s:
        lebak = await get_area(s, "36.02")
        assert lebak is not None
        # Even handed Lebak directly (the handler refuses this earlier), Tangerang's koordinator counts nothing.
        result = await summary.area_summary(s, joko, lebak, NOV, JAKARTA)
    assert result.is_empty and result.pending_changes == 0 and result.compliance == []


async def test_overdue_page_groups_by_pendamping_with_periods_since_last_visit(db: Database, world: World) -> None:
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        page = await overdue.overdue_page(s, dedi, "36.02", NOV)
    assert page.total == 3
    assert [(p.name, p.overdue) for p in page.by_pendamping] == [("Dewi Lestari", 1), ("Siti Aminah", 2)]
    assert [(r.head_name, r.last_period, r.periods_without_visit(NOV)) for r in page.rows] == [
        ("Rohman", None, None),
        ("Juhana", "2026-09", 2),  # the longest unvisited first
        ("Hermawan", "2026-10", 1),
    ]


async def test_overdue_pages_split_the_list(db: Database, world: World) -> None:
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        first = await overdue.overdue_page(s, dedi, "36.02", NOV, page=0, page_size=2)
        second = await overdue.overdue_page(s, dedi, "36.02", NOV, page=1, page_size=2)
    assert (first.pages, second.pages) == (2, 2)
    assert [r.head_name for r in first.rows + second.rows] == ["Rohman", "Juhana", "Hermawan"]


async def test_region_names_resolve_within_scope(db: Database, world: World) -> None:
    dedi, admin = await actor(db, world, "dedi"), await actor(db, world, "admin")
    async with db.session() as s:
        lebak = await resolve_area(s, dedi, "lebak")
        cikulur = await resolve_area(s, dedi, "Cikulur")
        by_code = await resolve_area(s, dedi, "360217")
        tangerang = await resolve_area(s, dedi, "tangerang")
        tangerang_code = await resolve_area(s, dedi, "36.03")
        admin_tangerang = await resolve_area(s, admin, "tangerang")
        admin_lebak = await resolve_area(s, admin, "Kabupaten Lebak")
        unknown = await resolve_area(s, admin, "atlantis")
        own = await resolve_area(s, dedi, "")
    assert lebak.area is not None and lebak.area.code == "36.02"
    assert cikulur.area is not None and cikulur.area.code == "36.02.17"  # the kecamatan, not its desa
    assert by_code.area is not None and by_code.area.name == "Cikulur"
    assert tangerang.outcome is LookupOutcome.OUT_OF_SCOPE
    assert tangerang_code.outcome is LookupOutcome.OUT_OF_SCOPE
    assert admin_tangerang.outcome is LookupOutcome.CHOICE
    assert {a.code for a in admin_tangerang.choices} >= {"36.03", "36.71"}
    assert admin_lebak.area is not None and admin_lebak.area.code == "36.02"
    assert unknown.outcome is LookupOutcome.NOT_FOUND
    assert own.area is not None and own.area.code == "36.02"


async def test_fast_current_period_path_agrees_with_the_visit_table(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """November is the latest period, so the reports read household.last_visit_period; the visit table must agree."""
    from models.queries import pendamping

    dedi = await actor(db, world, "dedi")

    async def answers() -> tuple[object, ...]:
        async with db.session() as s:
            return (
                await summary.coverage_by_desa(s, dedi, "36.02", NOV),
                await overdue.overdue_page(s, dedi, "36.02", NOV),
                await pendamping.leaderboard(s, dedi, "36.02", NOV),
            )

    async with db.session() as s:
        assert await summary.is_latest(s, NOV) and not await summary.is_latest(s, OCT)
    fast = await answers()

    async def never(*_: object) -> bool:
        return False

    for module in (summary, overdue, pendamping):
        monkeypatch.setattr(module, "is_latest", never)
    assert await answers() == fast


async def test_last_visit_period_follows_inserts_corrections_and_deletions(db: Database, world: World) -> None:
    from datetime import date

    from sqlalchemy import delete, update

    from models.tables import Household, Visit

    h5 = world.households["h5"]

    async def last() -> str | None:
        async with db.session() as s:
            return await s.scalar(select(Household.last_visit_period).where(Household.id == h5))

    assert await last() is None  # Rohman was never visited
    async with db.session() as s:
        s.add(Visit(id="r" * 32, household_id=h5, period="2026-10", visited_on=date(2026, 10, 3), met=True))
    assert await last() == "2026-10"
    async with db.session() as s:
        await s.execute(
            update(Visit).where(Visit.id == "r" * 32).values(period="2026-11", visited_on=date(2026, 11, 2))
        )
    assert await last() == "2026-11"
    async with db.session() as s:
        await s.execute(delete(Visit).where(Visit.id == "r" * 32))
    assert await last() is None
    async with db.session() as s:
        assert (
            await s.scalar(select(Household.last_visit_period).where(Household.id == world.households["h3"]))
            == "2026-09"
        )


def test_a_period_runs_from_midnight_to_midnight_in_the_configured_zone() -> None:
    """Referrals are counted by instants: the period's bounds follow JSIKA_TIMEZONE, not a fixed Asia/Jakarta."""
    assert summary.period_bounds(NOV, JAKARTA) == (
        datetime(2026, 10, 31, 17, tzinfo=UTC),
        datetime(2026, 11, 30, 17, tzinfo=UTC),
    )
    jayapura = ZoneInfo("Asia/Jayapura")
    assert summary.period_bounds(NOV, jayapura) == (
        datetime(2026, 10, 31, 15, tzinfo=UTC),
        datetime(2026, 11, 30, 15, tzinfo=UTC),
    )
