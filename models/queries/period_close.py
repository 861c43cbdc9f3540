"""The period close in SQL: the verdicts of an area computed set-based, and what the chat and the export read.

One ``SELECT`` computes every household's verdict for a kabupaten/kota (``computed_verdicts``): the households on
the list, LEFT JOINed to their period's reports grouped per household (``summary.verifying_report``, /ringkasan's
visits) and to the members at escalation level 3 (``compliance.escalated_checks``, /kepatuhan's levels). The close
stores it with two statements — drop the undecided rows that differ, insert the missing ones — so a second run
changes nothing, on SQLite and PostgreSQL alike; nothing is computed row by row in Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models.actor import Actor
from models.base import UtcDateTime
from models.period import Period
from models.queries.compliance import escalated_checks
from models.queries.summary import verifying_report
from models.scope import within_area
from models.tables import (
    CommitmentCheck,
    GraduationProposal,
    Household,
    HouseholdStatus,
    Member,
    PeriodAdjustment,
    PeriodSignoff,
    PeriodVerdict,
    ProposalStatus,
    Region,
    Role,
    User,
    Verdict,
    VerdictReason,
    Visit,
)

PROVINCE = "36"
COLUMNS = ("period", "household_id", "programme_code", "desa_code", "verdict", "reason", "disburse", "member_id",
           "commitment")  # fmt: skip


def on_the_list(period_begins: datetime) -> ColumnElement[bool]:
    """The household belongs on the period's list: active, or graduated during or after the period (a confirmed
    graduation decided from the period's first instant on). Graduated, suspended or gone before it: not listed."""
    graduated_since = (
        select(GraduationProposal.household_id)
        .where(GraduationProposal.status == ProposalStatus.CONFIRMED, GraduationProposal.decided_at >= period_begins)
        .scalar_subquery()
    )
    return or_(Household.status == HouseholdStatus.AKTIF, Household.id.in_(graduated_since))


def in_areas(column: Any, areas: Sequence[str]) -> ColumnElement[bool]:
    """``column`` (a desa code) lies in one of ``areas``; no condition at all for the province."""
    if PROVINCE in areas:
        return true()
    return or_(*(within_area(column, code) for code in areas))


def computed_verdicts(
    period: Period, areas: Sequence[str], held_programmes: frozenset[str], period_begins: datetime
) -> Select:
    """Every listed household of ``areas`` (kabupaten/kota codes, or the province) with its computed verdict, in
    the order of ``COLUMNS``. One statement for all of them: the period's reports are grouped once.

    ``held_programmes``: the programmes whose ``[disbursement] unverified`` is "tahan" (an unverified household is
    not paid); ``period_begins``: the period's first instant in the configured zone."""
    p = str(period)
    reports = (
        select(
            Visit.household_id.label("household_id"),
            func.max(case((verifying_report(), 1), else_=0)).label("verified"),
            func.max(case((Visit.met.is_(False), 1), else_=0)).label("unmet"),
        )
        .where(Visit.period == p)
        .group_by(Visit.household_id)
        .subquery("reports")
    )
    escalated = escalated_checks(period, CommitmentCheck.member_id, CommitmentCheck.commitment).subquery("escalated")
    ranked = (
        select(
            Member.household_id.label("household_id"),
            escalated.c.member_id,
            escalated.c.commitment,
            func.row_number()
            .over(partition_by=Member.household_id, order_by=(escalated.c.member_id, escalated.c.commitment))
            .label("rank"),
        )
        .join(Member, Member.id == escalated.c.member_id)
        .subquery("ranked")
    )
    recommended = ranked.c.member_id.is_not(None)
    verified = func.coalesce(reports.c.verified, 0) == 1
    verdict = case(
        (recommended, literal(Verdict.RECOMMENDED.value)),
        (verified, literal(Verdict.ELIGIBLE.value)),
        else_=literal(Verdict.UNVERIFIED.value),
    )
    reason = case(
        (recommended, literal(VerdictReason.LEVEL_THREE.value)),
        (verified, literal(VerdictReason.VERIFIED.value)),
        (reports.c.household_id.is_(None), literal(VerdictReason.NO_REPORT.value)),
        (reports.c.unmet == 1, literal(VerdictReason.NOT_MET_FAMILY.value)),
        else_=literal(VerdictReason.NOT_APPROVED.value),
    )
    held = Household.programme_code.in_(sorted(held_programmes)) if held_programmes else false()
    disburse = case((and_(~recommended, ~verified, held), false()), else_=true())
    return (
        select(
            literal(p).label("period"),
            Household.id.label("household_id"),
            Household.programme_code.label("programme_code"),
            Household.desa_code.label("desa_code"),
            verdict.label("verdict"),
            reason.label("reason"),
            disburse.label("disburse"),
            ranked.c.member_id.label("member_id"),
            ranked.c.commitment.label("commitment"),
        )
        .select_from(Household)
        .outerjoin(reports, reports.c.household_id == Household.id)
        .outerjoin(ranked, and_(ranked.c.household_id == Household.id, ranked.c.rank == 1))
        .where(in_areas(Household.desa_code, areas), on_the_list(period_begins))
    )


@dataclass(frozen=True, slots=True)
class Stored:
    removed: int
    added: int


