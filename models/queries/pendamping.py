"""/pendamping: one pendamping's record, or the area's leaderboard with the lowest coverage first.

Coverage is the same definition as /ringkasan (active households with a visit in the period). Lateness needs
the reporting deadline, which is a working-day rule owned by ``models/calendar.py``; the caller passes it in
as a function so this module stays free of calendars.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.actor import Actor
from models.period import Period
from models.queries.like import contains_text
from models.queries.review import count_waiting
from models.queries.summary import is_latest, visited_condition
from models.scope import households_of, users_of, within_area
from models.tables import Audit, Household, HouseholdStatus, Region, ReviewStatus, Role, User, Visit
from models.validate import phone_fragment

PAGE_SIZE = 15
LATENESS_PERIODS = 3


@dataclass(frozen=True, slots=True)
class PendampingHit:
    id: int
    name: str
    area_name: str


@dataclass(frozen=True, slots=True)
class Standing:
    """One leaderboard line."""

    id: int
    name: str
    households: int
    visited: int

    @property
    def share(self) -> float:
        return self.visited / self.households if self.households else 0.0


@dataclass(frozen=True, slots=True)
class PendampingRecord:
    id: int
    name: str
    phone: str | None
    area_name: str
    active: bool
    households: int
    visited_now: int
    visited_before: int
    returned: int  # reports sent back by a supervisor in this and the previous period
    still_returned: int  # of those, not corrected yet
    late_reports: int
    average_days_late: float | None
    last_activity: datetime | None
    waiting: int = 0  # reports "menunggu tinjauan", counted as /tinjau counts them (``review.count_waiting``)

    @property
    def share_now(self) -> float:
        return self.visited_now / self.households if self.households else 0.0

    @property
    def share_before(self) -> float:
        return self.visited_before / self.households if self.households else 0.0


def _pendamping_of(actor: Actor, area_code: str | None = None) -> list[object]:
    conditions: list[object] = [User.role == Role.PENDAMPING, users_of(actor)]
    if area_code is not None:
        conditions.append(within_area(User.area_code, area_code))
    return conditions


def _phone_matches(text: str) -> ColumnElement[bool] | None:
    """Part of a phone number, in any of the forms people write it (``phone_fragment``)."""
    fragment = phone_fragment(text)
    if fragment is None:
        return None
    inside = contains_text(User.phone, fragment.digits)
    return or_(User.phone.startswith(fragment.start), inside) if fragment.start else inside


async def find_pendamping(session: AsyncSession, actor: Actor, text: str, limit: int = 8) -> list[PendampingHit]:
    """By part of the name or part of the phone number (``0812 0000``, ``+62 812``, ``0001``), among the
    pendamping the actor may see."""
    by_phone = _phone_matches(text)
    by_name = contains_text(User.name, text.strip())
    condition = or_(by_phone, by_name) if by_phone is not None else by_name
    rows = (
        await session.execute(
            select(User.id, User.name, Region.name)
            .join(Region, Region.code == User.area_code)
            .where(condition, *_pendamping_of(actor))  # type: ignore[arg-type]
            .order_by(User.name, User.id)
            .limit(limit)
        )
    ).all()
    return [PendampingHit(*row) for row in rows]


async def _household_counts(
    session: AsyncSession, actor: Actor, period: Period, user_ids: list[int]
) -> tuple[dict[int, int], dict[int, int]]:
    base = (
        select(Household.pendamping_id, func.count())
        .where(Household.status == HouseholdStatus.AKTIF, households_of(actor), Household.pendamping_id.in_(user_ids))
        .group_by(Household.pendamping_id)
    )
    totals = {int(k): int(v) for k, v in (await session.execute(base)).all() if k is not None}
    seen = visited_condition(period, await is_latest(session, period))
    visited = {int(k): int(v) for k, v in (await session.execute(base.where(seen))).all() if k}
    return totals, visited


async def leaderboard(session: AsyncSession, actor: Actor, area_code: str, period: Period) -> list[Standing]:
    """Every pendamping of the area with their coverage in ``period``; lowest coverage first."""
    people = (
        await session.execute(
            select(User.id, User.name)
            .where(User.active.is_(True), *_pendamping_of(actor, area_code))  # type: ignore[arg-type]
            .order_by(User.name)
        )
    ).all()
    ids = [int(i) for i, _ in people]
    totals, visited = await _household_counts(session, actor, period, ids) if ids else ({}, {})
    standings = [Standing(i, name, totals.get(i, 0), visited.get(i, 0)) for i, name in people]
    return sorted(standings, key=lambda s: (s.households == 0, s.share, -s.households, s.name))


async def pendamping_record(
    session: AsyncSession,
    actor: Actor,
    pendamping_id: int,
    period: Period,
    deadline_of: Callable[[Period], date],
    tz: ZoneInfo,
) -> PendampingRecord | None:
    """None when the person does not exist, is not a pendamping, or is outside the actor's scope. Lateness is
    counted in days of the configured zone ``tz``, against ``deadline_of`` the visit's period."""
    found = (
        await session.execute(
            select(User, Region.name)
            .join(Region, Region.code == User.area_code)
            .where(User.id == pendamping_id, *_pendamping_of(actor))  # type: ignore[arg-type]
        )
    ).first()
    if found is None:
        return None
    user, area_name = found
    previous = period.previous()
    totals, now = await _household_counts(session, actor, period, [user.id])
    _, before = await _household_counts(session, actor, previous, [user.id])
    returned = int(
        await session.scalar(
            select(func.count())
            .select_from(Audit)
            .join(Visit, Visit.id == Audit.entity_id)
            .where(
                Audit.entity == "visit",
                Audit.action == "visit.return",
                Visit.pendamping_id == user.id,
                Visit.period.in_([str(period), str(previous)]),
            )
        )
        or 0
    )
    still_returned = int(
        await session.scalar(
            select(func.count())
            .select_from(Visit)
            .where(Visit.pendamping_id == user.id, Visit.review_status == ReviewStatus.RETURNED)
        )
        or 0
    )
    window = [period]
    while len(window) < LATENESS_PERIODS:
        window.append(window[-1].previous())
    submissions = (
        await session.execute(
            select(Visit.period, Visit.submitted_at).where(
                Visit.pendamping_id == user.id, Visit.period.in_([str(p) for p in window])
            )
        )
    ).all()
    late_days = []
    for raw_period, submitted in submissions:
        days = (submitted.astimezone(tz).date() - deadline_of(Period.parse(raw_period))).days
        if days > 0:
            late_days.append(days)
    last_activity = await session.scalar(select(func.max(Visit.submitted_at)).where(Visit.pendamping_id == user.id))
    return PendampingRecord(
        id=user.id,
        name=user.name,
        phone=user.phone,
        area_name=area_name,
        active=user.active,
        households=totals.get(user.id, 0),
        visited_now=now.get(user.id, 0),
        visited_before=before.get(user.id, 0),
        returned=returned,
        still_returned=still_returned,
        late_reports=len(late_days),
        average_days_late=sum(late_days) / len(late_days) if late_days else None,
        last_activity=last_activity,
        waiting=await count_waiting(session, actor, actor.area_code, pendamping_id=user.id),
    )
