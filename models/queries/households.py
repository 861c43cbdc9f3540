"""Household look-ups for the chat: search and the household card, always through the actor's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import data_issues
from models.actor import Actor
from models.data_issues import HeldRow
from models.queries.like import contains_text, starts_with_text, word_starts_with_text
from models.scope import households_of
from models.tables import Household, Member, MemberStatus, Region, User


@dataclass(frozen=True, slots=True)
class MemberLine:
    id: int
    name: str
    nik: str
    relation: str
    sex: str
    birth_date: date
    pregnancy_edd: date | None
    school_level: str | None
    severe_disability: bool


@dataclass(frozen=True, slots=True)
class HouseholdCard:
    id: int
    programme: str
    kk: str
    head_name: str
    address: str
    desa_code: str
    desa_name: str
    status: str
    phone: str | None
    pendamping_name: str | None
    members: list[MemberLine]
    missing: list[HeldRow] = field(default_factory=list)  # member rows the import held out (data perlu diperbaiki)


@dataclass(frozen=True, slots=True)
class HouseholdHit:
    id: int
    head_name: str
    kk: str
    desa_name: str
    matched_member: str | None


async def household_card(session: AsyncSession, actor: Actor, household_id: int) -> HouseholdCard | None:
    """The household with its living members, or None when it does not exist *or* is outside scope.

    Both cases look the same to the caller on purpose: a forged id must not reveal that a household exists.
    """
    row = (
        await session.execute(
            select(Household, Region.name, User.name)
            .join(Region, Region.code == Household.desa_code)
            .outerjoin(User, User.id == Household.pendamping_id)
            .where(Household.id == household_id, households_of(actor))
        )
    ).first()
    if row is None:
        return None
    household, desa_name, pendamping_name = row
    members = (
        await session.scalars(
            select(Member)
            .where(Member.household_id == household.id, Member.status == MemberStatus.AKTIF)
            .order_by(Member.birth_date)
        )
    ).all()
    return HouseholdCard(
        id=household.id,
        programme=household.programme_code,
        kk=household.kk,
        head_name=household.head_name,
        address=household.address,
        desa_code=household.desa_code,
        desa_name=desa_name,
        status=household.status.value,
        phone=household.phone,
        pendamping_name=pendamping_name,
        missing=data_issues.decode(household.data_issues),
        members=[
            MemberLine(
                id=m.id,
                name=m.name,
                nik=m.nik,
                relation=m.relation.value,
                sex=m.sex.value,
                birth_date=m.birth_date,
                pregnancy_edd=m.pregnancy_edd,
                school_level=m.school_level.value if m.school_level else None,
                severe_disability=m.severe_disability,
            )
            for m in members
        ],
    )


def _name_rank(needle: str) -> ColumnElement[int]:
    """How well a (household, member) row matches a typed name: 0 the head's name is exactly it, 1 a member's
    is; 2/3 the head's/a member's name starts with it; 4/5 a later word does; 6/7 it is somewhere inside.

    A pendamping types the name they know, usually the head's; an exact name must not drown among the dozens
    of names that merely contain it (``/kpm Ani`` in a desa of Rohani, Maryani, Haniyah …)."""
    lowered = needle.lower()
    tiers = [
        lambda column: func.lower(column) == lowered,
        lambda column: starts_with_text(column, needle),
        lambda column: word_starts_with_text(column, needle),
        lambda column: contains_text(column, needle),
    ]
    whens = []
    for tier, matches in enumerate(tiers):
        whens.append((matches(Household.head_name), 2 * tier))
        whens.append((matches(Member.name), 2 * tier + 1))
    return case(*whens, else_=2 * len(tiers))


def _number_rank(digits: str) -> ColumnElement[int]:
    """A whole KK or NIK before numbers that only start with the typed digits."""
    return case((or_(Household.kk == digits, Member.nik == digits), 0), else_=1)


async def search_households(session: AsyncSession, actor: Actor, text: str, limit: int = 8) -> list[HouseholdHit]:
    """By part of a name (head or member), or a full/partial NIK or KK (at least 6 digits); the best matches
    first (``_name_rank``), then by the head's name."""
    needle = text.strip()
    if len(needle) < 3:
        return []
    digits = needle.replace(" ", "")
    by_name = not digits.isdigit()
    if not by_name:
        if len(digits) < 6:
            return []
        condition = or_(Household.kk.startswith(digits), Member.nik.startswith(digits))
        rank = _number_rank(digits)
    else:
        condition = or_(contains_text(Household.head_name, needle), contains_text(Member.name, needle))
        rank = _name_rank(needle)
    best = (
        select(Household.id.label("household_id"), func.min(rank).label("rank"))
        .join(Member, Member.household_id == Household.id)
        .where(households_of(actor), condition)
        .group_by(Household.id)
        .subquery()
    )
    rows = (
        await session.execute(
            select(Household.id, Household.head_name, Household.kk, Region.name, best.c.rank)
            .join(best, best.c.household_id == Household.id)
            .join(Region, Region.code == Household.desa_code)
            .order_by(best.c.rank, Household.head_name, Household.id)
            .limit(limit)
        )
    ).all()
    members = await _matched_members(session, [r[0] for r in rows if by_name and r[4] % 2 == 1], needle)
    return [HouseholdHit(hid, head, kk, desa, members.get(hid)) for hid, head, kk, desa, _rank in rows]


def _tier(name: str, needle: str) -> int:
    """``_name_rank``'s tiers for one lower-cased name."""
    if name == needle:
        return 0
    if name.startswith(needle):
        return 1
    return 2 if f" {needle}" in name else 3


async def _matched_members(session: AsyncSession, household_ids: list[int], needle: str) -> dict[int, str]:
    """For households found through a member (not the head): that member's name, the best match first."""
    if not household_ids:
        return {}
    lowered = needle.lower()
    names = (
        await session.execute(
            select(Member.household_id, Member.name, Household.head_name)
            .join(Household, Household.id == Member.household_id)
            .where(Member.household_id.in_(household_ids), contains_text(Member.name, needle))
        )
    ).all()
    found: dict[int, tuple[tuple[int, str], str]] = {}
    for household_id, name, head in names:
        if name == head:
            continue
        key = (_tier(name.lower(), lowered), name)
        if household_id not in found or key < found[household_id][0]:
            found[household_id] = (key, name)
    return {household_id: name for household_id, (_key, name) in found.items()}
