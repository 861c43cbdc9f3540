"""/tinjau: what waits for a supervisor's decision — reports, proposed data changes, open referrals — oldest first.

Each queue is walked one item at a time with keyset paging ("the next one after this"), so "lewati" needs no
state: the skipped item's id is in the button. A decided item leaves the queue, and "the next one after it" is
then at the position it had ("2 dari 77" after deciding "2 dari 78"). Reports sent back and corrected come first
(the pendamping has waited once already), then the rest oldest first. Everything is read through the
supervisor's scope, and the number of reports waiting is one function (``count_waiting``) that /ringkasan,
/pendamping and the queue's "dari N" all read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import case, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.actor import Actor
from models.queries import tallies
from models.queries.regions import household_filter, needs_household_join
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
    VisitTally,
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
    review_status: ReviewStatus
    earlier_note: str | None  # the note it was sent back with, when this is a correction


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


async def count_waiting(
    session: AsyncSession, actor: Actor, area_code: str, *, pendamping_id: int | None = None
) -> int:
    """Reports of any period "menunggu tinjauan" in ``area_code`` (of one pendamping, when given): the one figure
    /ringkasan, /pendamping and /tinjau's "dari N" show. A supervisor's area is read from the rollup the
    database triggers keep (``visit_tally``); a pendamping's count, or a scope the rollup cannot answer, from the
    visits themselves — a test pins the two together."""
    rollup = tallies.scope(actor, area_code, VisitTally.desa_code) if pendamping_id is None else None
    if rollup is not None:
        stmt = select(func.sum(VisitTally.visits)).where(
            VisitTally.review_status == ReviewStatus.PENDING.value, *rollup
        )
        return int(await session.scalar(stmt) or 0)
    counted = select(func.count()).select_from(Visit).where(Visit.review_status == ReviewStatus.PENDING)
    if pendamping_id is not None:
        counted = counted.where(Visit.pendamping_id == pendamping_id)
    if pendamping_id is not None or needs_household_join(actor, area_code):
        counted = counted.join(Household, Household.id == Visit.household_id).where(*household_filter(actor, area_code))
    return int(await session.scalar(counted) or 0)


def _queue_order() -> tuple[Any, Any, Any]:
    """Corrections first (a report reviewed before and pending again), then the oldest."""
    return (case((Visit.reviewed_at.is_(None), 1), else_=0), Visit.submitted_at, Visit.id)


def _visit_columns() -> Any:
    return (
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
            Visit.review_status,
            case((Visit.reviewed_at.is_(None), None), else_=Visit.review_note),
        )
        .join(Household, Household.id == Visit.household_id)
        .join(Region, Region.code == Household.desa_code)
        .outerjoin(User, User.id == Visit.pendamping_id)
    )


QueueKey = tuple[Any, ...]


async def queue_key(session: AsyncSession, visit_id: str) -> QueueKey | None:
    """Where a report stands in queue order; read it *before* deciding the report (a decision changes the
    columns the order is made of), then pass it to ``next_visit`` to go on from there."""
    row = (await session.execute(select(*_queue_order()).where(Visit.id == visit_id))).first()
    return tuple(row) if row else None


async def next_visit(
    session: AsyncSession, actor: Actor, area_code: str, after: str | None = None, *, key: QueueKey | None = None
) -> Next[QueuedVisit]:
    """The first report awaiting review after the visit ``after`` (skipping) or after ``key`` (deciding), in
    queue order; the first of all without either."""
    base = _visit_columns().where(Visit.review_status == ReviewStatus.PENDING, *household_filter(actor, area_code))
    order = _queue_order()
    anchor = key if key is not None else await queue_key(session, after) if after is not None else None
    later = [tuple_(*order) > tuple_(*anchor)] if anchor is not None else []
    remaining = await count_waiting(session, actor, area_code)
    before = await _count(session, base.where(*later)) if later else remaining
    row = (await session.execute(base.where(*later).order_by(*order).limit(1))).first()
    item = QueuedVisit(*row) if row else None
    return Next(item, remaining, remaining - before + 1)


async def visit_item(session: AsyncSession, actor: Actor, area_code: str, visit_id: str) -> Next[QueuedVisit]:
    """One report as a queue item, whatever its status (``/tinjau <nomor>``); its position when it is waiting,
    else 0. ``item`` is None outside the actor's scope."""
    row = (
        await session.execute(_visit_columns().where(Visit.id == visit_id, *household_filter(actor, area_code)))
    ).first()
    remaining = await count_waiting(session, actor, area_code)
    if row is None:
        return Next(None, remaining, 0)
    item = QueuedVisit(*row)
    if item.review_status is not ReviewStatus.PENDING:
        return Next(item, remaining, 0)
    order = _queue_order()
    anchor = (await session.execute(select(*order).where(Visit.id == visit_id))).one()
    pending = _visit_columns().where(Visit.review_status == ReviewStatus.PENDING, *household_filter(actor, area_code))
    ahead = await _count(session, pending.where(tuple_(*order) < tuple_(*anchor)))
    return Next(item, remaining, ahead + 1)


