"""The OPD /stats rollup (migration 0021, ``models/opd_stats.py``) answers exactly what the plain count over the
base tables answers: on seeded data, after any mix of writes, on a new day, and with a writer racing a refresh."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import opd_stats, rollups
from models.api_keys import KeyScope
from models.db import Database
from models.queries import opd
from models.queries.opd import years_before
from models.seed import SeedOptions, seed_database
from models.tables import (
    Household,
    HouseholdStatus,
    Member,
    MemberStatus,
    OpdStatsDirty,
    Referral,
    ReferralStatus,
    Relation,
    Sex,
)

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
SECTORS = tuple(opd.CATEGORIES)
SERIAL = itertools.count(1)  # KK and NIK of written rows: unique across examples


def scope(sector: str) -> KeyScope:
    return KeyScope(0, "uji", "jsk_uji", sector, "36", False, 1000)


async def areas(session: AsyncSession) -> list[str]:
    """The province, and a kabupaten, a kecamatan and a desa that hold households (the busiest desa)."""
    desa = await session.scalar(
        select(Household.desa_code).group_by(Household.desa_code).order_by(func.count().desc()).limit(1)
    )
    assert desa is not None
    return ["36", desa[:5], desa[:8], desa]


async def assert_same(session: AsyncSession, today: date) -> int:
    """The rollup's answer equals the plain count for every sector and area; returns the households counted."""
    counted = 0
    for sector in SECTORS:
        for area in await areas(session):
            fast = await opd_stats.from_rollup(session, scope(sector), today=today, area=area)
            assert fast is not None, "the rollup is today's, so /stats must answer from it"
            plain = await opd.stats(session, scope(sector), today=today, area=area)
            assert fast == plain, (sector, area)
            counted += plain.households
    return counted


@pytest.fixture
async def seeded(db: Database) -> Database:
    await seed_database(db, SeedOptions(households=160, seed=3, visits_months=1), today=TODAY)
    async with db.session() as s:
        await s.execute(delete(OpdStatsDirty))  # the seed's own log: a refresh below reads it anyway
        await opd_stats.refresh(s, today=TODAY, now=NOW)
    return db


async def test_a_fresh_rollup_answers_what_the_plain_count_answers(seeded: Database) -> None:
    async with seeded.session() as s:
        assert await opd_stats.rollup_day(s) == TODAY
        assert await s.scalar(select(func.count()).select_from(OpdStatsDirty)) == 0
        assert await assert_same(s, TODAY) > 0


# --- random writes of every kind that can change a desa's figures ------------------------------------------

THRESHOLDS = [
    years_before(TODAY, 5),
    years_before(TODAY, 5) + timedelta(days=1),
    years_before(TODAY, 6),
    years_before(TODAY, 6) + timedelta(days=1),
    years_before(TODAY, 22),
    years_before(TODAY, 22) + timedelta(days=1),
    TODAY,
    TODAY + timedelta(days=1),
    date(1980, 5, 1),
]
EDDS = [None, TODAY, TODAY - timedelta(days=1), TODAY + timedelta(days=90)]
KINDS = (
    "household_insert",
    "household_delete",
    "household_status",
    "household_move",
    "member_insert",
    "member_delete",
    "member_birth",
    "member_edd",
    "member_status",
    "member_relation",
    "member_move",
    "referral_insert",
    "referral_delete",
    "referral_change",
)
WRITES = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 10**6), st.integers(0, 10**6)), max_size=8)


async def pick(session: AsyncSession, column: object, n: int) -> object:
    values = list(await session.scalars(select(column).order_by(column)))  # type: ignore[call-overload]
    return values[n % len(values)] if values else None


