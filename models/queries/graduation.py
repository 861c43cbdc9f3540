"""/graduasi: households that meet the programme's graduation criteria (graduasi in docs/glossary.md), and proposals awaiting an admin.

A household is a candidate when any of these holds (the reasons are shown and stored with a proposal):
- ``skor_rendah``: deprivation score ≤ 3 on its last two scored visits (within the last six periods);
- ``tanpa_komitmen``: no living member falls in any commitment category of its programme any more;
- ``mandiri``: the family asked to leave (a data change of kind ``graduasi_mandiri`` not rejected).

"In a commitment category" is the rules module's ``applies`` without the calendar parts (vitamin A months and
yearly checks say *when* a commitment is asked, not *whether* a member belongs to its category). It is
translated into one SQL condition per programme so a kabupaten is screened in one query; a test pins the
translation against ``applies`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, true, union
from sqlalchemy.ext.asyncio import AsyncSession

from models.actor import Actor
from models.period import Period
from models.queries.regions import household_filter
from models.rules import PREGNANCY_DAYS, CommitmentRule, ProgrammeRules, rules_from_json
from models.tables import (
    ChangeStatus,
    DataChange,
    GraduationProposal,
    Household,
    HouseholdStatus,
    Member,
    MemberStatus,
    Programme,
    ProposalStatus,
    Region,
    Sex,
    User,
    Visit,
)

LOW_SCORE = 3
SCORE_WINDOW_PERIODS = 6
PAGE_SIZE = 10
REASONS = ("skor_rendah", "tanpa_komitmen", "mandiri")


@dataclass(frozen=True, slots=True)
class Candidate:
    household_id: int
    head_name: str
    desa_name: str
    pendamping_name: str | None
    reasons: tuple[str, ...]
    proposal_id: int | None = None  # set when already proposed and waiting for an admin


@dataclass(frozen=True, slots=True)
class CandidatePage:
    rows: list[Candidate]
    total: int
    page: int
    pages: int
    proposed: int  # proposals of the area waiting for an admin


def _months_back(day: date, months: int) -> date:
    """The first day of the month ``months`` before ``day``'s month (``day`` is a period start)."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _age_bounds(rule: CommitmentRule, start: date) -> list[ColumnElement[bool]]:
    """``age_in_months(birth, start) >= m`` ⟺ ``birth <= first day of the month m months before start``."""
    conditions: list[ColumnElement[bool]] = []
    minimum = [
        m for m in (rule.min_age_months, rule.min_age * 12 if rule.min_age is not None else None) if m is not None
    ]
    if minimum:
        conditions.append(Member.birth_date <= _months_back(start, max(minimum)))
    maximum = []
    if rule.max_age_months is not None:
        maximum.append(rule.max_age_months)
    if rule.max_age is not None:
        maximum.append(rule.max_age * 12 + 11)
    if maximum:
        conditions.append(Member.birth_date > _months_back(start, min(maximum) + 1))
    return conditions


def rule_condition(rule: CommitmentRule, period: Period) -> ColumnElement[bool]:
    """SQL for "``rule`` binds this member in ``period``", ignoring its months and yearly repetition."""
    start, end = period.start, period.end
    conditions = [Member.status == MemberStatus.AKTIF, Member.birth_date <= end, *_age_bounds(rule, start)]
    if rule.requires_school_level:
        conditions.append(Member.school_level.is_not(None))
    if rule.severe_disability:
        conditions.append(Member.severe_disability.is_(True))
    if rule.pregnant or rule.postnatal_days is not None:
        conditions += [Member.sex == Sex.P, Member.pregnancy_edd.is_not(None)]
        if rule.postnatal_days is not None:
            conditions += [Member.pregnancy_edd <= end, Member.pregnancy_edd >= start - timedelta(rule.postnatal_days)]
        elif rule.edd_within_days is not None:
            conditions += [Member.pregnancy_edd <= end, Member.pregnancy_edd >= start - timedelta(rule.edd_within_days)]
        else:
            conditions += [Member.pregnancy_edd >= start, Member.pregnancy_edd <= end + timedelta(PREGNANCY_DAYS)]
    return and_(*conditions)


def in_any_category(programme: ProgrammeRules, period: Period) -> ColumnElement[bool]:
    return or_(*(rule_condition(rule, period) for rule in programme.commitments)) if programme.commitments else false()


async def _programmes(session: AsyncSession) -> list[ProgrammeRules]:
    return [rules_from_json(row.rules) for row in (await session.scalars(select(Programme))).all()]


