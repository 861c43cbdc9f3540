"""/ringkasan: how an area is doing in a period — coverage, compliance, referrals, pending work.

Coverage is counted per desa in SQL and rolled up to any level in Python (a province has 1,552 desa), so one
set of queries serves the area's own line, its sub-area lines, the coverage chart and the export's summary sheet.
Definitions (docs/supervisor.md): a household counts when its status is ``aktif``; it is *visited* in a period
when it has at least one visit report for that period; *overdue* (tunggakan 2+ periode) when it has none for the
period nor for the one before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Exists, Select, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.actor import Actor
from models.period import Period
from models.queries import tallies
from models.queries.regions import Area, child_areas, household_filter, needs_household_join
from models.queries.review import count_waiting
from models.rules import shipped_programmes
from models.tables import (
    ChangeStatus,
    CheckResult,
    CheckTally,
    CommitmentCheck,
    CoverageTally,
    DataChange,
    Household,
    HouseholdStatus,
    Referral,
    ReferralStatus,
    ReviewStatus,
    Visit,
)


@dataclass(frozen=True, slots=True)
class Coverage:
    """One area's households in one period."""

    code: str
    name: str
    households: int = 0
    visited: int = 0
    overdue: int = 0

    @property
    def not_visited(self) -> int:
        return self.households - self.visited

    @property
    def visited_share(self) -> float:
        return self.visited / self.households if self.households else 0.0

    @property
    def not_visited_share(self) -> float:
        return self.not_visited / self.households if self.households else 0.0

    @property
    def overdue_share(self) -> float:
        return self.overdue / self.households if self.households else 0.0


@dataclass(frozen=True, slots=True)
class ComplianceCount:
    commitment: str
    label: str
    label_en: str
    met: int
    not_met: int

    @property
    def checked(self) -> int:
        return self.met + self.not_met

    @property
    def met_share(self) -> float:
        return self.met / self.checked if self.checked else 0.0


@dataclass(frozen=True, slots=True)
class Summary:
    area: Area
    period: Period
    total: Coverage
    subareas: list[Coverage] = field(default_factory=list)
    empty_subareas: int = 0
    compliance: list[ComplianceCount] = field(default_factory=list)
    referrals_opened: int = 0
    referrals_closed: int = 0
    pending_changes: int = 0
    awaiting_review: int = 0  # of every period: the /tinjau queue (``review.count_waiting``)

    @property
    def is_empty(self) -> bool:
        return self.total.households == 0


