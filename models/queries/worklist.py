"""A pendamping's work for a period: which households are done, due, or overdue — most overdue first, paged.

One query feeds the /lapor picker, /jadwal and the reminders' buttons, so they never disagree about what is due.
"overdue" (terlambat) means the household missed the previous period too (or was never visited); "due"
(belum) means it was visited last period but not yet in this one; "done" (selesai) has a visit in this period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.actor import Actor
from models.period import Period
from models.scope import households_of
from models.tables import Household, HouseholdStatus, Region, Visit

PAGE_SIZE = 8


@dataclass(frozen=True, slots=True)
class WorkItem:
    household_id: int
    head_name: str
    desa_name: str
    last_visited_on: date | None
    done: bool
    overdue: bool
    needs_repair: bool = False  # the import held member rows out: "data perlu diperbaiki" (``models.data_issues``)


@dataclass(frozen=True, slots=True)
class Worklist:
    period: Period
    items: list[WorkItem]  # this page
    page: int
    pages: int
    total: int
    done: int
    overdue: int

    @property
    def due(self) -> int:
        """Not yet visited this period (overdue ones included)."""
        return self.total - self.done


@dataclass(frozen=True, slots=True)
class ReportedVisit:
    visit_id: str
    visited_on: date


def _visit_summary(period: Period) -> tuple[ColumnElement[Any], ColumnElement[int], ColumnElement[bool]]:
    """Per household: the date of its last visit up to ``period``, whether ``period`` has a visit (1/0), and
    whether it is overdue (neither ``period`` nor the one before has a visit) — read from the household row.

    ``household.last_visit_period`` (0005) and ``last_visited_on`` (0018) are kept by triggers on ``visit``. For
    a household whose latest visit is no later than ``period`` — every household when the list is for the
    current period — they answer exactly; only a household visited *after* ``period`` (a list for an earlier
    period) asks its visits, through ``ix_visit_household_period``. Grouping the visits of a pendamping's
    households instead read ~20,000 visit rows per list at province scale (issue 22); before that, a scope
    applied outside the grouping grouped the whole province's visits (issue 6). ``tests/models/test_worklist.py``
    checks the answer against the plain grouping on generated histories."""
    this, previous = str(period), str(period.previous())
    last = Household.last_visit_period

    def visited(in_period: str) -> ColumnElement[bool]:
        return (
            select(Visit.id)
            .where(Visit.household_id == Household.id, Visit.period == in_period)
            .correlate(Household)
            .exists()
        )

    last_on = case(
        (last.is_(None), None),
        (last <= this, Household.last_visited_on),
        else_=(
            select(func.max(Visit.visited_on))
            .where(Visit.household_id == Household.id, Visit.period <= this)
            .correlate(Household)
            .scalar_subquery()
        ),
    )
    done = case((last.is_(None) | (last < this), 0), (last == this, 1), (visited(this), 1), else_=0)
    overdue = case(
        (last.is_(None), True),
        (last == this, False),
        (last < this, last != previous),
        else_=~visited(this) & ~visited(previous),
    )
    return last_on, done, overdue


async def worklist(
    session: AsyncSession,
    actor: Actor,
    period: Period,
    *,
    page: int = 0,
    page_size: int = PAGE_SIZE,
    include_done: bool = False,
) -> Worklist:
    """Households in the actor's scope (active ones) for ``period``: the not-done ones, longest unvisited first."""
    worked = and_(households_of(actor), Household.status == HouseholdStatus.AKTIF)
    last_on, done, overdue = _visit_summary(period)
    counts = (
        await session.execute(
            select(
                func.count(Household.id),
                func.coalesce(func.sum(done), 0),
                func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
            ).where(worked)
        )
    ).one()
    total, done_count, overdue_count = int(counts[0]), int(counts[1]), int(counts[2])
    listed = total if include_done else total - done_count
    pages = max(1, -(-listed // page_size))
    page = min(max(0, page), pages - 1)
    stmt = (
        select(
            Household.id,
            Household.head_name,
            Region.name,
            last_on,
            done,
            overdue,
            Household.data_issues.is_not(None),
        )
        .join(Region, Region.code == Household.desa_code)
        .where(worked)
    )
    if not include_done:
        stmt = stmt.where(done == 0)
    stmt = (
        stmt.order_by(done, last_on.is_not(None), last_on, Household.head_name, Household.id)
        .offset(page * page_size)
        .limit(page_size)
    )
    rows = (await session.execute(stmt)).all()
    items = [
        WorkItem(
            household_id=r[0],
            head_name=r[1],
            desa_name=r[2],
            last_visited_on=r[3],
            done=bool(r[4]),
            overdue=bool(r[5]),
            needs_repair=bool(r[6]),
        )
        for r in rows
    ]
    return Worklist(period, items, page, pages, total, done_count, overdue_count)


async def reported_in_period(
    session: AsyncSession, actor: Actor, household_id: int, period: Period
) -> ReportedVisit | None:
    """The household's latest visit in ``period``, if any ("already reported this period")."""
    row = (
        await session.execute(
            select(Visit.id, Visit.visited_on)
            .join(Household, Household.id == Visit.household_id)
            .where(Visit.household_id == household_id, Visit.period == str(period), households_of(actor))
            .order_by(Visit.visited_on.desc(), Visit.submitted_at.desc())
            .limit(1)
        )
    ).first()
    return ReportedVisit(row[0], row[1]) if row is not None else None


async def programmes_of(session: AsyncSession, actor: Actor) -> list[str]:
    """The programmes of the actor's active households (their deadlines may differ: JSCM closes earlier)."""
    rows = await session.scalars(
        select(Household.programme_code)
        .where(households_of(actor), Household.status == HouseholdStatus.AKTIF)
        .group_by(Household.programme_code)
    )
    return sorted(rows.all())