async def _reason_queries(
    session: AsyncSession, actor: Actor, area_code: str, period: Period
) -> dict[str, Select[int]]:
    """One statement per graduation reason, each selecting the ids of the area's households it applies to."""
    area = [Household.status == HouseholdStatus.AKTIF, *household_filter(actor, area_code)]
    ranked = (
        select(
            Visit.household_id.label("household_id"),
            Visit.deprivation_score.label("score"),
            func.row_number()
            .over(
                partition_by=Visit.household_id,
                order_by=(Visit.period.desc(), Visit.visited_on.desc(), Visit.submitted_at.desc()),
            )
            .label("rank"),
        )
        .join(Household, Household.id == Visit.household_id)
        .where(
            *area,
            Visit.deprivation_score.is_not(None),
            Visit.period > str(_period_back(period, SCORE_WINDOW_PERIODS)),
            Visit.period <= str(period),
        )
        .subquery()
    )
    low = (
        select(ranked.c.household_id)
        .where(ranked.c.rank <= 2)
        .group_by(ranked.c.household_id)
        .having(func.count() == 2, func.max(ranked.c.score) <= LOW_SCORE)
    )
    programmes = await _programmes(session)
    member_in_category = (
        or_(*(and_(Household.programme_code == p.code, in_any_category(p, period)) for p in programmes))
        if programmes
        else true()
    )
    no_category = select(Household.id).where(
        *area, ~exists().where(Member.household_id == Household.id, member_in_category)
    )
    wish = (
        select(DataChange.household_id)
        .join(Household, Household.id == DataChange.household_id)
        .where(*area, DataChange.kind == "graduasi_mandiri", DataChange.status != ChangeStatus.REJECTED)
        .distinct()
    )
    return {"skor_rendah": low, "tanpa_komitmen": no_category, "mandiri": wish}


async def _reasons(session: AsyncSession, queries: dict[str, Select[int]]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for reason, statement in queries.items():
        for (household_id,) in (await session.execute(statement)).all():
            found.setdefault(int(household_id), []).append(reason)
    return found


def _proposed(actor: Actor, area_code: str) -> Select[int, int]:
    return (
        select(GraduationProposal.household_id, GraduationProposal.id)
        .join(Household, Household.id == GraduationProposal.household_id)
        .where(
            GraduationProposal.status == ProposalStatus.PROPOSED,
            Household.status == HouseholdStatus.AKTIF,
            *household_filter(actor, area_code),
        )
    )


def _period_back(period: Period, months: int) -> Period:
    for _ in range(months):
        period = period.previous()
    return period


async def candidates(
    session: AsyncSession, actor: Actor, area_code: str, period: Period, page: int = 0, page_size: int = PAGE_SIZE
) -> CandidatePage:
    """Candidates of the area (proposed ones included, marked), by desa and name; one page of them.

    The page is chosen in SQL from the same reason statements (a province has six-figure candidate counts: a list
    of ids as parameters would pass the drivers' 32,767-parameter limit)."""
    queries = await _reason_queries(session, actor, area_code, period)
    reasons = await _reasons(session, queries)
    proposed = _proposed(actor, area_code)
    proposals: dict[int, int] = {int(h): int(p) for h, p in (await session.execute(proposed)).all()}
    total = len(set(reasons) | set(proposals))
    pages = max(1, -(-total // page_size))
    page = min(max(page, 0), pages - 1)
    rows: list[Candidate] = []
    if total:
        proposed_ids = proposed.with_only_columns(GraduationProposal.household_id)
        candidate_ids = union(*queries.values(), proposed_ids).subquery()
        details = (
            await session.execute(
                select(Household.id, Household.head_name, Region.name, User.name)
                .join(Region, Region.code == Household.desa_code)
                .outerjoin(User, User.id == Household.pendamping_id)
                .where(Household.id.in_(select(candidate_ids.c[0])))
                .order_by(Household.id.in_(proposed_ids).desc(), Region.name, Household.head_name, Household.id)
                .limit(page_size)
                .offset(page * page_size)
            )
        ).all()
        rows = [
            Candidate(hid, head, desa, pendamping, tuple(reasons.get(hid, [])), proposals.get(hid))
            for hid, head, desa, pendamping in details
        ]
    return CandidatePage(rows, total, page, pages, len(proposals))


async def candidate_reasons(session: AsyncSession, actor: Actor, household_id: int, period: Period) -> list[str] | None:
    """Why one household is a candidate (None when it is not, or not in scope) — checked again on "ajukan"."""
    household = await session.scalar(
        select(Household).where(Household.id == household_id, *household_filter(actor, actor.area_code))
    )
    if household is None:
        return None
    queries = await _reason_queries(session, actor, household.desa_code, period)
    reasons = (await _reasons(session, queries)).get(household_id)
    return reasons or None