async def write(session: AsyncSession, kind: str, a: int, b: int) -> None:
    household = await pick(session, Household.id, a)
    member = await pick(session, Member.id, a)
    desa = await pick(session, Household.desa_code, b)
    if kind == "household_insert":
        new = Household(
            programme_code="JAMSOSRATU", kk=f"{3600000000000000 + next(SERIAL):016d}", head_name="Baru", desa_code=desa
        )
        session.add(new)
        await session.flush()
        for i, birth in enumerate((date(1985, 1, 1), THRESHOLDS[b % len(THRESHOLDS)])):
            session.add(
                Member(household_id=new.id, nik=f"{3690000000000000 + next(SERIAL):016d}", name=f"Baru {i}",
                       relation=Relation.KEPALA if i == 0 else Relation.ANAK, sex=Sex.P, birth_date=birth,
                       pregnancy_edd=EDDS[b % len(EDDS)] if i == 0 else None)
            )  # fmt: skip
    elif kind == "household_delete":
        await session.execute(delete(Household).where(Household.id == household))
    elif kind == "household_status":
        status = HouseholdStatus.AKTIF if b % 2 else HouseholdStatus.DITANGGUHKAN
        await session.execute(update(Household).where(Household.id == household).values(status=status))
    elif kind == "household_move":
        await session.execute(update(Household).where(Household.id == household).values(desa_code=desa))
    elif kind == "member_insert" and household is not None:
        session.add(
            Member(household_id=household, nik=f"{3680000000000000 + next(SERIAL):016d}", name="Lahir", relation=Relation.ANAK,
                   sex=Sex.L, birth_date=THRESHOLDS[b % len(THRESHOLDS)])
        )  # fmt: skip
    elif kind == "member_delete":
        await session.execute(delete(Member).where(Member.id == member))
    elif kind == "member_birth":
        birth = THRESHOLDS[b % len(THRESHOLDS)]
        await session.execute(update(Member).where(Member.id == member).values(birth_date=birth))
    elif kind == "member_edd":
        await session.execute(update(Member).where(Member.id == member).values(pregnancy_edd=EDDS[b % len(EDDS)]))
    elif kind == "member_status":
        left = MemberStatus.AKTIF if b % 2 else MemberStatus.PINDAH
        await session.execute(update(Member).where(Member.id == member).values(status=left))
    elif kind == "member_relation":
        relation = Relation.KEPALA if b % 2 else Relation.ANAK
        await session.execute(update(Member).where(Member.id == member).values(relation=relation))
    elif kind == "member_move":
        target = await pick(session, Household.id, b)
        await session.execute(update(Member).where(Member.id == member).values(household_id=target))
    elif kind == "referral_insert" and household is not None:
        named = member if b % 2 else None
        session.add(
            Referral(household_id=household, member_id=named, sector=SECTORS[b % 3], need="modal usaha",
                     status=list(ReferralStatus)[b % 3])
        )  # fmt: skip
    elif kind == "referral_delete":
        await session.execute(delete(Referral).where(Referral.id == await pick(session, Referral.id, a)))
    elif kind == "referral_change":
        referral = await pick(session, Referral.id, a)
        changes: list[dict[str, object]] = [
            {"status": list(ReferralStatus)[b % 3]},
            {"sector": SECTORS[b % 3]},
            {"member_id": None if b % 2 else member},
            {"household_id": await pick(session, Household.id, b)},
        ]
        await session.execute(update(Referral).where(Referral.id == referral).values(**changes[b % 4]))
    await session.flush()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=WRITES, later=WRITES)
async def test_after_any_writes_the_rollup_and_the_logged_households_answer_the_plain_count(
    seeded: Database, writes: list[tuple[str, int, int]], later: list[tuple[str, int, int]]
) -> None:
    async with seeded.sessions() as s:  # one transaction, rolled back: every example starts from the seed
        for batch in (writes, later):  # a refresh between: the desa sums carry the first batch's changes
            for kind, a, b in batch:
                await write(s, kind, a, b)
            await assert_same(s, TODAY)
            refreshed = await opd_stats.refresh(s, today=TODAY, now=NOW)  # only the logged households
            assert not refreshed.full
            assert await s.scalar(select(func.count()).select_from(OpdStatsDirty)) == 0
            await assert_same(s, TODAY)
        await s.rollback()


async def test_on_a_new_day_the_plain_count_answers_until_the_refresh_recounts_every_desa(seeded: Database) -> None:
    tomorrow = TODAY + timedelta(days=1)
    async with seeded.session() as s:
        assert await opd_stats.from_rollup(s, scope("kesehatan"), today=tomorrow, area="36") is None
        stale = await opd_stats.stats(s, scope("kesehatan"), today=tomorrow)
        assert stale == await opd.stats(s, scope("kesehatan"), today=tomorrow)
        refreshed = await opd_stats.refresh(s, today=tomorrow, now=NOW + timedelta(days=1))
        assert refreshed.full and refreshed.households > 0
        await assert_same(s, tomorrow)
    async with seeded.session() as s:  # yesterday's question no longer comes from the rollup
        assert await opd_stats.from_rollup(s, scope("pendidikan"), today=TODAY, area="36") is None


