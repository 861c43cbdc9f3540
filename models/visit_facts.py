"""What the visit form needs to know about a household, read once when the household is picked.

The snapshot is stored in the form session, so every later step is answered without touching the registry
(fast, and the questions cannot shift under the pendamping's feet if the registry changes mid-report). It also
holds what the last visit said (condition, welfare, location) so a routine report confirms instead of retyping.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.actor import Actor
from models.period import Period
from models.rules import (
    MemberFacts,
    ProgrammeRules,
    age_in_years,
    applicable_commitments,
    rules_from_json,
    shipped_programmes,
)
from models.scope import households_of
from models.tables import (
    CheckResult,
    CommitmentCheck,
    Household,
    Member,
    MemberStatus,
    Programme,
    Region,
    Visit,
)


@dataclass(frozen=True, slots=True)
class MemberFact:
    id: int
    name: str
    sex: str
    birth_date: str  # ISO, so the snapshot is plain JSON
    relation: str
    pregnancy_edd: str | None = None
    school_level: str | None = None
    severe_disability: bool = False

    def facts(self) -> MemberFacts:
        return MemberFacts(
            birth_date=date.fromisoformat(self.birth_date),
            sex=self.sex,
            pregnancy_edd=date.fromisoformat(self.pregnancy_edd) if self.pregnancy_edd else None,
            school_level=self.school_level,
            severe_disability=self.severe_disability,
        )

    def age(self, on: date) -> int:
        return age_in_years(date.fromisoformat(self.birth_date), on)


@dataclass
class HouseholdFacts:
    id: int
    head_name: str
    programme: str
    kk: str
    desa_name: str
    address: str
    phone: str | None
    members: list[MemberFact] = field(default_factory=list)
    last_point: tuple[float, float] | None = None
    last_condition: dict[str, str] = field(default_factory=dict)
    last_welfare: dict[str, bool] = field(default_factory=dict)
    last_met: dict[str, dict[str, str]] = field(default_factory=dict)  # member id → commitment → "YYYY-MM"

    def member(self, member_id: int | None) -> MemberFact | None:
        return next((m for m in self.members if m.id == member_id), None)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_point"] = list(self.last_point) if self.last_point else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HouseholdFacts:
        values = dict(data)
        values["members"] = [MemberFact(**m) for m in data.get("members", [])]
        point = data.get("last_point")
        values["last_point"] = (float(point[0]), float(point[1])) if point else None
        return cls(**values)


@dataclass(frozen=True, slots=True)
class CommitmentItem:
    """One question of the commitment section: a member, a commitment, and why it applies."""

    member_id: int
    member_name: str
    age: int
    school_level: str | None
    code: str
    label: str
    label_en: str
    category: str

    @property
    def key(self) -> str:
        return f"{self.member_id}:{self.code}"


def commitment_items(rules: ProgrammeRules, household: HouseholdFacts, period: Period) -> list[CommitmentItem]:
    """Every member's applicable commitments in ``period`` (the rules module decides), oldest member first."""
    items = []
    for member in household.members:
        last = {code: Period.parse(p) for code, p in household.last_met.get(str(member.id), {}).items()}
        for rule in applicable_commitments(rules, member.facts(), period, last):
            items.append(
                CommitmentItem(
                    member_id=member.id,
                    member_name=member.name,
                    age=member.age(period.start),
                    school_level=member.school_level,
                    code=rule.code,
                    label=rule.label,
                    label_en=rule.label_en,
                    category=rule.category,
                )
            )
    return items


async def load_household_facts(session: AsyncSession, actor: Actor, household_id: int) -> HouseholdFacts | None:
    """The snapshot, or ``None`` when the household does not exist or lies outside the actor's scope."""
    row = (
        await session.execute(
            select(Household, Region.name)
            .join(Region, Region.code == Household.desa_code)
            .where(Household.id == household_id, households_of(actor))
        )
    ).first()
    if row is None:
        return None
    household, desa_name = row
    members = (
        await session.scalars(
            select(Member)
            .where(Member.household_id == household_id, Member.status == MemberStatus.AKTIF)
            .order_by(Member.birth_date, Member.id)
        )
    ).all()
    facts = HouseholdFacts(
        id=household.id,
        head_name=household.head_name,
        programme=household.programme_code,
        kk=household.kk,
        desa_name=desa_name,
        address=household.address,
        phone=household.phone,
        members=[
            MemberFact(
                id=m.id,
                name=m.name,
                sex=m.sex.value,
                birth_date=m.birth_date.isoformat(),
                relation=m.relation.value,
                pregnancy_edd=m.pregnancy_edd.isoformat() if m.pregnancy_edd else None,
                school_level=m.school_level.value if m.school_level else None,
                severe_disability=m.severe_disability,
            )
            for m in members
        ],
    )
    if household.latitude is not None and household.longitude is not None:
        facts.last_point = (household.latitude, household.longitude)
    last_visits = (
        await session.execute(
            select(Visit.met, Visit.condition, Visit.welfare, Visit.latitude, Visit.longitude)
            .where(Visit.household_id == household_id)
            .order_by(Visit.visited_on.desc(), Visit.submitted_at.desc())
            .limit(6)
        )
    ).all()
    for met, condition, welfare, latitude, longitude in last_visits:
        if facts.last_point is None and latitude is not None and longitude is not None:
            facts.last_point = (latitude, longitude)
        if met and not facts.last_condition and not facts.last_welfare:
            facts.last_condition = dict(condition or {})
            facts.last_welfare = dict(welfare or {})
    met_rows = (
        await session.execute(
            select(CommitmentCheck.member_id, CommitmentCheck.commitment, func.max(CommitmentCheck.period))
            .join(Member, Member.id == CommitmentCheck.member_id)
            .where(Member.household_id == household_id, CommitmentCheck.result == CheckResult.MET)
            .group_by(CommitmentCheck.member_id, CommitmentCheck.commitment)
        )
    ).all()
    for member_id, code, period in met_rows:
        facts.last_met.setdefault(str(member_id), {})[code] = period
    return facts


_RULES_CACHE: dict[tuple[str, str], ProgrammeRules] = {}


def cached_programme_rules(code: str, rules_hash: str) -> ProgrammeRules | None:
    """The parsed rules of ``code`` at version ``rules_hash`` if this process has them (no database read)."""
    return _RULES_CACHE.get((code, rules_hash)) if rules_hash else None


async def programme_rules(session: AsyncSession, code: str) -> ProgrammeRules:
    """A programme's rules as stored (admins may have changed them), parsed once per version per process.

    Every form step asks, so the usual case reads the 64-character hash only; the rules document itself is read
    (and parsed) when this process has not seen that version yet.
    """
    digest = (await session.execute(select(Programme.rules_hash).where(Programme.code == code))).first()
    if digest is None:
        return shipped_programmes()[code]
    key = (code, digest[0] or "")
    rules = _RULES_CACHE.get(key) if digest[0] else None
    if rules is None:
        row = (await session.execute(select(Programme.rules).where(Programme.code == code))).first()
        if row is None or not row[0]:
            return shipped_programmes()[code]
        rules = rules_from_json(row[0])
        if digest[0]:
            _RULES_CACHE[key] = rules
    return rules
