"""/tinjau: what waits for a supervisor's decision — reports, proposed data changes, open referrals — oldest first.

Each queue is walked one item at a time with keyset paging ("the next one after this"), so "lewati" needs no
state: the skipped item's id is in the button. Everything is read through the supervisor's scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.actor import Actor
from models.queries.regions import household_filter
from models.tables import (
    ChangeStatus,
    DataChange,
    Household,
    Member,
    Referral,
    ReferralStatus,
    Region,
    ReviewStatus,
    User,
    Visit,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class QueuedVisit:
    visit_id: str
    household_id: int
    head_name: str
    kk: str
    desa_name: str
    pendamping_name: str | None
    period: str
    submitted_at: datetime
    late: bool
    photo_file_id: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True, slots=True)
class QueuedChange:
    change_id: int
    household_id: int
    head_name: str
    desa_name: str
    member_name: str | None
    kind: str
    old_value: str | None
    new_value: dict[str, Any]
    proposed_by: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class QueuedReferral:
    referral_id: int
    household_id: int
    head_name: str
    desa_name: str
    member_name: str | None
    sector: str
    need: str
    status: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Next(Generic[T]):
    item: T | None
    remaining: int  # items waiting in the whole queue (including this one)
    position: int  # 1-based position of ``item`` in the queue


async def _count(session: AsyncSession, stmt: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


def _after(columns: tuple[Any, Any], values: tuple[Any, Any] | None) -> list[ColumnElement[bool]]:
    if values is None:
        return []
    first, second = columns
    return [or_(first > values[0], and_(first == values[0], second > values[1]))]


async def next_visit(
    session: AsyncSession, actor: Actor, area_code: str, after: str | None = None
) -> Next[QueuedVisit]:
    """The oldest report awaiting review (after the visit ``after``, when skipping)."""
    base = (
        select(
            Visit.id,
            Household.id,
            Household.head_name,
            Household.kk,
            Region.name,
            User.name,
            Visit.period,
            Visit.submitted_at,
            Visit.late,
            Visit.photo_file_id,
            Visit.latitude,
            Visit.longitude,
        )
        .join(Household, Household.id == Visit.household_id)
        .join(Region, Region.code == Household.desa_code)
        .outerjoin(User, User.id == Visit.pendamping_id)
        .where(Visit.review_status == ReviewStatus.PENDING, *household_filter(actor, area_code))
    )
    anchor = None
    if after is not None:
        anchor_row = (await session.execute(select(Visit.submitted_at, Visit.id).where(Visit.id == after))).first()
        anchor = (anchor_row[0], anchor_row[1]) if anchor_row else None
    remaining = await _count(session, base)
    before = await _count(session, base.where(*_after((Visit.submitted_at, Visit.id), anchor))) if anchor else remaining
    row = (
        await session.execute(
            base.where(*_after((Visit.submitted_at, Visit.id), anchor)).order_by(Visit.submitted_at, Visit.id).limit(1)
        )
    ).first()
    values: tuple[Any, ...] | None = tuple(row) if row else None
    item = QueuedVisit(*values) if values else None
    return Next(item, remaining, remaining - before + 1)


async def next_change(
    session: AsyncSession, actor: Actor, area_code: str, after: int | None = None
) -> Next[QueuedChange]:
    """The oldest proposed data change (graduation wishes excluded: /graduasi decides those)."""
    member, proposer = aliased(Member), aliased(User)
    base = (
        select(
            DataChange.id,
            Household.id,
            Household.head_name,
            Region.name,
            member.name,
            DataChange.kind,
            DataChange.old_value,
            DataChange.new_value,
            proposer.name,
            DataChange.created_at,
        )
        .join(Household, Household.id == DataChange.household_id)
        .join(Region, Region.code == Household.desa_code)
        .outerjoin(member, member.id == DataChange.member_id)
        .outerjoin(proposer, proposer.id == DataChange.proposed_by)
        .where(
            DataChange.status == ChangeStatus.PROPOSED,
            DataChange.kind != "graduasi_mandiri",
            *household_filter(actor, area_code),
        )
    )
    remaining = await _count(session, base)
    later = [DataChange.id > after] if after is not None else []
    before = await _count(session, base.where(*later)) if later else remaining
    row = (await session.execute(base.where(*later).order_by(DataChange.id).limit(1))).first()
    return Next(QueuedChange(*row) if row else None, remaining, remaining - before + 1)


async def next_referral(
    session: AsyncSession, actor: Actor, area_code: str, after: int | None = None
) -> Next[QueuedReferral]:
    member = aliased(Member)
    base = (
        select(
            Referral.id,
            Household.id,
            Household.head_name,
            Region.name,
            member.name,
            Referral.sector,
            Referral.need,
            Referral.status,
            Referral.created_at,
        )
        .join(Household, Household.id == Referral.household_id)
        .join(Region, Region.code == Household.desa_code)
        .outerjoin(member, member.id == Referral.member_id)
        .where(Referral.status != ReferralStatus.HANDLED, *household_filter(actor, area_code))
    )
    remaining = await _count(session, base)
    later = [Referral.id > after] if after is not None else []
    before = await _count(session, base.where(*later)) if later else remaining
    row = (await session.execute(base.where(*later).order_by(Referral.id).limit(1))).first()
    if row is None:
        return Next(None, remaining, remaining - before + 1)
    rid, hid, head, desa, member_name, sector, need, status, created = row
    item = QueuedReferral(rid, hid, head, desa, member_name, sector, need, ReferralStatus(status).value, created)
    return Next(item, remaining, remaining - before + 1)
