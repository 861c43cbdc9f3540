"""Submitting a visit: exactly once, in scope, with what it records; sending it back and correcting it."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from models import forms, visits
from models.actor import Actor
from models.db import Database
from models.forms import Draft, StaleSession
from models.tables import (
    Audit,
    ChangeStatus,
    CheckResult,
    CommitmentCheck,
    DataChange,
    FormSession,
    Household,
    Member,
    Referral,
    ReviewStatus,
    Role,
    SchoolLevel,
    User,
    Visit,
)
from models.visit_facts import load_household_facts
from models.visits import Change, Check, ReferralInput, VisitError, VisitReport, deprivation_score, location_check
from tests.factories import make_household, make_user, make_visit, members_of

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


async def _setup(db: Database) -> tuple[Actor, Household, list[Member]]:
    async with db.session() as s:
        user = await make_user(s, Role.PENDAMPING, "36.01.01")
        household = await make_household(
            s,
            user,
            members=[{"name": "Hidayat", "age": 41}, {"name": "Rizki", "age": 9, "school_level": SchoolLevel.SD}],
        )
        return Actor.of(user), household, await members_of(s, household)


def _report(household: Household, members: list[Member], **extra: object) -> VisitReport:
    report = VisitReport(
        household_id=household.id,
        head_name=household.head_name,
        visited_on=date(2026, 11, 24),
        met=True,
        checks=[Check(members[1].id, "Rizki", "pendidikan_kehadiran", "kehadiran", CheckResult.NOT_MET, "sakit")],
        welfare={"lantai": True, "air": True, "listrik": False},
        condition={"rumah": "layak"},
        changes=[Change("telepon_baru", None, None, {"telepon": "+6281234567890"})],
        referrals=[ReferralInput("kesehatan", "periksa mata", members[1].id, "Rizki")],
        photo_file_id="AgAD",
        photo_hash="ab" * 32,
        latitude=-6.6,
        longitude=105.6,
        notes="baik",
    )
    for key, value in extra.items():
        setattr(report, key, value)
    return report


async def _draft(db: Database, actor: Actor, household: Household) -> Draft:
    async with db.session() as s:
        return await forms.create(
            s, user_id=actor.id, form="kunjungan", step="tinjau", now=NOW, household_id=household.id
        )


async def _count(db: Database, table: type) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(table)) or 0)


async def test_submit_records_the_visit_its_checks_changes_referrals_and_an_audit_row(db: Database) -> None:
    actor, household, members = await _setup(db)
    draft = await _draft(db, actor, household)
    async with db.session() as s:
        result = await visits.submit(s, actor, draft, _report(household, members), late=True, now=NOW)
    assert result.visit_id == draft.id and result.short_id == draft.id[:8].upper() and result.late
    async with db.session() as s:
        visit = await s.get(Visit, draft.id)
        assert visit is not None and visit.period == "2026-11" and visit.deprivation_score == 2
        assert visit.pendamping_id == actor.id and visit.late and visit.review_status is ReviewStatus.PENDING
        check = await s.scalar(select(CommitmentCheck))
        assert check is not None and (check.result, check.reason, check.period) == (
            CheckResult.NOT_MET,
            "sakit",
            "2026-11",
        )
        change = await s.scalar(select(DataChange))
        assert change is not None and change.status is ChangeStatus.PROPOSED and change.proposed_by == actor.id
        referral = await s.scalar(select(Referral))
        assert referral is not None and referral.visit_id == draft.id and referral.member_id == members[1].id
        assert await s.scalar(select(Audit.action).where(Audit.entity_id == draft.id)) == "visit.submit"
        row = await s.get(FormSession, draft.id)
        assert row is not None and row.status == "submitted"
        household_row = await s.get(Household, household.id)
        assert household_row is not None and household_row.phone is None  # proposed, not applied


async def test_submitting_the_same_draft_again_reports_already_and_adds_nothing(db: Database) -> None:
    actor, household, members = await _setup(db)
    draft = await _draft(db, actor, household)
    stale_copy = Draft(**{**draft.__dict__})
    async with db.session() as s:
        await visits.submit(s, actor, draft, _report(household, members), late=False, now=NOW)
    async with db.session() as s:
        again = await visits.submit(s, actor, stale_copy, _report(household, members), late=False, now=NOW)
    assert again.already and again.visit_id == draft.id
    assert await _count(db, Visit) == 1 and await _count(db, CommitmentCheck) == 1 and await _count(db, Referral) == 1


async def test_two_processes_submitting_at_once_make_one_visit(db: Database) -> None:
    actor, household, members = await _setup(db)
    draft = await _draft(db, actor, household)
    other = Database(db.url)

    async def submit(database: Database) -> str:
        try:
            async with database.session() as s:
                result = await visits.submit(
                    s, actor, Draft(**{**draft.__dict__}), _report(household, members), late=False, now=NOW
                )
                return "already" if result.already else "new"
        except StaleSession:
            return "stale"

    try:
        outcomes = await asyncio.gather(submit(db), submit(other))
    finally:
        await other.dispose()
    assert sorted(outcomes) == ["already", "new"]  # the loser is told it was sent, not to try again
    assert await _count(db, Visit) == 1 and await _count(db, DataChange) == 1


async def test_a_household_outside_the_actors_scope_cannot_be_reported(db: Database) -> None:
    actor, household, members = await _setup(db)
    async with db.session() as s:
        intruder = Actor.of(await make_user(s, Role.PENDAMPING, "36.01.01"))
        draft = await forms.create(s, user_id=intruder.id, form="kunjungan", step="tinjau", now=NOW)
    with pytest.raises(VisitError):
        async with db.session() as s:
            await visits.submit(s, intruder, draft, _report(household, members), late=False, now=NOW)
    assert await _count(db, Visit) == 0


async def test_a_second_visit_in_the_period_updates_the_members_verification(db: Database) -> None:
    actor, household, members = await _setup(db)
    async with db.session() as s:
        await visits.submit(
            s,
            actor,
            await forms.create(s, user_id=actor.id, form="kunjungan", step="t", now=NOW),
            _report(household, members),
            late=False,
            now=NOW,
        )
    follow_up = _report(
        household,
        members,
        visited_on=date(2026, 11, 28),
        changes=[],
        referrals=[],
        checks=[Check(members[1].id, "Rizki", "pendidikan_kehadiran", "k", CheckResult.MET)],
    )
    async with db.session() as s:
        draft = await forms.create(s, user_id=actor.id, form="kunjungan", step="t", now=NOW)
        await visits.submit(s, actor, draft, follow_up, late=False, now=NOW)
    async with db.session() as s:
        checks = (await s.scalars(select(CommitmentCheck))).all()
    assert [(c.visit_id, c.result) for c in checks] == [(draft.id, CheckResult.MET)]


async def test_returned_report_is_corrected_under_the_same_id_replacing_what_it_recorded(db: Database) -> None:
    actor, household, members = await _setup(db)
    draft = await _draft(db, actor, household)
    async with db.session() as s:
        await visits.submit(s, actor, draft, _report(household, members), late=True, now=NOW)
        koordinator = Actor.of(await make_user(s, Role.KOORDINATOR, "36.01"))
    async with db.session() as s:
        await visits.reopen_for_correction(s, draft.id, "komitmen", "Rizki sekolah, cek lagi", koordinator, now=NOW)
    async with db.session() as s:
        visit = await s.get(Visit, draft.id)
        assert visit is not None and visit.review_status is ReviewStatus.RETURNED
        assert visit.review_note == "Rizki sekolah, cek lagi" and visit.reviewer_id == koordinator.id
        stored = await visits.returned_session(s, actor, draft.id)
        assert stored is not None and stored.answers["_return"] == {
            "section": "komitmen",
            "note": "Rizki sekolah, cek lagi",
        }
        await forms.reopen(s, draft.id, step="tinjau", answers=stored.answers, now=NOW)
        reopened = await forms.load(s, draft.id, actor.id)
    assert reopened is not None
    fixed = _report(
        household,
        members,
        changes=[],
        referrals=[],
        checks=[Check(members[1].id, "Rizki", "pendidikan_kehadiran", "k", CheckResult.MET)],
    )
    async with db.session() as s:
        result = await visits.submit(s, actor, reopened, fixed, late=False, now=NOW)
    assert result.corrected and result.visit_id == draft.id and result.late  # late as first sent
    async with db.session() as s:
        visit = await s.get(Visit, draft.id)
        assert visit is not None and visit.review_status is ReviewStatus.PENDING
        assert [c.result for c in (await s.scalars(select(CommitmentCheck))).all()] == [CheckResult.MET]
    assert await _count(db, Visit) == 1 and await _count(db, DataChange) == 0 and await _count(db, Referral) == 0


async def test_sending_back_needs_the_reviewers_scope_and_a_known_section(db: Database) -> None:
    actor, household, members = await _setup(db)
    async with db.session() as s:
        visit = await make_visit(s, await s.get_one(Household, household.id), actor.id)
        elsewhere = Actor.of(await make_user(s, Role.KOORDINATOR, "36.02"))
        here = Actor.of(await make_user(s, Role.KOORDINATOR, "36.01"))
    with pytest.raises(VisitError):
        async with db.session() as s:
            await visits.reopen_for_correction(s, visit.id, None, "x", elsewhere, now=NOW)
    with pytest.raises(ValueError):
        async with db.session() as s:
            await visits.reopen_for_correction(s, visit.id, "foto", "x", here, now=NOW)
    async with db.session() as s:  # a visit that did not come from a form gets a session to correct it in
        await visits.reopen_for_correction(s, visit.id, None, "lengkapi", here, now=NOW)
    async with db.session() as s:
        stored = await visits.returned_session(s, actor, visit.id)
    assert stored is not None and stored.answers.get("_rebuild") is True and stored.status == "submitted"


async def test_household_facts_remember_the_last_point_and_yearly_checks(db: Database) -> None:
    actor, household, members = await _setup(db)
    async with db.session() as s:
        hh = await s.get_one(Household, household.id)
        await make_visit(
            s,
            hh,
            actor.id,
            visited_on=date(2026, 3, 2),
            latitude=-6.5,
            longitude=105.7,
            checks=[(members[0], "lansia_pemeriksaan", CheckResult.MET)],
        )
        await make_visit(s, hh, actor.id, visited_on=date(2026, 10, 2), welfare={"lantai": True})
    async with db.session() as s:
        facts = await load_household_facts(s, actor, household.id)
        stranger = Actor.of(await s.get_one(User, (await make_user(s)).id))
        assert await load_household_facts(s, stranger, household.id) is None
    assert facts is not None and facts.last_point == (-6.5, 105.7) and facts.last_welfare == {"lantai": True}
    assert facts.last_met == {str(members[0].id): {"lansia_pemeriksaan": "2026-03"}}
    assert [m.name for m in facts.members] == ["Hidayat", "Rizki"]  # oldest first


def test_deprivation_score_counts_yes_among_answered_indicators() -> None:
    assert deprivation_score({"lantai": True, "air": False, "jamban": True}) == 2
    assert deprivation_score({}) is None
    assert deprivation_score({"bukan_indikator": True}) is None


def test_location_is_flagged_only_beyond_the_limit_and_only_with_a_known_point() -> None:
    serang = (-6.1200, 106.1503)
    assert location_check(None, serang, 5.0) == (False, None)
    flagged, km = location_check(serang, (-6.1200, 106.1700), 5.0)
    assert not flagged and km is not None and 2.1 < km < 2.3
    flagged, km = location_check(serang, (-6.1200, 106.2000), 5.0)
    assert flagged and km is not None and 5.4 < km < 5.6
