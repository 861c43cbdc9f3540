"""The report rollups (migration 0008): kept exact by triggers through every kind of write, and the reports read
from them give the same numbers as the reports read from the base tables."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, insert, update

from models import rollups
from models.calendar import JAKARTA
from models.db import Database
from models.period import Period
from models.queries import compliance, overdue, summary, tallies
from models.queries.regions import get_area
from models.tables import CheckResult, CommitmentCheck, Household, ReviewStatus, Visit
from models.visits import _insert
from tests.supervisor_world import CANGKUDU, CIKULUR, World, actor, build

NOV = Period(2026, 11)


@pytest.fixture
async def world(db: Database) -> World:
    return await build(db)


async def assert_exact(db: Database) -> None:
    async with db.session() as s:
        assert await rollups.drift(s) == {}


async def test_rollups_follow_inserts_updates_moves_and_deletes(db: Database, world: World) -> None:
    h, m, v = world.households, world.members, world.visits
    await assert_exact(db)
    async with db.session() as s:  # a new visit with a check
        s.add(Visit(id="n" * 32, household_id=h["h5"], period="2026-11", visited_on=date(2026, 11, 20), met=True))
        await s.flush()
        await s.execute(
            insert(CommitmentCheck).values(
                visit_id="n" * 32, member_id=m["imas"], period="2026-11", commitment="x", result=CheckResult.NOT_MET
            )
        )
    await assert_exact(db)
    async with db.session() as s:  # the visit form's upsert: a follow-up visit overrides October's check of Rizky
        s.add(Visit(id="f" * 32, household_id=h["h1"], period="2026-10", visited_on=date(2026, 10, 30), met=True))
        await s.flush()
        stmt = _insert(s, CommitmentCheck).values(
            visit_id="f" * 32,
            member_id=m["rizky"],
            period="2026-10",
            commitment="pendidikan_kehadiran",
            result=CheckResult.MET.value,
        )
        await s.execute(
            stmt.on_conflict_do_update(
                index_elements=["member_id", "commitment", "period"],
                set_={"visit_id": stmt.excluded.visit_id, "result": stmt.excluded.result},
            )
        )
    await assert_exact(db)
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:  # Rizky's November run is broken in October: level 1 now
        gaps = await compliance.gaps_by_commitment(s, dedi, "36.02", NOV)
    assert {g.commitment: g.by_level for g in gaps}["pendidikan_kehadiran"] == {1: 1}
    async with db.session() as s:  # review, a changed result, a moved visit period
        await s.execute(update(Visit).where(Visit.id == v["h1-11"]).values(review_status=ReviewStatus.APPROVED))
        await s.execute(
            update(CommitmentCheck)
            .where(CommitmentCheck.visit_id == v["h4-11"], CommitmentCheck.commitment == "balita_imunisasi")
            .values(result=CheckResult.MET)
        )
        await s.execute(update(Visit).where(Visit.id == "n" * 32).values(period="2026-10"))
    await assert_exact(db)
    async with db.session() as s:  # a household moves desa (and kabupaten), another changes status and pendamping
        await s.execute(update(Household).where(Household.id == h["h4"]).values(desa_code=CANGKUDU))
        await s.execute(
            update(Household).where(Household.id == h["h2"]).values(status="ditangguhkan", pendamping_id=None)
        )
    await assert_exact(db)
    async with db.session() as s:  # a visit moves to another household (of another desa)
        await s.execute(update(Visit).where(Visit.id == v["h1-10"]).values(household_id=h["h5"]))
    await assert_exact(db)
    async with db.session() as s:  # deletions: a check, a visit with checks, a household with visits and checks
        await s.execute(delete(CommitmentCheck).where(CommitmentCheck.visit_id == v["h6-11"]))
        await s.execute(delete(Visit).where(Visit.id == v["h1-09"]))
        await s.execute(delete(Household).where(Household.id == h["h4"]))
    await assert_exact(db)
    async with db.session() as s:  # a new household; then a rebuild changes nothing
        s.add(Household(programme_code="JAMSOSRATU", kk="3602171705800099", head_name="Baru", desa_code=CIKULUR))
        await s.flush()
        await rollups.rebuild(s)
    await assert_exact(db)


async def test_reports_from_rollups_agree_with_the_base_tables(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    dedi, admin = await actor(db, world, "dedi"), await actor(db, world, "admin")

    async def answers() -> list[object]:
        out: list[object] = []
        async with db.session() as s:
            for who, code in ((dedi, "36.02"), (dedi, "36.02.05"), (admin, "36"), (admin, "36.03")):
                area = await get_area(s, code)
                assert area is not None
                out.append(await summary.area_summary(s, who, area, NOV, JAKARTA))
                out.append(await overdue.overdue_page(s, who, code, NOV, page_size=2))
                out.append(await overdue.overdue_page(s, who, code, NOV, page=1, page_size=2))
                out.append(await compliance.gaps_by_commitment(s, who, code, NOV))
        return out

    rolled = await answers()

    def nothing(*_: object) -> None:
        return None

    async def no_gaps(*_: object) -> None:
        return None

    monkeypatch.setattr(tallies, "scope", nothing)
    monkeypatch.setattr(tallies, "gaps_by_level", no_gaps)
    assert await answers() == rolled
