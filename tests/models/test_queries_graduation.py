"""Graduation candidates (graduasi criteria in docs/glossary.md) and the SQL translation of "in a commitment category"."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models.db import Database
from models.period import Period
from models.queries import graduation
from models.rules import MemberFacts, applies, shipped_programmes
from models.tables import Household, Member, MemberStatus, Relation, SchoolLevel, Sex
from tests.supervisor_world import World, actor, build

NOV = Period(2026, 11)


@pytest.fixture
async def world(db: Database) -> World:
    return await build(db)


async def test_candidates_of_lebak_with_their_reasons(db: Database, world: World) -> None:
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        page = await graduation.candidates(s, dedi, "36.02", NOV)
    assert page.total == 3 and page.proposed == 0
    assert {(c.head_name, c.reasons) for c in page.rows} == {
        ("Hidayat", ("skor_rendah",)),  # 3 in October, 2 in November
        ("Hermawan", ("mandiri",)),  # asked to leave (graduasi_mandiri change)
        ("Rohman", ("tanpa_komitmen",)),  # two adults, nobody in any commitment category
    }


async def test_one_low_score_is_not_enough_and_other_areas_stay_out(db: Database, world: World) -> None:
    joko, admin = await actor(db, world, "joko"), await actor(db, world, "admin")
    async with db.session() as s:
        tangerang = await graduation.candidates(s, joko, "36.03", NOV)
        # Hidayat with only the November visit in the window: one scored visit is not "the last two".
        lebak_now = await graduation.candidates(s, admin, "36.02", Period(2026, 9))
    assert [(c.head_name, c.reasons) for c in tangerang.rows] == [("Suryadi", ("skor_rendah",))]
    assert "Hidayat" not in {c.head_name for c in lebak_now.rows}


async def test_sql_category_condition_agrees_with_the_rules_module(db: Database, world: World) -> None:
    """Every commitment rule, at boundary birth dates and pregnancy dates, in and out of vitamin A months."""
    programme = shipped_programmes()["JAMSOSRATU"]
    periods = [Period(2026, 2), Period(2026, 11), Period(2027, 1)]
    births: set[date] = set()
    for p in periods:
        for months in (0, 1, 6, 12, 23, 24, 59, 60, 71, 72, 72 + 12 * 15, 12 * 6, 12 * 21, 12 * 22, 12 * 60):
            first = date(p.start.year - (months // 12), p.start.month, 1)
            shift = months % 12
            index = first.year * 12 + first.month - 1 - shift
            base = date(index // 12, index % 12 + 1, 1)
            births |= {base, base + timedelta(days=1), base - timedelta(days=1)}
        births |= {p.start, p.end, p.end + timedelta(days=1)}
    edds = [
        None,
        date(2026, 11, 1),
        date(2026, 10, 31),
        date(2026, 9, 20),
        date(2026, 12, 15),
        date(2027, 1, 31),
        date(2027, 9, 7),
        date(2027, 9, 8),
        date(2027, 12, 31),
    ]  # the last ones: pregnancy not begun yet
    async with db.session() as s:
        household = Household(
            programme_code="JAMSOSRATU", kk="3602059999990001", head_name="Uji", desa_code="36.02.05.2005"
        )
        s.add(household)
        await s.flush()
        people: dict[int, MemberFacts] = {}
        combos = itertools.product(sorted(births), (Sex.L, Sex.P), (None, SchoolLevel.SD), (False, True))
        for n, (born, sex, school, disabled) in enumerate(combos):
            edd = edds[n % len(edds)] if sex is Sex.P else None
            row = Member(
                household_id=household.id,
                nik=f"{3602050000000000 + n}",
                name=f"Anggota {n}",
                relation=Relation.ANAK,
                sex=sex,
                birth_date=born,
                pregnancy_edd=edd,
                school_level=school,
                severe_disability=disabled,
                status=MemberStatus.AKTIF,
            )
            s.add(row)
            await s.flush()
            people[row.id] = MemberFacts(born, sex.value, edd, school.value if school else None, disabled)
        matched: set[str] = set()
        for period in periods:
            for rule in programme.commitments:
                relaxed = rule.model_copy(update={"months": None, "yearly": False})
                found = set(
                    await s.scalars(
                        select(Member.id).where(
                            Member.household_id == household.id, graduation.rule_condition(rule, period)
                        )
                    )
                )
                expected = {mid for mid, facts in people.items() if applies(relaxed, facts, period)}
                assert found == expected, (rule.code, str(period))
                if expected and len(expected) < len(people):
                    matched.add(rule.code)
    assert matched == {rule.code for rule in programme.commitments}  # each rule splits the members somewhere


async def test_a_province_sized_candidate_list_pages_without_listing_every_id(db: Database, world: World) -> None:
    """40,000 memberless households are all candidates: more ids than a driver takes as parameters (32,767)."""
    from datetime import UTC, datetime

    from sqlalchemy import insert

    admin = await actor(db, world, "admin")
    async with db.session() as s:
        desa = await s.scalar(select(Household.desa_code).where(Household.desa_code.startswith("36.02.")).limit(1))
        before = (await graduation.candidates(s, admin, "36.02", NOV)).total
        now = datetime.now(UTC)
        rows = [
            {"programme_code": "JAMSOSRATU", "kk": f"3602{n:012d}", "head_name": f"Massal {n:05d}",
             "address": "-", "desa_code": desa, "created_at": now, "updated_at": now}
            for n in range(40_000)
        ]  # fmt: skip
        await s.execute(insert(Household), rows)
    async with db.session() as s:
        first = await graduation.candidates(s, admin, "36.02", NOV)
        last = await graduation.candidates(s, admin, "36.02", NOV, page=10_000)
    assert first.total == before + 40_000
    assert len(first.rows) == graduation.PAGE_SIZE and last.page == last.pages - 1
    assert all(c.reasons for c in first.rows + last.rows)
    massal = [c.head_name for c in first.rows + last.rows if c.head_name.startswith("Massal")]
    assert massal == sorted(massal)
