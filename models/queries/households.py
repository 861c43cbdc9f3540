"""Household look-ups for the chat: search and the household card, always through the actor's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import data_issues
from models.actor import Actor
from models.data_issues import HeldRow
from models.queries.like import contains_text
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


async def search_households(session: AsyncSession, actor: Actor, text: str, limit: int = 8) -> list[HouseholdHit]:
    """By part of a name (head or member), or a full/partial NIK or KK (at least 6 digits)."""
    needle = text.strip()
    if len(needle) < 3:
        return []
    digits = needle.replace(" ", "")
    if digits.isdigit():
        if len(digits) < 6:
            return []
        condition = or_(Household.kk.startswith(digits), Member.nik.startswith(digits))
    else:
        condition = or_(contains_text(Household.head_name, needle), contains_text(Member.name, needle))
    rows = (
        await session.execute(
            select(Household.id, Household.head_name, Household.kk, Region.name, Member.name)
            .join(Member, Member.household_id == Household.id)
            .join(Region, Region.code == Household.desa_code)
            .where(households_of(actor), condition)
            .order_by(Household.head_name, Household.id)
            .limit(limit * 4)
        )
    ).all()
    by_name = not digits.isdigit()
    hits: dict[int, HouseholdHit] = {}
    for household_id, head, kk, desa, member_name in rows:
        member_matches = by_name and needle.lower() in member_name.lower() and member_name != head
        known = hits.get(household_id)
        if known is None:
            if len(hits) == limit:
                continue
            hits[household_id] = HouseholdHit(household_id, head, kk, desa, member_name if member_matches else None)
        elif known.matched_member is None and member_matches:
            hits[household_id] = HouseholdHit(household_id, head, kk, desa, member_name)
    return list(hits.values())
