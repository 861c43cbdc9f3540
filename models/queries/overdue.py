"""/tunggakan: active households of an area not yet visited in the period, grouped by pendamping.

A household with no visit in this period *nor the one before* is overdue for 2+ periods — the escalation
docs/glossary.md gives the koordinator. The same row query feeds the chat page and the overdue-list export.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.actor import Actor
from models.period import Period
from models.queries import tallies
from models.queries.regions import household_filter
from models.queries.summary import is_latest, not_visited_condition
from models.tables import CoverageTally, Household, HouseholdStatus, Region, User, Visit

PAGE_SIZE = 10


@dataclass(frozen=True, slots=True)
class OverdueRow:
    household_id: int
    head_name: str
    kk: str
    address: str
    desa_code: str
    desa_name: str
    pendamping_id: int | None
    pendamping_name: str | None
    last_period: str | None  # YYYY-MM of the last visit, None when never visited

    def periods_without_visit(self, period: Period) -> int | None:
        """Periods since the last visit, counting ``period`` itself (1 = not yet this period); None = never."""
        if self.last_period is None:
            return None
        return period.months_since(Period.parse(self.last_period))


@dataclass(frozen=True, slots=True)
class PendampingLoad:
    pendamping_id: int | None
    name: str | None
    overdue: int
    oldest: str = ""  # the oldest last-visit period among them; "" = one was never visited


@dataclass(frozen=True, slots=True)
class OverduePage:
    period: Period
    rows: list[OverdueRow]
    by_pendamping: list[PendampingLoad]
    page: int
    pages: int
    total: int


def _not_visited(actor: Actor, area_code: str, period: Period, latest: bool) -> list[ColumnElement[bool]]:
    return [
        Household.status == HouseholdStatus.AKTIF,
        *household_filter(actor, area_code),
        not_visited_condition(period, latest),
    ]


def _last_seen(period: Period, latest: bool) -> Any:
    """The period of a household's last visit before ``period`` (None: never visited)."""
    if latest:
        return Household.last_visit_period
    before = select(func.max(Visit.period)).where(Visit.household_id == Household.id, Visit.period < str(period))
    return before.scalar_subquery()


def overdue_rows_query(
    actor: Actor, area_code: str, period: Period, latest: bool
) -> Select[int, str, str, str, str, str, int | None, str | None, str | None]:
    """Households not visited in ``period``, by pendamping, the longest unvisited first (never visited, then
    the oldest last visit); ``latest``: see ``summary.is_latest``."""
    last = _last_seen(period, latest)
    return (
        select(
            Household.id,
            Household.head_name,
            Household.kk,
            Household.address,
            Household.desa_code,
            Region.name,
            Household.pendamping_id,
            User.name,
            last,
        )
        .join(Region, Region.code == Household.desa_code)
        .outerjoin(User, User.id == Household.pendamping_id)
        .where(*_not_visited(actor, area_code, period, latest))
        .order_by(
            User.name.is_(None),
            User.name,
            Household.pendamping_id,
            case((last.is_(None), 0), else_=1),
            last,
            Household.head_name,
            Household.id,
        )
    )


async def overdue_page(
    session: AsyncSession, actor: Actor, area_code: str, period: Period, page: int = 0, page_size: int = PAGE_SIZE
) -> OverduePage:
    """One page of the list, and the count per pendamping.

    The most overdue first: the pendamping whose longest-unvisited household waits longest comes first, and
    within a pendamping the households never visited, then by their last visit, oldest first. The rows are
    ordered by pendamping (the order of ``by_pendamping``); so a page is read pendamping by pendamping — the one
    or two whose households it spans, each through the household's pendamping index — instead of sorting the
    whole area's list (a province has ~200k) to take ten rows.
    """
    latest = await is_latest(session, period)
    rollup = tallies.scope(actor, area_code, CoverageTally.desa_code) if latest else None
    if rollup is not None:
        loads = await tallies.not_visited_by_pendamping(session, rollup, period)
    else:
        oldest = func.min(func.coalesce(_last_seen(period, latest), ""))
        loads = [
            (pid, name, count, first or "")
            for pid, name, count, first in await session.execute(
                select(Household.pendamping_id, User.name, func.count(), oldest)
                .outerjoin(User, User.id == Household.pendamping_id)
                .where(*_not_visited(actor, area_code, period, latest))
                .group_by(Household.pendamping_id, User.name)
            )
        ]
    by_pendamping = sorted(
        (PendampingLoad(pid, name, count, first) for pid, name, count, first in loads),
        key=lambda p: (p.oldest, p.name is None, p.name or "", p.pendamping_id or 0),
    )
    total = sum(p.overdue for p in by_pendamping)
    pages = max(1, -(-total // page_size))
    page = min(max(page, 0), pages - 1)
    rows: list[OverdueRow] = []
    first, start = page * page_size, 0
    for load in by_pendamping:
        end = start + load.overdue
        if end > first and start < first + page_size:
            skip = max(first - start, 0)
            take = min(end, first + page_size) - start - skip
            own = (
                Household.pendamping_id.is_(None)
                if load.pendamping_id is None
                else Household.pendamping_id == load.pendamping_id
            )
            result = await session.execute(
                overdue_rows_query(actor, area_code, period, latest).where(own).limit(take).offset(skip)
            )
            rows.extend(OverdueRow(*row) for row in result.all())
        start = end
        if start >= first + page_size:
            break
    return OverduePage(period, rows, by_pendamping, page, pages, total)