async def visits_numbered(session: AsyncSession, actor: Actor, number: str, limit: int = 5) -> list[str]:
    """Visit ids in the actor's scope whose report number (``models.forms.short_id``: the id's first characters)
    is ``number`` (letters and digits, checked by the caller); several only in the rare case two reports share it."""
    prefix = number.lower()
    rows = await session.scalars(
        select(Visit.id)
        .join(Household, Household.id == Visit.household_id)
        .where(Visit.id.startswith(prefix, autoescape=True), *household_filter(actor, actor.area_code))
        .order_by(Visit.submitted_at.desc())
        .limit(limit)
    )
    return list(rows)


def _change_rows(actor: Actor, area_code: str) -> Any:
    member, proposer = aliased(Member), aliased(User)
    return (
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


async def next_change(
    session: AsyncSession, actor: Actor, area_code: str, after: int | None = None
) -> Next[QueuedChange]:
    """The oldest proposed data change (graduation wishes excluded: /graduasi decides those)."""
    base = _change_rows(actor, area_code)
    remaining = await _count(session, base)
    later = [DataChange.id > after] if after is not None else []
    before = await _count(session, base.where(*later)) if later else remaining
    row = (await session.execute(base.where(*later).order_by(DataChange.id).limit(1))).first()
    return Next(QueuedChange(*row) if row else None, remaining, remaining - before + 1)


def _referral_rows(actor: Actor, area_code: str) -> Any:
    member = aliased(Member)
    return (
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


async def next_referral(
    session: AsyncSession, actor: Actor, area_code: str, after: int | None = None
) -> Next[QueuedReferral]:
    base = _referral_rows(actor, area_code)
    remaining = await _count(session, base)
    later = [Referral.id > after] if after is not None else []
    before = await _count(session, base.where(*later)) if later else remaining
    row = (await session.execute(base.where(*later).order_by(Referral.id).limit(1))).first()
    if row is None:
        return Next(None, remaining, remaining - before + 1)
    rid, hid, head, desa, member_name, sector, need, status, created = row
    item = QueuedReferral(rid, hid, head, desa, member_name, sector, need, ReferralStatus(status).value, created)
    return Next(item, remaining, remaining - before + 1)


@dataclass(frozen=True, slots=True)
class OtherQueues:
    """What waits besides reports: the buttons on a report card that lead there."""

    changes: int
    referrals: int


async def other_queues(session: AsyncSession, actor: Actor, area_code: str) -> OtherQueues:
    changes = await _count(session, _change_rows(actor, area_code))
    return OtherQueues(changes, await _count(session, _referral_rows(actor, area_code)))


@dataclass(frozen=True, slots=True)
class CardChange:
    """A data change proposed in a report, as its card lists it with its own decision."""

    change_id: int
    kind: str
    member_name: str | None
    status: ChangeStatus
    new_value: dict[str, Any]


async def visit_changes(session: AsyncSession, visit_id: str) -> list[CardChange]:
    """The data changes a report proposed, in the order the report lists them (the caller found the report
    through the reviewer's scope)."""
    rows = await session.execute(
        select(DataChange.id, DataChange.kind, Member.name, DataChange.status, DataChange.new_value)
        .outerjoin(Member, Member.id == DataChange.member_id)
        .where(DataChange.visit_id == visit_id)
        .order_by(DataChange.id)
    )
    return [CardChange(i, kind, name, ChangeStatus(status), dict(value or {})) for i, kind, name, status, value in rows]
