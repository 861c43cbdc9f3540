"""Period close on the hand-computed world (tests/period_close_world.py): verdicts, decisions, sign-off, freezing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from models import period_close
from models.calendar import WorkCalendar
from models.db import Database
from models.queries import compliance
from models.tables import (
    Audit,
    PeriodAdjustment,
    PeriodVerdict,
    Programme,
    ReviewStatus,
    Verdict,
    Visit,
)
from tests.period_close_world import CLOSED, OCT, World, actor, build

CALENDAR = WorkCalendar()


@pytest.fixture
async def world(db: Database) -> World:
    return await build(db)


async def verdicts(db: Database, world: World) -> dict[str, tuple[str, str, bool, int | None, str | None]]:
    names = {v: k for k, v in world.households.items()}
    async with db.session() as s:
        rows = (await s.scalars(select(PeriodVerdict).where(PeriodVerdict.period == str(OCT)))).all()
    return {
        names[r.household_id]: (r.verdict.value, r.reason.value, r.disburse, r.member_id, r.commitment) for r in rows
    }


async def close(
    db: Database, area: str = "36", *, dry_run: bool = False, now: datetime = CLOSED
) -> period_close.CloseReport:
    return await period_close.close_period(db, OCT, CALENDAR, now, area=area, dry_run=dry_run)


async def test_every_verdict_and_edge_is_as_hand_computed(db: Database, world: World) -> None:
    report = await close(db)
    found = await verdicts(db, world)
    assert found == {
        "layak": ("layak_salur", "terverifikasi", True, None, None),
        "tingkat3": (
            "direkomendasikan_ditangguhkan", "tingkat_3", True, world.members["tingkat3"], "pendidikan_kehadiran",
        ),
        "tingkat2": ("layak_salur", "terverifikasi", True, None, None),
        "kosong": ("belum_terverifikasi", "tanpa_laporan", True, None, None),
        "absen": ("belum_terverifikasi", "keluarga_tidak_ditemui", True, None, None),
        "telat": ("belum_terverifikasi", "laporan_belum_disetujui", True, None, None),
        "wisuda": ("layak_salur", "terverifikasi", True, None, None),
        "tangerang": ("layak_salur", "terverifikasi", True, None, None),
        "cilegon": ("belum_terverifikasi", "tanpa_laporan", True, None, None),
    }  # fmt: skip
    lebak = next(a for a in report.areas if a.code == "36.02")
    assert lebak.counts == {"layak_salur": 3, "direkomendasikan_ditangguhkan": 1, "belum_terverifikasi": 3}
    assert report.added == 9 and report.total(Verdict.ELIGIBLE) == 4


async def test_recommendations_are_the_members_kepatuhan_shows_at_level_three(db: Database, world: World) -> None:
    await close(db)
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        gaps = await compliance.gaps_by_commitment(s, dedi, "36.02", OCT)
        level_three, _ = await compliance.gap_members(s, dedi, "36.02", OCT, "pendidikan_kehadiran")
    assert {g.commitment: g.by_level for g in gaps} == {"pendidikan_kehadiran": {2: 1, 3: 1}}
    recommended = {m for _, _, _, m, _ in (await verdicts(db, world)).values() if m is not None}
    assert recommended == {r.member_id for r in level_three if r.level == 3}


@pytest.fixture
async def jscm_holds(db: Database) -> AsyncIterator[None]:
    """JSCM's file says ``[disbursement] unverified = "tahan"`` (and an amount) for one test; restored after."""
    async with db.session() as s:
        jscm = await s.get(Programme, "JSCM")
        assert jscm is not None
        shipped = dict(jscm.rules)
        rules = shipped | {"disbursement": {"unverified": "tahan", "recipient": "ibu", "amount": 300000}}
        await s.execute(update(Programme).where(Programme.code == "JSCM").values(rules=rules))
    yield
    async with db.session() as s:
        await s.execute(update(Programme).where(Programme.code == "JSCM").values(rules=shipped))


async def test_a_held_programme_does_not_pay_its_unverified_households(
    db: Database, world: World, jscm_holds: None
) -> None:
    await close(db)
    found = await verdicts(db, world)
    assert found["cilegon"][:3] == ("belum_terverifikasi", "tanpa_laporan", False)
    assert found["kosong"][:3] == ("belum_terverifikasi", "tanpa_laporan", True)  # JAMSOSRATU still pays


async def test_dry_run_counts_and_stores_nothing(db: Database, world: World) -> None:
    report = await close(db, dry_run=True)
    assert report.dry_run and next(a for a in report.areas if a.code == "36.02").counts["belum_terverifikasi"] == 3
    assert await verdicts(db, world) == {}


async def test_storing_before_the_close_is_refused_but_a_dry_run_is_not(db: Database, world: World) -> None:
    deadline_day = datetime(2026, 11, 6, 3, 0, tzinfo=UTC)  # JAMSOSRATU's 5th working day: reports still come
    with pytest.raises(period_close.PeriodCloseError) as refused:
        await close(db, now=deadline_day)
    assert refused.value.code == "not_closed" and refused.value.detail == "2026-11-07"
    assert (await close(db, now=deadline_day, dry_run=True)).areas


async def test_scope_of_the_area_option(db: Database, world: World) -> None:
    report = await close(db, "36.03")
    assert [a.code for a in report.areas] == ["36.03"]
    assert set(await verdicts(db, world)) == {"tangerang"}
    with pytest.raises(period_close.PeriodCloseError):
        await close(db, "36.02.01")


