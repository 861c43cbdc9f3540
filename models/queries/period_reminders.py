"""The period close's reminders in SQL: which kabupaten/kota still owe a signed list, and who is told.

A kabupaten/kota owes a list for a closed period when it has households on that period's list
(``period_close.on_the_list``: active, or graduated since the period began) and no ``period_signoff`` row. The
handful of kabupaten/kota is read first (``unsigned_kabupaten``, one EXISTS per region that stops at the first
household); the planner's statements then write outbox rows with dedupe keys, like every other reminder
(``models/queries/reminder_planning.py``), so a rerun or a second planner adds nothing. The composer asks the
same question again when the row is sent: a list signed in the meantime cancels its reminder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import exists

from models.base import UtcDateTime
from models.period import Period
from models.queries.period_close import PROVINCE, on_the_list
from models.queries.reminder_planning import (
    area_range,
    constant,
    dedupe_key,
    insert_ignoring_duplicates,
    reachable,
    recipient_rows,
)
from models.regions import level_of
from models.reminder_settings import Kind
from models.scope import within_area
from models.tables import Household, PeriodSignoff, Region, Role, User

KABUPATEN_LENGTH = len("36.02")


@dataclass(frozen=True, slots=True)
class Unsigned:
    code: str
    name: str


async def unsigned_kabupaten(
    session: AsyncSession, period: Period, period_begins: datetime, within: str = PROVINCE
) -> list[Unsigned]:
    """The kabupaten/kota concerning ``within`` (the province, a kabupaten/kota, or the one a kecamatan or desa
    lies in) whose list for ``period`` has households and is not signed; for an area below a kabupaten/kota, only
    when that area itself has households on the list."""
    regions = within_area(Region.code, within) if level_of(within) <= 2 else Region.code == within[:KABUPATEN_LENGTH]
    households_in = within_area(Household.desa_code, within)
    signed = exists().where(PeriodSignoff.area_code == Region.code, PeriodSignoff.period == str(period))
    listed = exists().where(area_range(Household.desa_code, Region.code), households_in, on_the_list(period_begins))
    rows = await session.execute(
        select(Region.code, Region.name).where(Region.level == 2, regions, ~signed, listed).order_by(Region.code)
    )
    return [Unsigned(str(code), str(name)) for code, name in rows.all()]


def _koordinator_owes(unsigned: Sequence[str], period_begins: datetime) -> ColumnElement[bool]:
    """The koordinator covers households on the list of an unsigned kabupaten/kota. The codes are tested on the
    person first, so a koordinator of a signed kabupaten/kota costs no household probe at all."""
    in_unsigned = or_(
        func.length(User.area_code) < KABUPATEN_LENGTH,
        func.substr(User.area_code, 1, KABUPATEN_LENGTH).in_(list(unsigned)),
    )
    has_households = exists().where(
        or_(Household.desa_code == User.area_code, area_range(Household.desa_code, User.area_code)),
        func.substr(Household.desa_code, 1, KABUPATEN_LENGTH).in_(list(unsigned)),
        on_the_list(period_begins),
    )
    return in_unsigned & has_households


async def plan_signoff(
    session: AsyncSession,
    *,
    closed: Period,
    unsigned: Sequence[str],
    period_begins: datetime,
    window: date,
    not_before: datetime,
    now: datetime,
) -> int:
    """The first working day after ``closed`` closed: each koordinator whose kabupaten/kota has not signed."""
    if not unsigned:
        return 0
    kind = Kind.PERIOD_SIGNOFF
    rows = recipient_rows(
        dedupe_key(kind, User.id, f":{closed}:{window.isoformat()}"),
        kind,
        constant({"period": str(closed)}),
        literal(not_before, UtcDateTime()),
        now,
    ).where(reachable(Role.KOORDINATOR), _koordinator_owes(unsigned, period_begins))
    return await insert_ignoring_duplicates(session, rows)


async def plan_unsigned_notice(
    session: AsyncSession,
    *,
    closed: Period,
    unsigned: Sequence[str],
    window: date,
    asked: date,
    not_before: datetime,
    now: datetime,
) -> int:
    """Some working days later: one message to each admin naming the kabupaten/kota that have not signed."""
    if not unsigned:
        return 0
    kind = Kind.PERIOD_UNSIGNED
    payload: dict[str, Any] = {"period": str(closed), "asked": asked.isoformat()}
    rows = recipient_rows(
        dedupe_key(kind, User.id, f":{closed}:{window.isoformat()}"),
        kind,
        constant(payload),
        literal(not_before, UtcDateTime()),
        now,
    ).where(reachable(Role.ADMIN))
    return await insert_ignoring_duplicates(session, rows)
