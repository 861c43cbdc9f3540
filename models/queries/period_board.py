"""What /penyaluran reads: an area's stored verdicts counted, its two exception lists paged, and the province's
board of kabupaten/kota (signed or not, the totals).

Every list is scoped twice, as everywhere: by the area asked for and by the reader's own area
(``period_close.verdicts_of``), so a koordinator of 36.02 asking for 36.03 gets an empty answer. The counts are the
same ``GROUP BY`` the CLI prints (``stored_counts``); the pages are chosen in SQL (``LIMIT``/``OFFSET``), so a
kabupaten with thousands of unverified households costs one page of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.actor import Actor
from models.period import Period
from models.queries import period_close as close_queries
from models.tables import (
    Household,
    Member,
    PeriodAdjustment,
    PeriodVerdict,
    Region,
    User,
    Verdict,
    VerdictReason,
)

RECOMMENDATIONS_PAGE = 5  # each item is four lines and two buttons
UNVERIFIED_PAGE = 10


@dataclass(frozen=True, slots=True)
class AreaBoard:
    """One area's list: counts per verdict, what is undecided, and the kabupaten/kota's signature."""

    counts: dict[str, int]
    undecided: int
    recommendations: int  # rows that are or were a suspension recommendation (decided ones included)
    held: int  # unverified households not paid (the programme's ``unverified = "tahan"``)
    adjustments: int
    signed_at: datetime | None
    signed_by: str | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class Adjustment:
    before: str
    after: str
    reason: str
    made_by: str | None
    made_at: datetime


@dataclass(frozen=True, slots=True)
class ListedHousehold:
    """One exception: a suspension recommendation (member, commitment) or an unverified household."""

    verdict_id: int
    head_name: str
    desa_name: str
    verdict: str
    reason: str
    disburse: bool
    member_name: str | None
    commitment: str | None
    pendamping: str | None
    decided_by: str | None
    decided_at: datetime | None
    override_reason: str | None
    period: str
    desa_code: str
    adjustment: Adjustment | None = None


@dataclass(frozen=True, slots=True)
class ListPage:
    rows: list[ListedHousehold]
    total: int
    page: int
    pages: int
    size: int  # rows per page


@dataclass(frozen=True, slots=True)
class ProvinceArea:
    """One kabupaten/kota of the region table on the board, whether or not its list exists yet."""

    code: str
    name: str
    signed_at: datetime | None
    signed_by: str | None
    counts: dict[str, int] = field(default_factory=dict)
    undecided: int = 0

    @property
    def closed(self) -> bool:
        """Whether the period was ever closed for it (its list opened in the chat or ``jsika period close``): a
        kabupaten/kota nobody opened yet has no stored verdicts, and the admin must see it as owing a list."""
        return bool(self.counts)


def _recommendation() -> ColumnElement[bool]:
    """A row that is or was a suspension recommendation (decided or not)."""
    return or_(
        PeriodVerdict.member_id.is_not(None),
        PeriodVerdict.reason.in_([VerdictReason.LEVEL_THREE, VerdictReason.OVERRIDDEN]),
    )


async def area_board(session: AsyncSession, actor: Actor, area_code: str, period: Period) -> AreaBoard:
    """The counts of ``area_code``'s stored list as ``actor`` may see it, and its kabupaten/kota's signature."""
    scope = close_queries.verdicts_of(actor, area_code)
    counts = await close_queries.stored_counts(session, actor, area_code, period)
    held = await session.scalar(
        select(func.count())
        .select_from(PeriodVerdict)
        .where(
            PeriodVerdict.period == str(period),
            PeriodVerdict.verdict == Verdict.UNVERIFIED,
            PeriodVerdict.disburse.is_(False),
            *scope,
        )
    )
    recommended = await session.scalar(
        select(func.count())
        .select_from(PeriodVerdict)
        .where(PeriodVerdict.period == str(period), _recommendation(), *scope)
    )
    adjusted = await session.scalar(
        select(func.count())
        .select_from(PeriodAdjustment)
        .join(
            PeriodVerdict,
            and_(
                PeriodVerdict.household_id == PeriodAdjustment.household_id,
                PeriodVerdict.period == PeriodAdjustment.period,
            ),
        )  # fmt: skip
        .where(PeriodAdjustment.period == str(period), *scope)
    )
    signed = await close_queries.signoffs(session, period, area_code[:5]) if "." in area_code else []
    return AreaBoard(
        counts=counts,
        undecided=counts.get(Verdict.RECOMMENDED.value, 0),
        recommendations=int(recommended or 0),
        held=int(held or 0),
        adjustments=int(adjusted or 0),
        signed_at=signed[0].signed_at if len(signed) == 1 else None,
        signed_by=signed[0].signed_by if len(signed) == 1 else None,
    )


async def _latest_adjustments(session: AsyncSession, period: Period, households: Sequence[int]) -> dict[int, Any]:
    if not households:
        return {}
    maker = aliased(User)
    rows = await session.execute(
        select(
            PeriodAdjustment.household_id,
            PeriodAdjustment.verdict_before,
            PeriodAdjustment.verdict_after,
            PeriodAdjustment.reason,
            maker.name,
            PeriodAdjustment.made_at,
        )
        .outerjoin(maker, maker.id == PeriodAdjustment.made_by)
        .where(PeriodAdjustment.period == str(period), PeriodAdjustment.household_id.in_(households))
        .order_by(PeriodAdjustment.id)
    )
    found: dict[int, Adjustment] = {}
    for household_id, before, after, reason, who, at in rows.all():
        found[int(household_id)] = Adjustment(Verdict(before).value, Verdict(after).value, reason, who, at)
    return found


def _listing() -> Select:
    decider, pendamping = aliased(User), aliased(User)
    return (
        select(
            PeriodVerdict.id,
            Household.head_name,
            Region.name,
            PeriodVerdict.verdict,
            PeriodVerdict.reason,
            PeriodVerdict.disburse,
            Member.name,
            PeriodVerdict.commitment,
            pendamping.name,
            decider.name,
            PeriodVerdict.decided_at,
            PeriodVerdict.override_reason,
            PeriodVerdict.period,
            PeriodVerdict.household_id,
            PeriodVerdict.desa_code,
        )
        .join(Household, Household.id == PeriodVerdict.household_id)
        .join(Region, Region.code == PeriodVerdict.desa_code)
        .outerjoin(Member, Member.id == PeriodVerdict.member_id)
        .outerjoin(pendamping, pendamping.id == Household.pendamping_id)
        .outerjoin(decider, decider.id == PeriodVerdict.decided_by)
    )


async def _listed(session: AsyncSession, rows: Sequence[Any]) -> list[ListedHousehold]:
    by_period: dict[str, list[int]] = {}
    for r in rows:
        by_period.setdefault(str(r[12]), []).append(int(r[13]))
    adjustments: dict[tuple[str, int], Adjustment] = {}
    for period, households in by_period.items():
        found = await _latest_adjustments(session, Period.parse(period), households)
        adjustments.update({(period, household): a for household, a in found.items()})
    return [
        ListedHousehold(
            int(r[0]),
            r[1],
            r[2],
            Verdict(r[3]).value,
            VerdictReason(r[4]).value,
            bool(r[5]),
            r[6],
            r[7],
            r[8],
            r[9],
            r[10],
            r[11],
            str(r[12]),
            str(r[14]),
            adjustments.get((str(r[12]), int(r[13]))),
        )  # fmt: skip
        for r in rows
    ]


async def _page(
    session: AsyncSession,
    actor: Actor,
    area_code: str,
    period: Period,
    condition: ColumnElement[bool],
    page: int,
    page_size: int,
) -> ListPage:
    where = [PeriodVerdict.period == str(period), condition, *close_queries.verdicts_of(actor, area_code)]
    total = int(await session.scalar(select(func.count()).select_from(PeriodVerdict).where(*where)) or 0)
    pages = max(1, -(-total // page_size))
    page = min(max(page, 0), pages - 1)
    rows = await session.execute(
        _listing()
        .where(*where)
        .order_by(PeriodVerdict.desa_code, Household.head_name, PeriodVerdict.id)
        .limit(page_size)
        .offset(page * page_size)
    )
    return ListPage(await _listed(session, rows.all()), total, page, pages, page_size)


async def listed_one(session: AsyncSession, actor: Actor, verdict_id: int) -> ListedHousehold | None:
    """One verdict of the reader's own area (``None`` when it is not there: forged, or another kabupaten's)."""
    rows = await session.execute(
        _listing().where(PeriodVerdict.id == verdict_id, *close_queries.verdicts_of(actor, actor.area_code))
    )
    found = await _listed(session, rows.all())
    return found[0] if found else None


async def recommendations(
    session: AsyncSession, actor: Actor, area_code: str, period: Period, page: int = 0,
    page_size: int = RECOMMENDATIONS_PAGE,
) -> ListPage:  # fmt: skip
    """The suspension recommendations of the area — undecided, confirmed and overridden alike (a decision may be
    changed until the list is signed) — with the member and commitment at level 3."""
    return await _page(session, actor, area_code, period, _recommendation(), page, page_size)


async def unverified(
    session: AsyncSession, actor: Actor, area_code: str, period: Period, page: int = 0, page_size: int = UNVERIFIED_PAGE
) -> ListPage:
    """The households without a verifying report for the period, with their pendamping."""
    return await _page(session, actor, area_code, period, PeriodVerdict.verdict == Verdict.UNVERIFIED, page, page_size)


async def province_board(session: AsyncSession, period: Period) -> list[ProvinceArea]:
    """Every kabupaten/kota of the region table, in code order — signed (by whom, when) or not, its counts per
    verdict and what is undecided; one whose list was never opened or closed has no counts (``closed`` is false)
    and counts as unsigned, so the board always shows all of them (8 in Banten)."""
    signoffs = await close_queries.signoffs(session, period)
    counts = await close_queries.stored_counts_by_area(session, period, close_queries.PROVINCE)
    return [
        ProvinceArea(
            s.area_code,
            s.area_name,
            s.signed_at,
            s.signed_by,
            counts.get(s.area_code, {}),
            counts.get(s.area_code, {}).get(Verdict.RECOMMENDED.value, 0),
        )
        for s in signoffs
    ]