def period_bounds(period: Period, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The period's first and one-past-last instant in UTC (periods are months in the configured zone, ``tz``)."""
    start = datetime.combine(period.start, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(period.next().start, time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def visited_in(periods: Sequence[Period]) -> Exists:
    """EXISTS a visit of the household in any of ``periods`` (the planner turns it into a semi/anti-join)."""
    condition = Visit.period == str(periods[0]) if len(periods) == 1 else Visit.period.in_([str(p) for p in periods])
    return exists().where(Visit.household_id == Household.id, condition)


def verifying_report() -> ColumnElement[bool]:
    """A visit report (of the period asked) that verifies its household for the period close: the family was met,
    the report was not sent back, and a late one has been approved (docs/period-close.md). A narrower reading of
    /ringkasan's "visited" (any report), so every verified household is a visited one."""
    return and_(
        Visit.met.is_(True),
        Visit.review_status != ReviewStatus.RETURNED,
        or_(Visit.late.is_(False), Visit.review_status == ReviewStatus.APPROVED),
    )


def visits_of_area(actor: Actor, area_code: str, period: Period) -> Select[str]:
    """Ids of the period's visits to households of the area in scope — a semi-join the planner sizes well (a plain
    join of checks, visits and households is misestimated by the repeated period condition)."""
    return (
        select(Visit.id)
        .join(Household, Household.id == Visit.household_id)
        .where(Visit.period == str(period), *household_filter(actor, area_code))
    )


async def is_latest(session: AsyncSession, period: Period) -> bool:
    """True when no visit exists after ``period`` — then ``household.last_visit_period`` answers "visited in
    ``period``?" exactly (it is that period or earlier), and the reports skip the visit table. One index probe."""
    latest = await session.scalar(select(func.max(Visit.period)))
    return latest is None or latest <= str(period)


def visited_condition(period: Period, latest: bool) -> ColumnElement[bool]:
    """The household was visited in ``period``: its last visit period is it (when ``latest``), or a semi-join."""
    return Household.last_visit_period == str(period) if latest else visited_in([period])


def not_visited_condition(period: Period, latest: bool, periods: int = 1) -> ColumnElement[bool]:
    """No visit in ``period`` nor in the ``periods - 1`` before it."""
    first = period
    for _ in range(periods - 1):
        first = first.previous()
    if latest:
        return or_(Household.last_visit_period.is_(None), Household.last_visit_period < str(first))
    recent = [period]
    while len(recent) < periods:
        recent.append(recent[-1].previous())
    return ~visited_in(recent)


async def coverage_by_desa(
    session: AsyncSession, actor: Actor, area_code: str, period: Period
) -> dict[str, tuple[int, int, int]]:
    """desa code → (households, visited, overdue) for ``period``.

    For the latest period: a supervisor's area is read from ``coverage_tally`` (a few rows per desa), anyone
    else's from one index-only scan of ``household`` (``ix_household_coverage``). For a past period: the
    households, a semi-join for "visited" and an anti-join for "overdue" over that period's visits.
    """
    latest = await is_latest(session, period)
    rollup = tallies.scope(actor, area_code, CoverageTally.desa_code)
    if latest and rollup is not None:
        return await tallies.coverage_by_desa(session, rollup, period)
    base = [Household.status == HouseholdStatus.AKTIF, *household_filter(actor, area_code)]
    if latest:
        seen = case((visited_condition(period, True), 1), else_=0)
        late = case((not_visited_condition(period, True, 2), 1), else_=0)
        rows = await session.execute(
            select(Household.desa_code, func.count(), func.sum(seen), func.sum(late))
            .where(*base)
            .group_by(Household.desa_code)
        )
        return {desa: (int(count), int(v or 0), int(o or 0)) for desa, count, v, o in rows.all()}

    def grouped(*extra: ColumnElement[bool]) -> Select[str, int]:
        return select(Household.desa_code, func.count()).where(*base, *extra).group_by(Household.desa_code)

    totals = dict((await session.execute(grouped())).all())
    visited = dict((await session.execute(grouped(visited_condition(period, False)))).all())
    overdue = dict((await session.execute(grouped(not_visited_condition(period, False, 2)))).all())
    return {desa: (count, visited.get(desa, 0), overdue.get(desa, 0)) for desa, count in totals.items()}


def roll_up(by_desa: dict[str, tuple[int, int, int]], areas: Iterable[Area]) -> list[Coverage]:
    """Sum desa rows into the given areas (each desa belongs to the area whose code prefixes it)."""
    out = []
    for area in areas:
        prefix = area.code + "."
        households = visited = overdue = 0
        for desa, (count, seen, late) in by_desa.items():
            if desa == area.code or desa.startswith(prefix):
                households += count
                visited += seen
                overdue += late
        out.append(Coverage(area.code, area.name, households, visited, overdue))
    return out


async def coverage(session: AsyncSession, actor: Actor, area: Area, period: Period) -> Coverage:
    return roll_up(await coverage_by_desa(session, actor, area.code, period), [area])[0]


async def coverage_trend(
    session: AsyncSession, actor: Actor, area: Area, last: Period, count: int = 6
) -> list[tuple[Period, Coverage]]:
    """Coverage of the ``count`` periods ending with ``last``, oldest first (the trend chart)."""
    periods = [last]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return [(p, await coverage(session, actor, area, p)) for p in reversed(periods)]


async def compliance_by_commitment(
    session: AsyncSession, actor: Actor, area_code: str, period: Period
) -> list[ComplianceCount]:
    """Checks of ``period`` per commitment: met and not met (``tidak berlaku`` is not a check that counts).

    A supervisor's area is read from ``check_tally``; otherwise the checks, area-filtered through a semi-join with
    the period's visits of the area."""
    stmt = (
        select(CommitmentCheck.commitment, CommitmentCheck.result, func.count())
        .where(
            CommitmentCheck.period == str(period),
            CommitmentCheck.result.in_([CheckResult.MET, CheckResult.NOT_MET]),
        )
        .group_by(CommitmentCheck.commitment, CommitmentCheck.result)
    )
    if needs_household_join(actor, area_code):
        stmt = stmt.where(CommitmentCheck.visit_id.in_(visits_of_area(actor, area_code, period)))
    rollup = tallies.scope(actor, area_code, CheckTally.desa_code)
    found = (
        await tallies.checks_by_commitment(session, rollup, period)
        if rollup is not None
        else (await session.execute(stmt)).all()
    )
    counts: dict[str, dict[CheckResult, int]] = {}
    for code, result, number in found:
        counts.setdefault(code, {})[CheckResult(result)] = number
    return [
        ComplianceCount(code, *commitment_labels(code), by.get(CheckResult.MET, 0), by.get(CheckResult.NOT_MET, 0))
        for code, by in sorted(counts.items(), key=lambda item: commitment_order(item[0]))
    ]


def commitment_labels(code: str) -> tuple[str, str]:
    """The Indonesian and English label of a commitment code from the programme files (the code itself if none)."""
    for programme in shipped_programmes().values():
        for rule in programme.commitments:
            if rule.code == code:
                return rule.label, rule.label_en or rule.label
    return code, code


def commitment_order(code: str) -> tuple[int, str]:
    for programme in shipped_programmes().values():
        for index, rule in enumerate(programme.commitments):
            if rule.code == code:
                return index, code
    return 999, code


async def _count(session: AsyncSession, stmt: Select[int]) -> int:
    return int(await session.scalar(stmt) or 0)


async def referral_counts(
    session: AsyncSession, actor: Actor, area_code: str, period: Period, tz: ZoneInfo
) -> tuple[int, int]:
    """Referrals opened in the period, and referrals marked handled (ditangani) in the period."""
    start, end = period_bounds(period, tz)
    base = select(func.count()).select_from(Referral)
    copied = tallies.scope(actor, area_code, Referral.desa_code)  # the household's desa, copied onto the row
    if copied is not None:
        base = base.where(*copied)
    elif needs_household_join(actor, area_code):
        base = base.join(Household, Household.id == Referral.household_id).where(*household_filter(actor, area_code))
    opened = await _count(session, base.where(Referral.created_at >= start, Referral.created_at < end))
    closed = await _count(
        session,
        base.where(Referral.status == ReferralStatus.HANDLED, Referral.updated_at >= start, Referral.updated_at < end),
    )
    return opened, closed


async def pending_changes(session: AsyncSession, actor: Actor, area_code: str) -> int:
    stmt = select(func.count()).select_from(DataChange).where(DataChange.status == ChangeStatus.PROPOSED)
    copied = tallies.scope(actor, area_code, DataChange.desa_code)
    if copied is not None:
        stmt = stmt.where(*copied)
    elif needs_household_join(actor, area_code):
        stmt = stmt.join(Household, Household.id == DataChange.household_id).where(*household_filter(actor, area_code))
    return await _count(session, stmt)


async def area_summary(session: AsyncSession, actor: Actor, area: Area, period: Period, tz: ZoneInfo) -> Summary:
    """Everything /ringkasan shows. The caller has checked that ``actor`` covers ``area``; ``tz`` is the
    configured zone, in which the period's referrals are counted."""
    by_desa = await coverage_by_desa(session, actor, area.code, period)
    total = roll_up(by_desa, [area])[0]
    children = roll_up(by_desa, await child_areas(session, area.code))
    opened, closed = await referral_counts(session, actor, area.code, period, tz)
    return Summary(
        area=area,
        period=period,
        total=total,
        subareas=[c for c in children if c.households],
        empty_subareas=sum(1 for c in children if not c.households),
        compliance=await compliance_by_commitment(session, actor, area.code, period),
        referrals_opened=opened,
        referrals_closed=closed,
        pending_changes=await pending_changes(session, actor, area.code),
        awaiting_review=await count_waiting(session, actor, area.code),
    )
