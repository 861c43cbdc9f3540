"""What a reminder says, read when it is sent: small scoped read models, one per reminder kind.

The planner only decides that a reminder exists; its content is read here right before sending, through the
recipient's own scope (``households_of`` / ``within_area``), so a reminder can never show a household its reader
may not see, and the numbers are those of the moment it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.actor import Actor
from models.period import Period
from models.queries.reminder_events import BirthRange, yearly_due_condition
from models.queries.reminder_planning import not_visited_for_two
from models.queries.worklist import worklist
from models.rules import ProgrammeRules, rules_from_json, shipped_programmes
from models.scope import households_of, within_area
from models.tables import (
    CheckResult,
    CommitmentCheck,
    FormSession,
    FormStatus,
    Household,
    HouseholdStatus,
    Member,
    MemberStatus,
    Programme,
    Referral,
    Region,
    ReviewStatus,
    SchoolLevel,
    User,
    Visit,
)

LIST_LIMIT = 10


@dataclass(frozen=True, slots=True)
class HouseholdItem:
    household_id: int
    head_name: str
    detail: str = ""  # desa, pendamping or "belum pernah dikunjungi" — whatever the list is about


@dataclass(frozen=True, slots=True)
class MemberItem:
    household_id: int
    member_name: str
    head_name: str
    birth_date: date | None = None
    detail: str = ""
    level: int = 0


@dataclass(frozen=True, slots=True)
class Digest:
    period: Period
    due: int
    overdue: int
    drafts: int
    returned: int
    top: list[HouseholdItem]

    @property
    def empty(self) -> bool:
        return not (self.due or self.drafts or self.returned)


async def digest(session: AsyncSession, actor: Actor, period: Period) -> Digest:
    work = await worklist(session, actor, period, page_size=3)
    drafts = await session.scalar(
        select(func.count())
        .select_from(FormSession)
        .where(FormSession.user_id == actor.id, FormSession.status == FormStatus.DRAFT.value)
    )
    returned = await session.scalar(
        select(func.count())
        .select_from(Visit)
        .join(Household, Household.id == Visit.household_id)
        .where(
            Visit.pendamping_id == actor.id,
            Visit.review_status == ReviewStatus.RETURNED,
            Visit.period.in_([str(period), str(period.previous())]),
            households_of(actor),
        )
    )
    top = [
        HouseholdItem(i.household_id, i.head_name, "terlambat" if i.overdue else "") for i in work.items if not i.done
    ]
    return Digest(period, work.due, work.overdue, int(drafts or 0), int(returned or 0), top)


def _unvisited(period: Period) -> Any:
    return ~select(Visit.id).where(Visit.household_id == Household.id, Visit.period == str(period)).exists()


async def unreported(session: AsyncSession, actor: Actor, programme: str, period: Period) -> int:
    """Active households of ``programme`` in the actor's scope with no visit in ``period``."""
    count = await session.scalar(
        select(func.count())
        .select_from(Household)
        .where(
            households_of(actor),
            Household.programme_code == programme,
            Household.status == HouseholdStatus.AKTIF,
            _unvisited(period),
        )
    )
    return int(count or 0)


def _members() -> Any:
    return select(Member.household_id, Member.name, Household.head_name, Member.birth_date).join(
        Household, Household.id == Member.household_id
    )


def _active(actor: Actor) -> list[Any]:
    return [households_of(actor), Household.status == HouseholdStatus.AKTIF, Member.status == MemberStatus.AKTIF]


async def birth(session: AsyncSession, actor: Actor, member_id: int) -> MemberItem | None:
    row = (
        await session.execute(
            select(Member.household_id, Member.name, Household.head_name, Member.pregnancy_edd)
            .join(Household, Household.id == Member.household_id)
            .where(Member.id == member_id, Member.pregnancy_edd.is_not(None), *_active(actor))
        )
    ).first()
    return MemberItem(row[0], row[1], row[2], row[3]) if row is not None else None


@dataclass(frozen=True, slots=True)
class MemberList:
    total: int
    items: list[MemberItem] = field(default_factory=list)


async def _member_list(session: AsyncSession, actor: Actor, *conditions: Any, detail: str = "") -> MemberList:
    where = [*_active(actor), *conditions]
    total = await session.scalar(
        select(func.count()).select_from(Member).join(Household, Household.id == Member.household_id).where(*where)
    )
    rows = await session.execute(
        _members().where(*where).order_by(Household.head_name, Member.birth_date, Member.id).limit(LIST_LIMIT)
    )
    return MemberList(int(total or 0), [MemberItem(r[0], r[1], r[2], r[3], detail) for r in rows.all()])


