"""The supervisor reports' numbers read from the rollups (``models/tables/rollup.py``) instead of the visits.

Each function here answers exactly what its counterpart over the base tables answers (``summary``, ``overdue``,
``compliance``; a test pins them together), but reads a range of a small table's primary key: a kabupaten's
month is a few hundred rows, the province's a few thousand, instead of ~450k visits reached through their
households. They serve supervisors only (admin, koordinator), whose scope is an area: a pendamping's scope is
their own households, which the rollups do not tell apart, so for them ``scope`` is ``None`` and the callers read
the base tables. Coverage comes from ``household.last_visit_period`` and so, like ``summary.is_latest``'s fast
path, only for the latest period.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.actor import Actor
from models.period import Period
from models.scope import area_rows_of, within_area
from models.tables import (
    CheckResult,
    CheckTally,
    CommitmentGap,
    CoverageTally,
    HouseholdStatus,
    User,
)
from models.tables.rollup import NO_PENDAMPING


def scope(actor: Actor, area_code: str, desa: Any) -> list[ColumnElement[bool]] | None:
    """WHERE conditions on a rollup's desa column for ``area_code`` within ``actor``'s scope; ``None`` when the
    rollups cannot answer for this actor (see the module docstring)."""
    allowed = area_rows_of(actor, desa)
    if allowed is None:
        return None
    if actor.is_admin and "." not in area_code:  # the province: every row
        return [allowed]
    return [allowed, within_area(desa, area_code)]


async def coverage_by_desa(
    session: AsyncSession, where: list[ColumnElement[bool]], period: Period
) -> dict[str, tuple[int, int, int]]:
    """desa → (active households, visited in ``period``, not visited in it nor the one before); ``period`` must
    be the latest (``summary.is_latest``)."""
    t = CoverageTally
    households = func.sum(t.households)
    visited = func.sum(case((t.last_visit_period == str(period), t.households), else_=0))
    overdue = func.sum(case((t.last_visit_period < str(period.previous()), t.households), else_=0))
    rows = await session.execute(
        select(t.desa_code, households, visited, overdue)
        .where(t.status == HouseholdStatus.AKTIF.value, *where)
        .group_by(t.desa_code)
        .having(households > 0)
    )
    return {desa: (int(count), int(seen), int(late)) for desa, count, seen, late in rows.all()}


async def not_visited_by_pendamping(
    session: AsyncSession, where: list[ColumnElement[bool]], period: Period
) -> list[tuple[int | None, str | None, int, str]]:
    """(pendamping id, name, active households not visited in ``period``, the oldest last-visit period among
    them, "" = one was never visited) — the latest period only."""
    t = CoverageTally
    households = func.sum(t.households)
    oldest = func.min(case((t.households > 0, t.last_visit_period)))
    rows = await session.execute(
        select(t.pendamping_id, User.name, households, oldest)
        .outerjoin(User, User.id == t.pendamping_id)
        .where(t.status == HouseholdStatus.AKTIF.value, t.last_visit_period < str(period), *where)
        .group_by(t.pendamping_id, User.name)
        .having(households > 0)
    )
    return [(None if pid == NO_PENDAMPING else pid, name, int(n), first or "") for pid, name, n, first in rows.all()]


async def checks_by_commitment(
    session: AsyncSession, where: list[ColumnElement[bool]], period: Period
) -> list[tuple[str, str, int]]:
    """(commitment, result, checks) of ``period`` for met and not met (``tidak berlaku`` does not count)."""
    t = CheckTally
    checks = func.sum(t.checks)
    rows = await session.execute(
        select(t.commitment, t.result, checks)
        .where(t.period == str(period), t.result.in_([CheckResult.MET.value, CheckResult.NOT_MET.value]), *where)
        .group_by(t.commitment, t.result)
        .having(checks > 0)
    )
    return [(code, result, int(n)) for code, result, n in rows.all()]


async def gaps_by_level(
    session: AsyncSession, actor: Actor, area_code: str, period: Period
) -> list[tuple[str, int, int]] | None:
    """(commitment, escalation level, members) for the "tidak memenuhi" checks of ``period`` in the area — one
    index-only scan of ``ix_commitment_gap_level``; ``None`` when the rollups cannot answer for ``actor``. The
    stored level follows ``compliance._level``'s rule (kept by the triggers of migration 0010)."""
    gap = CommitmentGap
    where = scope(actor, area_code, gap.desa_code)
    if where is None:
        return None
    stmt = (
        select(gap.commitment, gap.level, func.count())
        .where(gap.period == str(period), *where)
        .group_by(gap.commitment, gap.level)
    )
    return [(code, int(lvl), int(n)) for code, lvl, n in (await session.execute(stmt)).all()]