async def store_verdicts(
    session: AsyncSession, computed: Select, period: Period, areas: Sequence[str], now: datetime
) -> Stored:
    """Bring the area's stored verdicts in line with ``computed``, leaving every decided row alone: undecided rows
    that differ (or whose household left the list) go, households without a row get one. Idempotent."""
    p = str(period)
    fresh = computed.subquery("computed")
    stored = cast(Table, PeriodVerdict.__table__)
    same = exists().where(
        fresh.c.household_id == stored.c.household_id,
        fresh.c.verdict == stored.c.verdict,
        fresh.c.reason == stored.c.reason,
        fresh.c.disburse == stored.c.disburse,
        # plain equalities (NULL as 0 / ''), so PostgreSQL can hash the anti-join: IS NOT DISTINCT FROM cannot
        func.coalesce(fresh.c.member_id, 0) == func.coalesce(stored.c.member_id, 0),
        func.coalesce(fresh.c.commitment, "") == func.coalesce(stored.c.commitment, ""),
    )
    removed = await session.execute(
        delete(stored).where(
            stored.c.period == p,
            in_areas(stored.c.desa_code, areas),
            stored.c.decided_at.is_(None),
            ~same,
        )
    )
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        # The households that already have a row, read once before the INSERT writes: an anti-join straight
        # against the table being filled can rescan its growing heap for every row (quadratic on a first close
        # of 650k). SQLite copies a SELECT from the INSERT's own table first by itself (and a CTE there would
        # hide the row count).
        existing = (
            select(stored.c.household_id.label("household_id"))
            .where(stored.c.period == p)
            .cte("existing")
            .prefix_with("MATERIALIZED")
        )
        has_row = exists().where(existing.c.household_id == fresh.c.household_id)
    else:
        has_row = exists().where(stored.c.period == p, stored.c.household_id == fresh.c.household_id)
    added = await session.execute(
        insert(stored).from_select(
            [*COLUMNS, "computed_at"],
            select(*(fresh.c[name] for name in COLUMNS), literal(now, UtcDateTime())).where(~has_row),
        )
    )
    if postgresql:  # the next close's anti-join is planned on fresh counts
        await session.execute(text("ANALYZE period_verdict"))
    return Stored(int(removed.rowcount or 0), int(added.rowcount or 0))  # type: ignore[attr-defined]


async def computed_counts(session: AsyncSession, computed: Select) -> dict[str, int]:
    """verdict → households of the computed (not stored) list."""
    fresh = computed.subquery("computed")
    rows = await session.execute(select(fresh.c.verdict, func.count()).group_by(fresh.c.verdict))
    return {str(verdict): int(count) for verdict, count in rows.all()}


def verdicts_of(actor: Actor, area_code: str) -> list[ColumnElement[bool]]:
    """The stored verdicts of ``area_code`` that ``actor`` may see (a pendamping sees none)."""
    if not actor.active or actor.role not in (Role.ADMIN, Role.KOORDINATOR):
        return [false()]
    conditions = [within_area(PeriodVerdict.desa_code, area_code)]
    if actor.role is Role.KOORDINATOR:
        conditions.append(within_area(PeriodVerdict.desa_code, actor.area_code))
    return conditions


async def stored_counts(session: AsyncSession, actor: Actor, area_code: str, period: Period) -> dict[str, int]:
    """verdict → households of the stored list of ``area_code`` (what the koordinator decides on)."""
    rows = await session.execute(
        select(PeriodVerdict.verdict, func.count())
        .where(PeriodVerdict.period == str(period), *verdicts_of(actor, area_code))
        .group_by(PeriodVerdict.verdict)
    )
    return {Verdict(verdict).value: int(count) for verdict, count in rows.all()}


async def stored_counts_by_area(session: AsyncSession, period: Period, area_code: str) -> dict[str, dict[str, int]]:
    """kabupaten/kota code → verdict → households, for every kabupaten/kota inside ``area_code`` with a list."""
    kabupaten = func.substr(PeriodVerdict.desa_code, 1, 5)
    rows = await session.execute(
        select(kabupaten, PeriodVerdict.verdict, func.count())
        .where(PeriodVerdict.period == str(period), within_area(PeriodVerdict.desa_code, area_code))
        .group_by(kabupaten, PeriodVerdict.verdict)
    )
    found: dict[str, dict[str, int]] = {}
    for code, verdict, count in rows.all():
        found.setdefault(str(code), {})[Verdict(verdict).value] = int(count)
    return found


async def adjustment_counts(session: AsyncSession, period: Period, area_code: str) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(PeriodAdjustment)
            .join(Household, Household.id == PeriodAdjustment.household_id)
            .where(PeriodAdjustment.period == str(period), within_area(Household.desa_code, area_code))
        )
        or 0
    )


@dataclass(frozen=True, slots=True)
class Signoff:
    area_code: str
    area_name: str
    signed_at: datetime | None
    signed_by: str | None


async def signoffs(session: AsyncSession, period: Period, within: str = "36") -> list[Signoff]:
    """Every kabupaten/kota inside ``within`` (a province or one kabupaten/kota) and whether its list is signed."""
    rows = await session.execute(
        select(Region.code, Region.name, PeriodSignoff.signed_at, User.name)
        .outerjoin(PeriodSignoff, and_(PeriodSignoff.area_code == Region.code, PeriodSignoff.period == str(period)))
        .outerjoin(User, User.id == PeriodSignoff.signed_by)
        .where(Region.level == 2, within_area(Region.code, within))
        .order_by(Region.code)
    )
    return [Signoff(code, name, at, who) for code, name, at, who in rows.all()]


async def signed_areas(session: AsyncSession, period: Period) -> set[str]:
    rows = await session.scalars(select(PeriodSignoff.area_code).where(PeriodSignoff.period == str(period)))
    return set(rows.all())


def programmes_held(rules: Mapping[str, str]) -> frozenset[str]:
    """The programme codes whose unverified households are held, from programme code → ``unverified`` rule."""
    return frozenset(code for code, unverified in rules.items() if unverified == "tahan")