def birth_range(bounds: list[str | None] | tuple[str | None, str | None]) -> BirthRange:
    after, before = bounds
    return BirthRange(date.fromisoformat(after) if after else None, date.fromisoformat(before) if before else None)


async def month_event(session: AsyncSession, actor: Actor, programme: str, ages: BirthRange) -> MemberList:
    return await _member_list(session, actor, Household.programme_code == programme, ages.condition())


@dataclass(frozen=True, slots=True)
class SchoolChanges:
    starting: MemberList
    sd_to_smp: MemberList
    smp_to_sma: MemberList

    @property
    def empty(self) -> bool:
        return not (self.starting.total or self.sd_to_smp.total or self.smp_to_sma.total)


async def school(
    session: AsyncSession, actor: Actor, starting: BirthRange, sd_to_smp: BirthRange, smp_to_sma: BirthRange
) -> SchoolChanges:
    return SchoolChanges(
        await _member_list(session, actor, Member.school_level.is_(None), starting.condition()),
        await _member_list(session, actor, Member.school_level == SchoolLevel.SD, sd_to_smp.condition()),
        await _member_list(session, actor, Member.school_level == SchoolLevel.SMP, smp_to_sma.condition()),
    )


async def yearly_event(session: AsyncSession, actor: Actor, commitment: str, last_met: Period) -> MemberList:
    return await _member_list(session, actor, yearly_due_condition(commitment, last_met))


@dataclass(frozen=True, slots=True)
class HouseholdList:
    total: int
    items: list[HouseholdItem] = field(default_factory=list)


async def unvisited_for_two(
    session: AsyncSession, actor: Actor, closed: Period, registered_before: datetime
) -> HouseholdList:
    """Households in the actor's area with no visit in ``closed`` nor the period before (escalation); see
    ``not_visited_for_two`` for ``registered_before``."""
    where = [households_of(actor), not_visited_for_two(closed, registered_before)]
    total = await session.scalar(select(func.count()).select_from(Household).where(*where))
    pendamping = aliased(User)
    rows = await session.execute(
        select(Household.id, Household.head_name, Region.name, pendamping.name)
        .join(Region, Region.code == Household.desa_code)
        .outerjoin(pendamping, pendamping.id == Household.pendamping_id)
        .where(*where)
        .order_by(pendamping.name, Region.name, Household.head_name, Household.id)
        .limit(LIST_LIMIT)
    )
    items = [HouseholdItem(r[0], r[1], f"{r[2]} · {r[3] or '-'}") for r in rows.all()]
    return HouseholdList(int(total or 0), items)


@dataclass(frozen=True, slots=True)
class MissedCommitments:
    by_level: dict[int, int]
    items: list[MemberItem]

    @property
    def total(self) -> int:
        return sum(self.by_level.values())


async def missed_commitments(
    session: AsyncSession, actor: Actor, closed: Period, *, min_level: int, lang: str = "id"
) -> MissedCommitments:
    """Misses in ``closed`` with their escalation level (run of consecutive misses, capped at 3)."""
    p1, p2 = aliased(CommitmentCheck), aliased(CommitmentCheck)
    prev, prev2 = closed.previous(), closed.previous().previous()
    missed_prev, missed_prev2 = p1.id.is_not(None), and_(p1.id.is_not(None), p2.id.is_not(None))
    level = 1 + case((missed_prev, 1), else_=0) + case((missed_prev2, 1), else_=0)
    conditions = [CommitmentCheck.period == str(closed), CommitmentCheck.result == CheckResult.NOT_MET, *_active(actor)]
    if min_level >= 2:
        conditions.append(missed_prev)
    if min_level >= 3:
        conditions.append(missed_prev2)

    def joined(stmt: Any) -> Any:
        return (
            stmt.select_from(CommitmentCheck)
            .join(Member, Member.id == CommitmentCheck.member_id)
            .join(Household, Household.id == Member.household_id)
            .outerjoin(
                p1,
                and_(
                    p1.member_id == CommitmentCheck.member_id,
                    p1.commitment == CommitmentCheck.commitment,
                    p1.period == str(prev),
                    p1.result == CheckResult.NOT_MET,
                ),
            )
            .outerjoin(
                p2,
                and_(
                    p2.member_id == CommitmentCheck.member_id,
                    p2.commitment == CommitmentCheck.commitment,
                    p2.period == str(prev2),
                    p2.result == CheckResult.NOT_MET,
                ),
            )
            .where(*conditions)
        )

    counts = (await session.execute(joined(select(level, func.count())).group_by(level))).all()
    by_level = {int(lvl): int(n) for lvl, n in counts}
    rows = (
        await session.execute(
            joined(
                select(
                    Member.household_id,
                    Member.name,
                    Household.head_name,
                    CommitmentCheck.commitment,
                    level,
                    Household.programme_code,
                )
            )
            .order_by(level.desc(), Household.head_name, Member.name, CommitmentCheck.commitment)
            .limit(LIST_LIMIT)
        )
    ).all()
    labels = await _labels(session, lang)
    items = [
        MemberItem(household_id, name, head, None, labels.get((programme, commitment), commitment), int(lvl))
        for household_id, name, head, commitment, lvl, programme in rows
    ]
    return MissedCommitments(by_level, items)


