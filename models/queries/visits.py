"""Reading visits back: a pendamping's history, one report in full, and a household's open business.

All scoped through ``households_of(actor)``: a forged visit id outside one's scope reads as "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.actor import Actor
from models.forms import DraftMeta
from models.scope import households_of
from models.tables import (
    ChangeStatus,
    CheckResult,
    CommitmentCheck,
    DataChange,
    FormSession,
    Household,
    Member,
    Referral,
    ReferralStatus,
    ReviewStatus,
    Role,
    User,
    Visit,
)
from models.visit_facts import programme_rules
from models.visits import SECTIONS, Change, Check, ReferralInput, VisitReport

HISTORY_SIZE = 10


@dataclass(frozen=True, slots=True)
class VisitLine:
    visit_id: str
    household_id: int
    head_name: str
    visited_on: date
    met: bool
    review_status: str
    review_note: str | None
    late: bool


@dataclass(frozen=True, slots=True)
class ReferralLine:
    sector: str
    need: str
    status: str
    member_name: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ChangeLine:
    kind: str
    member_name: str | None
    new_value: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class HouseholdActivity:
    last_visits: list[VisitLine]
    open_referrals: list[ReferralLine]
    pending_changes: list[ChangeLine]


def _line(row: Any) -> VisitLine:
    return VisitLine(
        visit_id=row.id,
        household_id=row.household_id,
        head_name=row.head_name,
        visited_on=row.visited_on,
        met=row.met,
        review_status=row.review_status.value,
        review_note=row.review_note,
        late=row.late,
    )


async def recent_visits(
    session: AsyncSession, actor: Actor, *, household_id: int | None = None, limit: int = HISTORY_SIZE
) -> list[VisitLine]:
    """Newest first. Without a household: a pendamping's own reports (a supervisor's: their area's)."""
    stmt = (
        select(
            Visit.id,
            Visit.household_id,
            Household.head_name,
            Visit.visited_on,
            Visit.met,
            Visit.review_status,
            Visit.review_note,
            Visit.late,
        )
        .join(Household, Household.id == Visit.household_id)
        .where(households_of(actor))
    )
    if household_id is not None:
        stmt = stmt.where(Visit.household_id == household_id)
    elif actor.role is Role.PENDAMPING:
        stmt = stmt.where(Visit.pendamping_id == actor.id)
    # By the visit's date, the one each line shows (a late report submitted today of a visit last week sits
    # below this week's visits); the submission time only breaks ties.
    ordered = stmt.order_by(Visit.visited_on.desc(), Visit.submitted_at.desc(), Visit.id)
    rows = (await session.execute(ordered.limit(limit))).all()
    return [_line(r) for r in rows]


