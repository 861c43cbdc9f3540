"""/kepatuhan: members who did not meet a commitment in a period, with their escalation level.

Komitmen (docs/glossary.md): a member who misses a commitment in consecutive periods is flagged — 1 warning, 2 supervisor
attention, 3 recommendation to suspend. The level is the length of the run of "tidak memenuhi" checks for the
same member and commitment ending at the period, capped at 3; a period without a "tidak memenuhi" check (met,
not applicable, or not checked) ends the run. Two self-joins on the unique (member, commitment, period) index
compute it in SQL, so the overview counts never load the members.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.actor import Actor
from models.period import Period
from models.queries import tallies
from models.queries.regions import household_filter, needs_household_join
from models.queries.summary import commitment_labels, commitment_order
from models.tables import CheckResult, CommitmentCheck, Household, Member, Region, User, Visit

MAX_LEVEL = 3
PAGE_SIZE = 10

_previous = aliased(CommitmentCheck, name="previous_check")
_before = aliased(CommitmentCheck, name="before_previous_check")


@dataclass(frozen=True, slots=True)
class CommitmentGap:
    """One commitment's members not meeting it, counted per escalation level."""

    commitment: str
    label: str
    label_en: str
    by_level: dict[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_level.values())


@dataclass(frozen=True, slots=True)
class GapMember:
    member_id: int
    member_name: str
    nik: str
    household_id: int
    head_name: str
    desa_name: str
    pendamping_name: str | None
    reason: str | None
    level: int


def _level() -> ColumnElement[int]:
    one_before = _previous.id.is_not(None)
    return 1 + case((one_before, 1), else_=0) + case((and_(one_before, _before.id.is_not(None)), 1), else_=0)


def _gaps(actor: Actor | None, area_code: str, period: Period, *columns: object) -> Select:
    previous = period.previous()
    stmt = (
        select(*columns)  # type: ignore[call-overload]
        .select_from(CommitmentCheck)
        .outerjoin(
            _previous,
            and_(
                _previous.member_id == CommitmentCheck.member_id,
                _previous.commitment == CommitmentCheck.commitment,
                _previous.period == str(previous),
                _previous.result == CheckResult.NOT_MET,
            ),
        )
        .outerjoin(
            _before,
            and_(
                _before.member_id == CommitmentCheck.member_id,
                _before.commitment == CommitmentCheck.commitment,
                _before.period == str(previous.previous()),
                _before.result == CheckResult.NOT_MET,
            ),
        )
        .where(CommitmentCheck.period == str(period), CommitmentCheck.result == CheckResult.NOT_MET)
    )
    return stmt


def escalated_checks(period: Period, *columns: object) -> Select:
    """The checks of ``period`` at the top escalation level (a suspension recommendation), selecting ``columns``.

    The same joins and level as /kepatuhan's counts, so the period close recommends exactly the members
    /kepatuhan shows at level 3 (docs/period-close.md)."""
    return _gaps(None, "", period, *columns).where(_level() >= MAX_LEVEL)


async def gaps_by_commitment(
    session: AsyncSession, actor: Actor, area_code: str, period: Period
) -> list[CommitmentGap]:
    """Members not meeting each commitment in ``period``, per escalation level. A supervisor's area is read from
    ``commitment_gap`` (the "tidak memenuhi" checks by desa); otherwise from the checks, reaching the area through
    their visits' households."""
    found: dict[str, dict[int, int]] = {}
    rolled = await tallies.gaps_by_level(session, actor, area_code, period)
    if rolled is not None:
        for code, lvl, count in rolled:
            found.setdefault(code, {})[lvl] = count
        return _by_commitment(found)
    level = _level().label("level")
    stmt = _gaps(actor, area_code, period, CommitmentCheck.commitment, level, func.count())
    if needs_household_join(actor, area_code):
        # Few checks are "tidak memenuhi": reach their households through the keys (a semi-join with all the
        # area's visits would read far more); ``Visit.period`` lets the planner see the visit is of the period.
        stmt = (
            stmt.join(Visit, Visit.id == CommitmentCheck.visit_id)
            .join(Household, Household.id == Visit.household_id)
            .where(Visit.period == str(period), *household_filter(actor, area_code))
        )
    stmt = stmt.group_by(CommitmentCheck.commitment, level)
    for code, lvl, count in (await session.execute(stmt)).all():
        found.setdefault(code, {})[int(lvl)] = int(count)
    return _by_commitment(found)


def _by_commitment(found: dict[str, dict[int, int]]) -> list[CommitmentGap]:
    return [
        CommitmentGap(code, *commitment_labels(code), by_level=dict(sorted(levels.items())))
        for code, levels in sorted(found.items(), key=lambda item: commitment_order(item[0]))
    ]


async def gap_members(
    session: AsyncSession,
    actor: Actor,
    area_code: str,
    period: Period,
    commitment: str,
    page: int = 0,
    page_size: int = PAGE_SIZE,
) -> tuple[list[GapMember], int]:
    """One commitment's members not meeting it, highest level first; (page rows, total)."""
    level = _level().label("level")
    stmt = (
        _gaps(
            actor,
            area_code,
            period,
            Member.id,
            Member.name,
            Member.nik,
            Household.id,
            Household.head_name,
            Region.name,
            User.name,
            CommitmentCheck.reason,
            level,
        )
        .join(Member, Member.id == CommitmentCheck.member_id)
        .join(Household, Household.id == Member.household_id)
        .join(Region, Region.code == Household.desa_code)
        .outerjoin(User, User.id == Household.pendamping_id)
        .where(CommitmentCheck.commitment == commitment, *household_filter(actor, area_code))
    )
    total = int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = (
        await session.execute(
            stmt.order_by(level.desc(), Region.name, Household.head_name, Member.name, Member.id)
            .limit(page_size)
            .offset(max(page, 0) * page_size)
        )
    ).all()
    return [GapMember(*row) for row in rows], total