async def test_a_bulk_rebuild_forgets_the_rollup_so_stats_count_the_base_tables(seeded: Database) -> None:
    async with seeded.session() as s:
        await rollups.rebuild(s)  # what a loader that switched triggers off calls
        assert await opd_stats.rollup_day(s) is None
        assert await opd_stats.from_rollup(s, scope("umkm"), today=TODAY, area="36") is None
        await opd_stats.refresh(s, today=TODAY, now=NOW)
        await assert_same(s, TODAY)


async def test_a_write_committed_while_a_refresh_runs_stays_dirty_and_is_counted_live(seeded: Database) -> None:
    if seeded.is_sqlite:
        pytest.skip("PostgreSQL only: SQLite lets one writer in at a time, so no write can commit mid-refresh")
    async with seeded.session() as s:
        child = await s.scalar(select(Member.id).where(Member.birth_date > years_before(TODAY, 22)).limit(1))
        household = await s.scalar(select(Member.household_id).where(Member.id == child))
    async with seeded.sessions() as writer:
        await writer.begin()
        await writer.execute(update(Member).where(Member.id == child).values(birth_date=date(1970, 1, 1)))
        async with seeded.session() as s:  # the refresh neither sees nor waits for the open write
            refreshed = await asyncio.wait_for(opd_stats.refresh(s, today=TODAY, now=NOW), 30)
            assert refreshed.log_rows == 0
        await writer.commit()
    async with seeded.session() as s:
        logged = set(await s.scalars(select(OpdStatsDirty.household_id)))
        assert logged == {household}
        await assert_same(s, TODAY)
        await opd_stats.refresh(s, today=TODAY, now=NOW)
    async with seeded.session() as s:
        assert await s.scalar(select(func.count()).select_from(OpdStatsDirty)) == 0
        await assert_same(s, TODAY)


async def test_a_bulk_statement_logs_each_household_once_and_a_large_log_is_recounted_whole(
    seeded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with seeded.session() as s:
        households = await s.scalar(select(func.count(func.distinct(Member.household_id))))
        await s.execute(update(Member).values(pregnancy_edd=TODAY))  # one statement over every member
        logged = list(await s.scalars(select(OpdStatsDirty.household_id)))
        assert sorted(logged) == sorted(set(logged)) and len(logged) == households
        await assert_same(s, TODAY)
        monkeypatch.setattr(opd_stats, "LIVE_AT_MOST", len(logged) - 1)  # too many to count live: the plain count
        assert await opd_stats.from_rollup(s, scope("umkm"), today=TODAY, area="36") is None
        plain = await opd.stats(s, scope("umkm"), today=TODAY)
        assert await opd_stats.stats(s, scope("umkm"), today=TODAY) == plain
        monkeypatch.setattr(opd_stats, "LIVE_AT_MOST", len(logged))
        monkeypatch.setattr(opd_stats, "FULL_ABOVE", len(logged) - 1)
        refreshed = await opd_stats.refresh(s, today=TODAY, now=NOW)
        assert refreshed.full and refreshed.log_rows == len(logged)
        await assert_same(s, TODAY)


async def test_a_write_committed_between_reading_the_log_and_recounting_stays_dirty(
    seeded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if seeded.is_sqlite:
        pytest.skip("PostgreSQL only: the refresh holds SQLite's write lock, so no write can commit mid-refresh")
    async with seeded.session() as s:
        pregnant = await s.scalar(select(Member.id).where(Member.pregnancy_edd >= TODAY).limit(1))
        assert pregnant is not None
        await s.execute(update(Member).where(Member.id == pregnant).values(pregnancy_edd=None))  # logs its household
    async with seeded.session() as s:
        first = set(await s.scalars(select(OpdStatsDirty.id)))
        household = await s.scalar(select(OpdStatsDirty.household_id))
    async with seeded.session() as s:
        execute = s.execute

        async def after_the_log_is_read(statement: object, *args: object, **kwargs: object) -> object:
            result = await execute(statement, *args, **kwargs)  # type: ignore[call-overload]
            if str(statement).startswith("SELECT opd_stats_dirty.id"):
                async with seeded.session() as other:  # a pendamping corrects the same member: committed
                    await other.execute(update(Member).where(Member.id == pregnant).values(pregnancy_edd=TODAY))
            return result

        monkeypatch.setattr(s, "execute", after_the_log_is_read)
        refreshed = await opd_stats.refresh(s, today=TODAY, now=NOW)
    assert refreshed.log_rows == len(first)
    async with seeded.session() as s:
        left = list(await s.execute(select(OpdStatsDirty.id, OpdStatsDirty.household_id)))
        assert [h for _, h in left] == [household] and not first & {i for i, _ in left}  # the late write's row
        await assert_same(s, TODAY)