async def load_report(session: AsyncSession, actor: Actor, visit_id: str) -> VisitReport | None:
    """One stored visit as a ``VisitReport`` (what the review screen showed), or None outside scope."""
    row = (
        await session.execute(
            select(Visit, Household.head_name, Household.programme_code, User.name)
            .join(Household, Household.id == Visit.household_id)
            .outerjoin(User, User.id == Visit.pendamping_id)
            .where(Visit.id == visit_id, households_of(actor))
        )
    ).first()
    if row is None:
        return None
    visit, head_name, programme, pendamping_name = row
    rules = await programme_rules(session, programme)
    labels = {rule.code: (rule.label, rule.label_en) for rule in rules.commitments}
    checks = (
        await session.execute(
            select(CommitmentCheck, Member.name)
            .join(Member, Member.id == CommitmentCheck.member_id)
            .where(CommitmentCheck.visit_id == visit_id)
            .order_by(Member.birth_date, Member.id, CommitmentCheck.id)
        )
    ).all()
    changes = (
        await session.execute(
            select(DataChange, Member.name)
            .outerjoin(Member, Member.id == DataChange.member_id)
            .where(DataChange.visit_id == visit_id)
            .order_by(DataChange.id)
        )
    ).all()
    referrals = (
        await session.execute(
            select(Referral, Member.name)
            .outerjoin(Member, Member.id == Referral.member_id)
            .where(Referral.visit_id == visit_id)
            .order_by(Referral.id)
        )
    ).all()
    photo_skip, location_skip = _evidence_skips(visit.evidence_note)
    section = await returned_section(session, visit_id) if visit.review_status is ReviewStatus.RETURNED else None
    return VisitReport(
        household_id=visit.household_id,
        head_name=head_name,
        visited_on=visit.visited_on,
        met=visit.met,
        not_met_reason=visit.not_met_reason,
        checks=[
            Check(
                c.member_id,
                name,
                c.commitment,
                labels.get(c.commitment, (c.commitment, ""))[0],
                CheckResult(c.result),
                c.reason,
                labels.get(c.commitment, ("", ""))[1],
                c.reason_note,
            )
            for c, name in checks
        ],
        condition=dict(visit.condition or {}),
        welfare=dict(visit.welfare or {}),
        changes=[
            Change(d.kind, d.member_id, name, {k: str(v) for k, v in (d.new_value or {}).items()})
            for d, name in changes
        ],
        referrals=[ReferralInput(r.sector, r.need, r.member_id, name) for r, name in referrals],
        photo_file_id=visit.photo_file_id,
        photo_hash=visit.photo_hash,
        photo_skip_reason=photo_skip,
        latitude=visit.latitude,
        longitude=visit.longitude,
        location_skip_reason=location_skip,
        notes=visit.notes,
        other_reasons={str(k): str(v) for k, v in (visit.other_reasons or {}).items()},
        location_flagged=visit.location_flagged,
        visit_id=visit.id,
        late=visit.late,
        review_status=visit.review_status.value,
        review_note=visit.review_note,
        review_section=section,
        pendamping_name=pendamping_name,
    )


async def returned_section(session: AsyncSession, visit_id: str) -> str | None:
    """The section the supervisor flagged when returning the visit: kept in its form session's return marker
    (``models.visits.reopen_for_correction``), which the correction reopens at; None for the whole report."""
    answers = await session.scalar(select(FormSession.answers).where(FormSession.id == visit_id))
    marker = DraftMeta(dict(answers or {})).returned or {}
    section = marker.get("section")
    return section if isinstance(section, str) and section in SECTIONS else None


def _evidence_skips(note: str | None) -> tuple[str | None, str | None]:
    photo = location = None
    for part in (note or "").split(";"):
        kind, _, reason = part.strip().partition(":")
        if kind == "foto":
            photo = reason or None
        elif kind == "lokasi":
            location = reason or None
    return photo, location


async def household_activity(
    session: AsyncSession, actor: Actor, household_id: int, *, visits: int = 3
) -> HouseholdActivity | None:
    """For the household card: last visits, referrals not yet handled, data changes awaiting verification."""
    in_scope = await session.scalar(select(Household.id).where(Household.id == household_id, households_of(actor)))
    if in_scope is None:
        return None
    last = await recent_visits(session, actor, household_id=household_id, limit=visits)
    referral_rows = (
        await session.execute(
            select(Referral, Member.name)
            .outerjoin(Member, Member.id == Referral.member_id)
            .where(Referral.household_id == household_id, Referral.status != ReferralStatus.HANDLED)
            .order_by(Referral.created_at.desc())
            .limit(5)
        )
    ).all()
    change_rows = (
        await session.execute(
            select(DataChange, Member.name)
            .outerjoin(Member, Member.id == DataChange.member_id)
            .where(DataChange.household_id == household_id, DataChange.status == ChangeStatus.PROPOSED)
            .order_by(DataChange.created_at.desc())
            .limit(5)
        )
    ).all()
    return HouseholdActivity(
        last_visits=last,
        open_referrals=[
            ReferralLine(r.sector, r.need, r.status.value, name, r.created_at) for r, name in referral_rows
        ],
        pending_changes=[ChangeLine(d.kind, name, dict(d.new_value or {}), d.created_at) for d, name in change_rows],
    )
