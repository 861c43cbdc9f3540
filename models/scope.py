"""The one place where "who may see what" becomes SQL (decision 5 in docs/design.md).

pendamping → the households assigned to them; koordinator → households whose desa lies in their area;
admin → everything. Every query that reads or writes registry data combines its own conditions with these.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from models.actor import Actor
from models.regions import is_within
from models.tables import Household, Role, User


def within_area(column: Any, area: str) -> ColumnElement[bool]:
    """``column`` (a region code column) is ``area`` or lies inside it; uses the code index as a prefix scan."""
    return or_(column == area, column.startswith(area + "."))


def households_of(actor: Actor) -> ColumnElement[bool]:
    return rows_of(actor, Household.desa_code, Household.pendamping_id)


def rows_of(actor: Actor, desa: Any, pendamping: Any) -> ColumnElement[bool]:
    """``households_of`` for any table that carries a household's desa and pendamping columns (the household
    itself, or the report rollups of ``models/tables/rollup.py``), so both are scoped by the same rule."""
    if not actor.active:
        return false()
    if actor.role is Role.PENDAMPING:
        return pendamping == actor.id
    if actor.role is Role.ADMIN:
        return true()
    return within_area(desa, actor.area_code)


def area_rows_of(actor: Actor, desa: Any) -> ColumnElement[bool] | None:
    """The scope of a supervisor (admin, koordinator) over rows that carry only a desa code; ``None`` for anyone
    else, whose rows cannot be told apart by desa — the caller then reads the base tables."""
    if actor.role not in (Role.ADMIN, Role.KOORDINATOR):
        return None
    return rows_of(actor, desa, None)


def users_of(actor: Actor) -> ColumnElement[bool]:
    """People an actor may see or manage: themselves; a koordinator's area; everyone for an admin."""
    if not actor.active:
        return false()
    if actor.role is Role.ADMIN:
        return true()
    if actor.role is Role.KOORDINATOR:
        return within_area(User.area_code, actor.area_code)
    return User.id == actor.id


def covers_area(actor: Actor, area: str) -> bool:
    """May ``actor`` look at region ``area``? (a koordinator of 36.02 may see 36.02.05, not 36.03)."""
    if actor.role is Role.ADMIN:
        return True
    if actor.role is Role.KOORDINATOR:
        return is_within(area, actor.area_code)
    return False
