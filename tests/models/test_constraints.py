"""The database itself refuses duplicates and dangling references, on SQLite as on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError

from models.db import Database
from models.tables import CheckResult, CommitmentCheck, Household, Member, Sex, Visit
from tests.factories import kk_for, make_household, make_member, make_user, make_visit, members_of

SCHOOL = "pendidikan_kehadiran"


async def count(db: Database, model: type) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_one_kk_per_programme(db: Database) -> None:
    kk = kk_for("36.72.01.1001")
    async with db.session() as s:
        await make_household(s, desa="36.72.01.1001", kk=kk, programme="JAMSOSRATU")
    with pytest.raises(IntegrityError):
        async with db.session() as s:
            await make_household(s, desa="36.72.01.1001", kk=kk, programme="JAMSOSRATU")
    # the same family card may be enrolled in Cilegon's own programme too
    async with db.session() as s:
        await make_household(s, desa="36.72.01.1001", kk=kk, programme="JSCM")
    async with db.session() as s:
        rows = (await s.execute(select(Household.programme_code).where(Household.kk == kk))).scalars().all()
    assert sorted(rows) == ["JAMSOSRATU", "JSCM"]


async def test_one_nik_across_all_households_and_programmes(db: Database) -> None:
    async with db.session() as s:
        first = await make_household(s, members=[{"name": "Hidayat", "age": 40}])
        other = await make_household(s, desa="36.72.01.1001", programme="JSCM", members=[{"name": "Ujang"}])
        nik = (await members_of(s, first))[0].nik
    with pytest.raises(IntegrityError):
        async with db.session() as s:
            await make_member(s, other, name="Hidayat (ganda)", nik=nik)
    assert await count(db, Member) == 2  # the failed transaction left nothing behind


async def test_one_verification_per_member_commitment_and_period(db: Database) -> None:
    async with db.session() as s:
        household = await make_household(s)
        child = (await members_of(s, household))[2]
        await make_visit(s, household, period="2026-11", checks=[(child, SCHOOL, CheckResult.MET)])
    # a second visit in the same period cannot verify the same commitment again …
    with pytest.raises(IntegrityError):
        async with db.session() as s:
            await make_visit(s, household, period="2026-11", checks=[(child, SCHOOL, CheckResult.NOT_MET, "sakit")])
    # … but the next period, or another commitment in the same period, can
    async with db.session() as s:
        await make_visit(s, household, period="2026-12", checks=[(child, SCHOOL, CheckResult.NOT_MET, "sakit")])
        visit = await s.scalar(select(Visit).where(Visit.period == "2026-11"))
        assert visit is not None
        s.add(
            CommitmentCheck(
                visit_id=visit.id,
                member_id=child.id,
                period="2026-11",
                commitment="disabilitas_pemeriksaan",
                result=CheckResult.MET,
            )
        )
    assert await count(db, CommitmentCheck) == 3
    assert await count(db, Visit) == 2


async def test_foreign_keys_are_enforced(db: Database) -> None:
    if db.is_sqlite:
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    async with db.session() as s:
        await make_household(s)
    cases = {
        "member of a missing household": Member(
            household_id=999_999,
            nik="3601014501150001",
            name="Yatim",
            relation="anak",
            sex=Sex.P,
            birth_date=date(2015, 1, 5),
        ),
        "household in a desa that does not exist": Household(
            programme_code="JAMSOSRATU",
            kk="3601010101200001",
            head_name="Tanpa Desa",
            desa_code="36.01.01.9999",
        ),
        "household of an unknown programme": Household(
            programme_code="PKH",
            kk="3601010101200002",
            head_name="Program Lain",
            desa_code="36.01.01.2001",
        ),
        "household of a pendamping who does not exist": Household(
            programme_code="JAMSOSRATU",
            kk="3601010101200003",
            head_name="Tanpa Pendamping",
            desa_code="36.01.01.2001",
            pendamping_id=424242,
        ),
        "visit to a missing household": Visit(
            id="f" * 32,
            household_id=999_999,
            period="2026-11",
            visited_on=date(2026, 11, 2),
            met=True,
        ),
    }
    for case, row in cases.items():
        with pytest.raises(IntegrityError):
            async with db.session() as s:
                s.add(row)
                await s.flush()
            pytest.fail(f"accepted: {case}")
    assert await count(db, Household) == 1


async def test_deleting_a_household_cascades_to_its_members_visits_and_checks(db: Database) -> None:
    async with db.session() as s:
        pendamping = await make_user(s)
        household = await make_household(s, pendamping=pendamping)
        keep = await make_household(s, pendamping=pendamping)
        child = (await members_of(s, household))[2]
        await make_visit(s, household, checks=[(child, SCHOOL, CheckResult.MET)])
        await make_visit(s, keep)
    async with db.session() as s:
        await s.execute(delete(Household).where(Household.id == household.id))
    assert await count(db, Member) == 3  # only the other household's
    assert await count(db, Visit) == 1
    assert await count(db, CommitmentCheck) == 0


async def test_a_user_still_assigned_households_cannot_be_deleted(db: Database) -> None:
    async with db.session() as s:
        pendamping = await make_user(s)
        await make_household(s, pendamping=pendamping)
    with pytest.raises(IntegrityError):
        async with db.session() as s:
            await s.execute(text("DELETE FROM app_user WHERE id = :id"), {"id": pendamping.id})


async def test_phone_and_telegram_id_belong_to_one_user(db: Database) -> None:
    async with db.session() as s:
        await make_user(s, phone="+6281234567890", telegram_id=1001)
    with pytest.raises(IntegrityError):
        async with db.session() as s:
            await make_user(s, phone="+6281234567890")
    with pytest.raises(IntegrityError):
        async with db.session() as s:
            await make_user(s, telegram_id=1001)