async def test_a_second_close_changes_nothing_decided_and_picks_up_a_late_approval(db: Database, world: World) -> None:
    await close(db)
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        row_id = await s.scalar(
            select(PeriodVerdict.id).where(PeriodVerdict.household_id == world.households["tingkat3"])
        )
        assert row_id is not None
        await period_close.decide(s, dedi, row_id, confirm=True, reason=None, now=CLOSED)
        await s.execute(
            update(Visit)
            .where(Visit.household_id == world.households["telat"])
            .values(review_status=ReviewStatus.APPROVED)
        )
    again = await close(db, "36.02", now=CLOSED + timedelta(days=1))
    found = await verdicts(db, world)
    assert found["tingkat3"][:3] == ("ditangguhkan", "tingkat_3", False)  # decided: kept
    assert found["telat"][:2] == ("layak_salur", "terverifikasi")  # approved before sign-off: counts
    assert (again.removed, again.added) == (1, 1)
    third = await close(db, "36.02", now=CLOSED + timedelta(days=2))
    assert (third.removed, third.added) == (0, 0)


async def test_override_needs_a_reason_and_every_decision_is_audited(db: Database, world: World) -> None:
    await close(db)
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        row_id = await s.scalar(
            select(PeriodVerdict.id).where(PeriodVerdict.household_id == world.households["tingkat3"])
        )
        assert row_id is not None
    with pytest.raises(period_close.PeriodCloseError) as refused:
        async with db.session() as s:
            await period_close.decide(s, dedi, row_id, confirm=False, reason="  ", now=CLOSED)
    assert refused.value.code == "reason_needed"
    async with db.session() as s:
        row = await period_close.decide(s, dedi, row_id, confirm=False, reason="anak sakit, surat dokter", now=CLOSED)
        assert (row.verdict, row.disburse, row.override_reason) == (Verdict.ELIGIBLE, True, "anak sakit, surat dokter")
    async with db.session() as s:
        actions = (await s.scalars(select(Audit.action).where(Audit.entity == "period_verdict"))).all()
    assert actions == ["period.override"]


async def test_sign_off_waits_for_decisions_then_freezes_the_list(db: Database, world: World) -> None:
    await close(db)
    dedi = await actor(db, world, "dedi")
    with pytest.raises(period_close.PeriodCloseError) as refused:
        async with db.session() as s:
            await period_close.sign(s, dedi, "36.02", OCT, CLOSED)
    assert refused.value.code == "undecided"
    async with db.session() as s:
        row_id = await s.scalar(
            select(PeriodVerdict.id).where(PeriodVerdict.household_id == world.households["tingkat3"])
        )
        assert row_id is not None
        await period_close.decide(s, dedi, row_id, confirm=True, reason=None, now=CLOSED)
        await period_close.sign(s, dedi, "36.02", OCT, CLOSED)
    before = await verdicts(db, world)
    async with db.session() as s:  # the late report is approved only after the signature
        await s.execute(
            update(Visit)
            .where(Visit.household_id == world.households["telat"])
            .values(review_status=ReviewStatus.APPROVED)
        )
    report = await close(db, now=CLOSED + timedelta(days=3))
    assert await verdicts(db, world) == before
    lebak = next(a for a in report.areas if a.code == "36.02")
    assert lebak.signed and (report.removed, report.added) == (0, 0)
    with pytest.raises(period_close.PeriodCloseError) as frozen:
        async with db.session() as s:
            await period_close.decide(s, dedi, row_id, confirm=False, reason="salah", now=CLOSED)
    assert frozen.value.code == "signed"
    async with db.session() as s:
        telat_id = await s.scalar(
            select(PeriodVerdict.id).where(PeriodVerdict.household_id == world.households["telat"])
        )
        assert telat_id is not None
        adjustment = await period_close.adjust(s, dedi, telat_id, reason="laporan terlambat disetujui", now=CLOSED)
    assert (adjustment.verdict_before, adjustment.verdict_after, adjustment.disburse) == (
        Verdict.UNVERIFIED, Verdict.ELIGIBLE, True,
    )  # fmt: skip
    assert (await verdicts(db, world))["telat"][0] == "belum_terverifikasi"  # the signed row stays as signed
    async with db.session() as s:
        assert (await s.scalars(select(PeriodAdjustment.reason))).all() == ["laporan terlambat disetujui"]
        actions = (await s.scalars(select(Audit.action).where(Audit.action.like("period.%")).order_by(Audit.id))).all()
    assert actions[-3:] == ["period.sign", "period.close", "period.adjust"] or "period.sign" in actions


async def test_a_koordinator_cannot_decide_or_sign_another_kabupaten(db: Database, world: World) -> None:
    await close(db)
    joko = await actor(db, world, "joko")  # Tangerang
    async with db.session() as s:
        row_id = await s.scalar(
            select(PeriodVerdict.id).where(PeriodVerdict.household_id == world.households["tingkat3"])
        )
        assert row_id is not None
    for attempt in (
        lambda s: period_close.decide(s, joko, row_id, confirm=True, reason=None, now=CLOSED),
        lambda s: period_close.sign(s, joko, "36.02", OCT, CLOSED),
    ):
        with pytest.raises(period_close.PeriodCloseError) as refused:
            async with db.session() as s:
                await attempt(s)
        assert refused.value.code in ("not_found", "not_allowed")
    assert (await verdicts(db, world))["tingkat3"][0] == "direkomendasikan_ditangguhkan"
