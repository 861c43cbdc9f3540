"""Which wilayah a supervisor means: by code ("36.02", "3602") or by name ("lebak", "cikulur").

People type names the way they say them — without "Kabupaten" or "Kota", in any case. A name can belong to
several regions (Sukamaju is a desa in four kecamatan); then the caller offers a choice. When one match is larger
than all the others (Kabupaten Lebak and two desa called Lebak; kecamatan Cikulur and its desa) it is the one.
Regions outside the actor's area are never offered, so a koordinator of Lebak cannot reach Tangerang by name.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.actor import Actor
from models.queries.like import contains_text
from models.regions import RegionCodeError, is_within, normalize_region_code
from models.scope import covers_area, households_of, within_area
from models.tables import Household, Region

MAX_CHOICES = 8
_PREFIXES = ("kabupaten ", "kab. ", "kab ", "kota ", "kecamatan ", "kec. ", "kec ", "desa ", "kelurahan ", "kel. ")


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    name: str
    level: int
    parent_code: str | None


class LookupOutcome(enum.StrEnum):
    FOUND = "found"
    CHOICE = "choice"  # several regions share the name: ask
    NOT_FOUND = "not_found"
    OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True, slots=True)
class AreaLookup:
    outcome: LookupOutcome
    area: Area | None = None
    choices: list[Area] = field(default_factory=list)
    text: str = ""


def _area(region: Region) -> Area:
    return Area(region.code, region.name, region.level, region.parent_code)


async def get_area(session: AsyncSession, code: str) -> Area | None:
    region = await session.get(Region, code)
    return _area(region) if region is not None else None


async def child_areas(session: AsyncSession, code: str) -> list[Area]:
    regions = (await session.scalars(select(Region).where(Region.parent_code == code).order_by(Region.code))).all()
    return [_area(r) for r in regions]


def default_area_code(actor: Actor) -> str:
    return actor.area_code


async def resolve_area(session: AsyncSession, actor: Actor, text: str | None) -> AreaLookup:
    """The region ``text`` names, within what ``actor`` may see (empty text → the actor's own area)."""
    raw = (text or "").strip()
    if not raw:
        area = await get_area(session, default_area_code(actor))
        return AreaLookup(LookupOutcome.FOUND, area=area, text=raw) if area else AreaLookup(LookupOutcome.NOT_FOUND)
    if raw.replace(".", "").replace(" ", "").isdigit():
        return await _by_code(session, actor, raw)
    return await _by_name(session, actor, raw)


async def _by_code(session: AsyncSession, actor: Actor, raw: str) -> AreaLookup:
    try:
        code = normalize_region_code(raw)
    except RegionCodeError:
        return AreaLookup(LookupOutcome.NOT_FOUND, text=raw)
    area = await get_area(session, code)
    if area is None:
        return AreaLookup(LookupOutcome.NOT_FOUND, text=raw)
    if not covers_area(actor, area.code):
        return AreaLookup(LookupOutcome.OUT_OF_SCOPE, text=raw)
    return AreaLookup(LookupOutcome.FOUND, area=area, text=raw)


def _clean_name(raw: str) -> str:
    name = " ".join(raw.lower().split())
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


async def _by_name(session: AsyncSession, actor: Actor, raw: str) -> AreaLookup:
    name = _clean_name(raw)
    if len(name) < 3:
        return AreaLookup(LookupOutcome.NOT_FOUND, text=raw)
    lowered = func.lower(Region.name)
    exact = or_(lowered == name, lowered == "kabupaten " + name, lowered == "kota " + name)
    matches = [_area(r) for r in (await session.scalars(select(Region).where(exact).order_by(Region.code))).all()]
    if not matches:
        partial = select(Region).where(contains_text(Region.name, name)).order_by(Region.level, Region.code).limit(50)
        matches = [_area(r) for r in (await session.scalars(partial)).all()]
    if not matches:
        return AreaLookup(LookupOutcome.NOT_FOUND, text=raw)
    visible = [a for a in matches if covers_area(actor, a.code)]
    if not visible:
        return AreaLookup(LookupOutcome.OUT_OF_SCOPE, text=raw)
    visible.sort(key=lambda a: (a.level, a.code))
    top = visible[0]
    # One match larger than all the others is what people mean: "lebak" is the kabupaten, not the two desa
    # called Lebak elsewhere; "cikulur" is the kecamatan (with its desa Cikulur inside).
    if len(visible) == 1 or visible[1].level > top.level or all(is_within(a.code, top.code) for a in visible):
        return AreaLookup(LookupOutcome.FOUND, area=top, text=raw)
    return AreaLookup(LookupOutcome.CHOICE, choices=visible[:MAX_CHOICES], text=raw)


def household_filter(actor: Actor, area_code: str) -> list[ColumnElement[bool]]:
    """WHERE conditions for the households of ``area_code`` that ``actor`` may see.

    The scope condition is always there (it is what makes the query safe); the area condition is left out only
    when it cannot narrow anything — the province asked by an admin — so the planner may skip the household
    table entirely.
    """
    conditions: list[ColumnElement[bool]] = [households_of(actor)]
    if not (actor.is_admin and "." not in area_code):
        conditions.append(within_area(Household.desa_code, area_code))
    return conditions


def needs_household_join(actor: Actor, area_code: str) -> bool:
    """False only for an admin asking about the whole province: every row is in scope and in the area."""
    return not (actor.is_admin and "." not in area_code)
