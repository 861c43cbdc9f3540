"""Review decisions change the registry only through scope, with an audit row for each change."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from models import forms, graduation_proposals, review, visits
from models.db import Database
from models.queries import review as queue
from models.tables import (
    Audit,
    ChangeStatus,
    DataChange,
    GraduationProposal,
    Household,
    HouseholdStatus,
    Member,
    ProposalStatus,
    Referral,
    ReferralStatus,
    Relation,
    ReviewStatus,
    Visit,
)
from tests.supervisor_world import World, actor, build

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.fixture
async def world(db: Database) -> World:
    return await build(db)


async def _actions(db: Database) -> list[str]:
    async with db.session() as s:
        return list(await s.scalars(select(Audit.action).order_by(Audit.id)))


async def test_return_fix_resubmit_approve_then_accept_the_change_updates_the_registry_with_audit(
    db: Database, world: World
) -> None:
    dedi, siti = await actor(db, world, "dedi"), await actor(db, world, "siti")
    visit_id = world.visits["h1-11"]
    async with db.session() as s:
        returned = await review.return_visit(s, dedi, visit_id, "perubahan", "Nomor HP kurang satu digit", NOW)
    assert (returned.head_name, returned.pendamping_id, returned.section) == (
        "Hidayat",
        world.users["siti"],
        "perubahan",
    )

    # The pendamping corrects the phone number and resubmits through the report's own submit (issue 6).
    async with db.session() as s:
        assert await visits.returned_session(s, siti, visit_id) is not None
        await forms.reopen(s, visit_id, step="tinjau", answers={}, now=NOW)
        draft = await forms.load(s, visit_id, siti.id)
        assert draft is not None
        report = visits.VisitReport(
            household_id=world.households["h1"],
            head_name="Hidayat",
            visited_on=date(2026, 11, 9),
            met=True,
            welfare={"lantai": True, "jamban": True},
            changes=[visits.Change(kind="telepon_baru", values={"telepon": "0813-7777-8899"})],
        )
        submitted = await visits.submit(s, siti, draft, report, late=False, now=NOW)
    assert submitted.corrected

    async with db.session() as s:
        approved = await review.approve_visit(s, dedi, visit_id, NOW)
    assert approved.pending_changes == 1  # approving the report leaves its change for its own decision
    async with db.session() as s:
        household = await s.get(Household, world.households["h1"])
        change_id = await s.scalar(select(DataChange.id).where(DataChange.visit_id == visit_id))
    assert household is not None and household.phone is None and change_id is not None
    async with db.session() as s:
        outcome = await review.decide_change(s, dedi, change_id, approve=True, now=NOW)
    assert (outcome.kind, outcome.applied, outcome.visit_id) == ("telepon_baru", True, visit_id)
    async with db.session() as s:
        household = await s.get(Household, world.households["h1"])
        visit = await s.get(Visit, visit_id)
        audit_row = await s.scalar(select(Audit).where(Audit.action == "registry.update"))
    assert household is not None and household.phone == "+6281377778899"
    assert visit is not None and visit.review_status is ReviewStatus.APPROVED and visit.reviewer_id == dedi.id
    assert (
        audit_row is not None and audit_row.after == {"phone": "+6281377778899"} and audit_row.before == {"phone": None}
    )
    actions = await _actions(db)
    assert actions.index("visit.return") < actions.index("visit.resubmit") < actions.index("visit.approve")
    assert actions.index("visit.approve") < actions.index("registry.update")


async def test_a_visit_of_another_kabupaten_cannot_be_decided(db: Database, world: World) -> None:
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        with pytest.raises(review.ReviewError) as refused:
            await review.approve_visit(s, dedi, world.visits["h6-11"], NOW)
    assert refused.value.code == "not_found"
    async with db.session() as s:
        visit = await s.get(Visit, world.visits["h6-11"])
    assert visit is not None and visit.review_status is ReviewStatus.PENDING


async def test_an_approved_report_cannot_be_approved_or_returned_again(db: Database, world: World) -> None:
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        await review.approve_visit(s, dedi, world.visits["h4-11"], NOW)
    for attempt in (
        lambda s: review.approve_visit(s, dedi, world.visits["h4-11"], NOW),
        lambda s: review.return_visit(s, dedi, world.visits["h4-11"], None, "x", NOW),
    ):
        async with db.session() as s:
            with pytest.raises(review.ReviewError) as refused:
                await attempt(s)
        assert refused.value.code == "not_pending"


async def test_new_member_change_is_applied_when_accepted_and_a_bad_one_waits_for_a_person(
    db: Database, world: World
) -> None:
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        good = DataChange(
            visit_id=world.visits["h4-11"],
            household_id=world.households["h4"],
            kind="kelahiran",
            new_value={
                "nama": "Bayi Sukma",
                "tanggal_lahir": "02-11-2026",
                "jenis_kelamin": "P",
                "nik": "3602174211260001",
            },
            status=ChangeStatus.PROPOSED,
        )
        bad = DataChange(
            visit_id=world.visits["h4-11"],
            household_id=world.households["h4"],
            kind="kelahiran",
            new_value={"nama": "Tanpa NIK", "tanggal_lahir": "2026-11-02", "jenis_kelamin": "L"},
            status=ChangeStatus.PROPOSED,
        )
        s.add_all([good, bad])
        await s.flush()
        ids = [good.id, bad.id]
    async with db.session() as s:
        approved = await review.approve_visit(s, dedi, world.visits["h4-11"], NOW)
    assert approved.pending_changes == 2
    outcomes = []
    for change_id in ids:
        async with db.session() as s:
            outcomes.append(await review.decide_change(s, dedi, change_id, approve=True, now=NOW))
    assert [(o.applied, o.problem is None) for o in outcomes] == [(True, True), (False, False)]
    async with db.session() as s:
        baby = await s.scalar(select(Member).where(Member.nik == "3602174211260001"))
        statuses = list(
            await s.scalars(
                select(DataChange.status)
                .where(DataChange.household_id == world.households["h4"])
                .order_by(DataChange.id)
            )
        )
    assert baby is not None and baby.birth_date == date(2026, 11, 2) and baby.household_id == world.households["h4"]
    assert statuses == [ChangeStatus.APPROVED, ChangeStatus.PROPOSED]


async def test_a_move_in_keeps_its_relationship_and_can_never_be_a_second_head(db: Database, world: World) -> None:
    """The chat asks a move-in's relationship (docs/import.md); verifying stores it, and a "kepala keluarga" —
    a second head of the KK — waits for a person instead of being applied."""
    dedi = await actor(db, world, "dedi")
    values = {"nama": "Nenek Sukma", "nik": "3602174504600001"}
    async with db.session() as s:
        changes = [
            DataChange(
                visit_id=world.visits["h4-11"], household_id=world.households["h4"], kind="pindah_masuk",
                new_value={**values, "hubungan": relation}, status=ChangeStatus.PROPOSED,
            )
            for relation in ("kepala keluarga", "mertua")
        ]  # fmt: skip
        s.add_all(changes)
        await s.flush()
        ids = [c.id for c in changes]
    outcomes = []
    for change_id in ids:
        async with db.session() as s:
            outcomes.append(await review.decide_change(s, dedi, change_id, approve=True, now=NOW))
    assert [o.applied for o in outcomes] == [False, True]
    assert outcomes[0].problem is not None and "kepala keluarga" in outcomes[0].problem
    async with db.session() as s:
        nenek = await s.scalar(select(Member).where(Member.nik == values["nik"]))
    assert nenek is not None and nenek.relation is Relation.MERTUA and nenek.household_id == world.households["h4"]


async def test_reject_change_and_close_referral_are_audited(db: Database, world: World) -> None:
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        outcome = await review.decide_change(s, dedi, world.changes["phone"], approve=False, now=NOW)
        await review.close_referral(s, dedi, world.referrals["opened"], NOW, note="seragam diberikan")
    assert not outcome.applied
    async with db.session() as s:
        change = await s.get(DataChange, world.changes["phone"])
        referral = await s.get(Referral, world.referrals["opened"])
        household = await s.get(Household, world.households["h1"])
    assert change is not None and change.status is ChangeStatus.REJECTED and change.decided_by == dedi.id
    assert referral is not None and referral.status is ReferralStatus.HANDLED and referral.updated_at == NOW
    assert household is not None and household.phone is None
    assert {"data_change.reject", "referral.close"} <= set(await _actions(db))


async def test_graduation_is_proposed_by_koordinator_and_confirmed_only_by_admin(db: Database, world: World) -> None:
    dedi, admin = await actor(db, world, "dedi"), await actor(db, world, "admin")
    h5 = world.households["h5"]
    async with db.session() as s:
        proposal = await graduation_proposals.propose_graduation(s, dedi, h5, ["tanpa_komitmen"], NOW)
        again = await graduation_proposals.propose_graduation(s, dedi, h5, ["tanpa_komitmen"], NOW)
    assert proposal == again
    async with db.session() as s:
        with pytest.raises(review.ReviewError) as refused:
            await graduation_proposals.decide_graduation(s, dedi, proposal, True, NOW)
    assert refused.value.code == "not_allowed"
    async with db.session() as s:
        assert (await s.get(Household, h5)).status is HouseholdStatus.AKTIF  # type: ignore[union-attr]
        await graduation_proposals.decide_graduation(s, admin, proposal, True, NOW)
    async with db.session() as s:
        household = await s.get(Household, h5)
        row = await s.get(GraduationProposal, proposal)
        confirm = await s.scalar(select(Audit).where(Audit.action == "graduation.confirm"))
    assert household is not None and household.status is HouseholdStatus.GRADUASI
    assert row is not None and row.status is ProposalStatus.CONFIRMED and row.decided_by == admin.id
    assert confirm is not None and confirm.before == {"status": "aktif"} and confirm.entity_id == str(h5)


async def test_pending_return_note_survives_sessions_and_expires(db: Database, world: World) -> None:
    dedi = await actor(db, world, "dedi")
    telegram_id = 7001
    async with db.session() as s:
        from models.tables import User

        user = await s.get(User, dedi.id)
        assert user is not None
        user.telegram_id = telegram_id
        await review.begin_return_note(s, dedi, world.visits["h1-11"], "bukti", NOW)
    async with db.session() as s:
        pending = await review.pending_return_note(s, telegram_id, NOW)
        stale = await review.pending_return_note(s, telegram_id, NOW + review.NOTE_TTL * 2)
    assert pending == review.PendingNote(world.visits["h1-11"], "bukti")
    assert stale is None


async def test_the_waiting_count_from_the_rollup_equals_the_count_of_the_visits(db: Database, world: World) -> None:
    """``count_waiting`` reads a koordinator's area from ``visit_tally`` and a pendamping's from the visits."""
    dedi, admin = await actor(db, world, "dedi"), await actor(db, world, "admin")
    async with db.session() as s:
        await review.approve_visit(s, dedi, world.visits["h4-11"], NOW)
    async with db.session() as s:
        area = await queue.count_waiting(s, dedi, "36.02")
        province = await queue.count_waiting(s, admin, "36")
        by_pendamping = [
            await queue.count_waiting(s, admin, "36", pendamping_id=world.users[key])
            for key in ("siti", "dewi", "rudi")
        ]
        direct = await s.scalar(
            select(func.count()).select_from(Visit).where(Visit.review_status == ReviewStatus.PENDING)
        )
    assert (area, province, by_pendamping, direct) == (1, 2, [1, 0, 1], 2)
