"""Every path of the OPD API's pages (the id walk of a province or kabupaten, the household-first read of a
kecamatan or desa) returns exactly the rows a plain reading of the tables gives, in id order, each once."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update

from models.api_keys import KeyScope
from models.db import Database
from models.queries import opd
from models.seed import SeedOptions, seed_database
from models.tables import Household, HouseholdStatus, Member, MemberStatus, Referral

TODAY = date(2026, 11, 24)
LIMIT = 7  # small pages: every list is walked over several pages


def scope(sector: str) -> KeyScope:
    return KeyScope(1, "test", "t", sector, "36", True, 1000)


async def seeded(db: Database) -> tuple[list[Any], dict[int, Any], list[Any]]:
    """A seeded province with the cases the filters must tell apart: households no longer active, members who
    died or moved, pregnancies due in the past and in the future — concentrated in the busiest kecamatan."""
    await seed_database(db, SeedOptions(households=400, visits_months=0, seed=3), today=TODAY)
    rng = random.Random(5)
    async with db.session() as s:
        households = list(await s.scalars(select(Household)))
        busiest = Counter(h.desa_code[:8] for h in households).most_common(1)[0][0]
        mine = [h.id for h in households if h.desa_code.startswith(busiest)]
        members = list(await s.scalars(select(Member).where(Member.household_id.in_(mine))))
        for m in rng.sample(members, min(12, len(members))):
            m.pregnancy_edd = TODAY + timedelta(days=rng.randint(-60, 200))
        for m in rng.sample(members, min(6, len(members))):
            m.status = rng.choice([MemberStatus.MENINGGAL, MemberStatus.PINDAH])
        await s.execute(
            update(Household).where(Household.id.in_(rng.sample(mine, 3))).values(status=HouseholdStatus.DITANGGUHKAN)
        )
        await s.flush()
        households = list(await s.scalars(select(Household)))
        all_members = list(await s.scalars(select(Member)))
        referrals = list(await s.scalars(select(Referral)))
    return all_members, {h.id: h for h in households}, referrals


def is_target(sector: str, category: str | None, m: Any, referred: set[int], referred_heads: set[int]) -> bool:
    age_days = (TODAY - m.birth_date).days
    school_age = opd.years_before(TODAY, 22) < m.birth_date <= opd.years_before(TODAY, 6)
    found = {
        "usia_sekolah": school_age,
        "ibu_hamil": m.pregnancy_edd is not None and m.pregnancy_edd >= TODAY,
        "balita": opd.years_before(TODAY, 5) < m.birth_date <= TODAY and age_days >= 0,
        "dirujuk": m.id in referred or (m.relation.value == "kepala" and m.household_id in referred_heads),
    }
    chosen = [category] if category else list(opd.CATEGORIES[sector])
    return m.status == MemberStatus.AKTIF and any(found[c] for c in chosen)


async def walk(db: Database, fetch: Any, *args: Any, **options: Any) -> list[int]:
    """The ids of every page of ``fetch(session, *args, limit=…, after=…, **options)``, walked by its cursor."""
    ids: list[int] = []
    after = None
    while True:
        async with db.session() as s:
            page = await fetch(s, *args, limit=LIMIT, after=after, **options)
        ids += [row.id for row in page.items]
        assert len(page.items) <= LIMIT
        assert ids == sorted(set(ids)), "each row once, in id order"  # and a page that repeats ends the walk
        if page.next_after is None:
            return ids
        after = page.next_after


def within(code: str, area: str) -> bool:
    return code == area or code.startswith(area + ".")


async def test_every_page_path_returns_the_plain_rows_in_id_order(db: Database) -> None:
    members, households, referrals = await seeded(db)
    busiest = Counter(households[m.household_id].desa_code[:8] for m in members).most_common(1)[0][0]
    desa = Counter(h.desa_code for h in households.values() if h.desa_code.startswith(busiest)).most_common(1)[0][0]
    areas = ["36", busiest[:5], busiest, desa]  # the id walk (provinsi, kabupaten), the household-first read
    for sector, categories in opd.CATEGORIES.items():
        key = scope(sector)
        sector_referrals = [r for r in referrals if r.sector == sector]
        referred = {r.member_id for r in sector_referrals if r.member_id is not None}
        referred_heads = {r.household_id for r in sector_referrals if r.member_id is None}
        for area in areas:
            active_inside = {
                i for i, h in households.items() if h.status == HouseholdStatus.AKTIF and within(h.desa_code, area)
            }
            for category in (None, *categories):
                targets = [m for m in members if is_target(sector, category, m, referred, referred_heads)]
                got = await walk(db, opd.members, key, today=TODAY, area=area, category=category)
                assert got == sorted(m.id for m in targets if m.household_id in active_inside), (sector, area, category)
                got = await walk(db, opd.households, key, today=TODAY, area=area, category=category)
                assert got == sorted({m.household_id for m in targets} & active_inside), (sector, area, category)
            got = await walk(db, opd.referrals, key, area=area)
            expected = sorted(r.id for r in sector_referrals if within(households[r.household_id].desa_code, area))
            assert got == expected, (sector, area)
    assert any(m.pregnancy_edd and m.pregnancy_edd >= TODAY for m in members)  # the rare category is exercised
