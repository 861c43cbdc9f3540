"""A pendamping's work for a period: which households are done, due, or overdue — most overdue first, paged.

One query feeds the /lapor picker, /jadwal and the reminders' buttons, so they never disagree about what is due.
"overdue" (terlambat) means the household missed the previous period too (or was never visited); "due"
(belum) means it was visited last period but not yet in this one; "done" (selesai) has a visit in this period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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


def _visit_summary(worked: ColumnElement[bool], period: Period):
    """Per household of the list (``worked``: the actor's active households): last visit date, and whether this and
    the previous period have a visit.

    The scope is applied *inside* the grouping: neither database pushes the outer join's condition into a grouped
    subquery, so without it every /lapor and /jadwal grouped the whole province's visits (950 ms at 50,000
    households with three months of history; a pendamping's 200 households read through their index instead)."""
    this, previous = str(period), str(period.previous())
    return (
        select(
            Visit.household_id.label("household_id"),
            func.max(Visit.visited_on).label("last_on"),
            func.max(case((Visit.period == this, 1), else_=0)).label("done"),
            func.max(case((Visit.period == previous, 1), else_=0)).label("prev_done"),
        )
        .join(Household, Household.id == Visit.household_id)
        .where(Visit.period <= this, worked)
        .group_by(Visit.household_id)
        .subquery()
    )


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
    summary = _visit_summary(worked, period)
    done = func.coalesce(summary.c.done, 0)
    overdue = and_(done == 0, func.coalesce(summary.c.prev_done, 0) == 0)
    counts = (
        await session.execute(
            select(
                func.count(Household.id),
                func.coalesce(func.sum(done), 0),
                func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
            )
            .select_from(Household)
            .outerjoin(summary, summary.c.household_id == Household.id)
            .where(worked)
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
            summary.c.last_on,
            done,
            overdue,
            Household.data_issues.is_not(None),
        )
        .join(Region, Region.code == Household.desa_code)
        .outerjoin(summary, summary.c.household_id == Household.id)
        .where(worked)
    )
    if not include_done:
        stmt = stmt.where(done == 0)
    stmt = (
        stmt.order_by(done, summary.c.last_on.is_not(None), summary.c.last_on, Household.head_name, Household.id)
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