async def _labels(session: AsyncSession, lang: str) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for code, rules in (await programme_rules(session)).items():
        for rule in rules.commitments:
            out[(code, rule.code)] = rule.label_en if lang == "en" and rule.label_en else rule.label
    return out


async def programme_rules(session: AsyncSession) -> dict[str, ProgrammeRules]:
    """Rules as stored (``jsika db upgrade`` syncs the files); the shipped files if the table is empty."""
    stored = {
        code: rules_from_json(rules) for code, rules in await session.execute(select(Programme.code, Programme.rules))
    }
    return stored or dict(shipped_programmes())


@dataclass(frozen=True, slots=True)
class PendampingCoverage:
    name: str
    visited: int
    total: int

    @property
    def ratio(self) -> float:
        return self.visited / self.total if self.total else 1.0


@dataclass(frozen=True, slots=True)
class Weekly:
    area_name: str
    period: Period
    households: int
    visited: int
    worst: list[PendampingCoverage]
    new_referrals: int


async def weekly(session: AsyncSession, actor: Actor, period: Period, now: datetime) -> Weekly:
    """The koordinator's week: coverage of the area this period, the three least-covered pendamping, new rujukan."""
    visited = select(Visit.household_id).where(Visit.period == str(period)).distinct().subquery()
    done = func.count(visited.c.household_id)
    base = (
        select(Household.pendamping_id, func.count(Household.id), done)
        .outerjoin(visited, visited.c.household_id == Household.id)
        .where(households_of(actor), Household.status == HouseholdStatus.AKTIF)
        .group_by(Household.pendamping_id)
    )
    per_pendamping = (await session.execute(base)).all()
    total = sum(int(r[1]) for r in per_pendamping)
    visited_count = sum(int(r[2]) for r in per_pendamping)
    ids = [r[0] for r in per_pendamping if r[0] is not None]
    names = dict((await session.execute(select(User.id, User.name).where(User.id.in_(ids)))).all()) if ids else {}
    coverage = [
        PendampingCoverage(names.get(r[0], "-"), int(r[2]), int(r[1])) for r in per_pendamping if r[0] is not None
    ]
    coverage.sort(key=lambda c: (c.ratio, -c.total, c.name))
    referrals = await session.scalar(
        select(func.count())
        .select_from(Referral)
        .join(Household, Household.id == Referral.household_id)
        .where(households_of(actor), Referral.created_at >= now - timedelta(days=7))
    )
    area = await session.scalar(select(Region.name).where(Region.code == actor.area_code))
    return Weekly(area or actor.area_code, period, total, visited_count, coverage[:3], int(referrals or 0))


@dataclass(frozen=True, slots=True)
class UnreachablePerson:
    name: str
    role: str
    phone: str | None
    area_name: str


async def unreachable_person(session: AsyncSession, actor: Actor, user_id: int) -> UnreachablePerson | None:
    """The person the note is about, if they are in the reader's area (admins: anyone)."""
    row = (
        await session.execute(
            select(User.name, User.role, User.phone, Region.name)
            .join(Region, Region.code == User.area_code)
            .where(User.id == user_id, within_area(User.area_code, actor.area_code) if not actor.is_admin else true())
        )
    ).first()
    return (
        UnreachablePerson(row[0], str(row[1].value if hasattr(row[1], "value") else row[1]), row[2], row[3])
        if row
        else None
    )
