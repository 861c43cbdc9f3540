"""The OPD API's ``/stats`` from a per-desa rollup plus a live count of the desas written since (issue 22).

``models.queries.opd.stats`` counts a sector's targets over household × member × referral: 6.2 s for the
province at 650k households. The targets depend on the date (school age, balita, an expected delivery still
ahead), so no trigger can keep such counts; instead ``refresh`` counts them per sector and desa *for one day*
(``opd_stats_desa``, the day in ``opd_stats_state``), and the triggers of migration 0021 append every desa whose
figures a write may change to ``opd_stats_dirty``. ``stats`` answers, in ONE statement (one snapshot on
PostgreSQL's READ COMMITTED as on SQLite), the rollup's rows for the clean desas of the area plus the same figures
counted live for its dirty desas — when the rollup's day is today; otherwise (after midnight until the next
refresh, after ``forget``) it returns ``models.queries.opd.stats``, the plain count. Both paths build their
figures from the same conditions (``_category_condition``), and the tests compare them on seeded data.

Why the sum is exact. Writers only ever append to the log; ``refresh`` (1) reads the log rows, (2) recounts
(all desas on a new day, else the desas read in 1), each statement with a snapshot taken after (1), and (3)
deletes exactly the log rows it read, in one transaction that also takes the state row's lock (refreshes run
one at a time). A write's log row commits with the write. A write committed before (1) is in (2)'s counts; a
write committed after (1) left a log row that (3) does not delete, so its desa stays dirty and is counted live
until a later refresh reads that row — and that refresh's counts include the write. So in any snapshot a desa
without a log row has a rollup row that counts every write committed before it. Writers never wait on the
refresh (no row is updated), and the refresh waits on no writer. On SQLite every transaction is a writer in
turn (``BEGIN IMMEDIATE``), so the same holds trivially, and the triggers log a desa only once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    any_,
    case,
    delete,
    distinct,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.api_keys import KeyScope
from models.queries import opd
from models.regions import level_of
from models.scope import within_area
from models.tables import (
    Household,
    HouseholdStatus,
    Member,
    MemberStatus,
    OpdStatsDesa,
    OpdStatsDirty,
    OpdStatsState,
    Referral,
    ReferralStatus,
    Region,
)

CATEGORY_COLUMNS = ("usia_sekolah", "ibu_hamil", "balita", "dirujuk")
REFERRAL_COLUMNS = {s.value: f"referrals_{s.value}" for s in ReferralStatus}
FIGURES = ("households", *CATEGORY_COLUMNS, *REFERRAL_COLUMNS.values())
STATE_ID = 1
_ID_CHUNK = 5000  # log ids per DELETE (SQLite's and asyncpg's bound-parameter limits)
_DAY_ROW = "~"  # the marker row of ``stats``'s statement: "the rollup is today's", sorts after every code


def figures(sector: str, today: date, desas: ColumnElement[bool] | None = None) -> tuple[Any, Any]:
    """The sector's figures per desa (columns ``desa_code`` then ``FIGURES``): targets, then referrals, to be
    joined with UNION ALL (a tuple: SQLite refuses a UNION nested in parentheses).

    ``desas`` restricts ``household.desa_code``. The conditions are ``models.queries.opd``'s own, so the counts
    are the plain query's by construction: a household counts once per desa when it is active and has an active
    target member; a category counts its active targets of active households; referrals count by status
    whatever the household's status.
    """
    categories = opd.CATEGORIES[sector]
    conditions = {c: opd._category_condition(sector, c, today) for c in categories}
    where = [] if desas is None else [desas]
    zero = literal(0)
    targets = (
        select(
            Household.desa_code.label("desa_code"),
            func.count(distinct(Household.id)).label("households"),
            *(
                (func.sum(case((conditions[c], 1), else_=0)) if c in conditions else zero).label(c)
                for c in CATEGORY_COLUMNS
            ),
            *(zero.label(column) for column in REFERRAL_COLUMNS.values()),
        )
        .select_from(Member)
        .join(Household, Household.id == Member.household_id)
        .where(
            Household.status == HouseholdStatus.AKTIF,
            Member.status == MemberStatus.AKTIF,
            or_(*conditions.values()),
            *where,
        )
        .group_by(Household.desa_code)
    )
    referrals = (
        select(
            Household.desa_code.label("desa_code"),
            *(zero.label(column) for column in ("households", *CATEGORY_COLUMNS)),
            *(
                func.sum(case((Referral.status == ReferralStatus(status), 1), else_=0)).label(column)
                for status, column in REFERRAL_COLUMNS.items()
            ),
        )
        .select_from(Referral)
        .join(Household, Household.id == Referral.household_id)
        .where(Referral.sector == sector, *where)
        .group_by(Household.desa_code)
    )
    return targets, referrals


def _per_desa(sector: str, today: date, desas: ColumnElement[bool] | None) -> Select[Any]:
    """``figures`` summed to one row per desa, with the sector first: the rollup's row shape."""
    rows = union_all(*figures(sector, today, desas)).subquery()
    return select(
        literal(sector).label("sector"),
        rows.c.desa_code,
        *(func.sum(rows.c[name]).label(name) for name in FIGURES),
    ).group_by(rows.c.desa_code)


@dataclass(frozen=True, slots=True)
class Refreshed:
    day: date
    full: bool  # every desa recounted (a new day), or only the dirty ones
    desas: int  # desas recounted (full: those with figures)
    log_rows: int  # log rows read and deleted


async def rollup_day(session: AsyncSession) -> date | None:
    """The day the rollup counts for; None when nothing is counted (never refreshed, or forgotten)."""
    return await session.scalar(select(OpdStatsState.day).where(OpdStatsState.id == STATE_ID))


async def refresh(session: AsyncSession, *, today: date, now: datetime) -> Refreshed:
    """Bring the rollup to ``today``: every desa on a new day, else the desas logged since the last refresh.

    The steps' order is what keeps ``stats`` exact under concurrent writes (module docstring): lock, read the
    log, recount, delete exactly the log rows read. Run it in its own transaction (the session's), as the
    scheduler does every few minutes; a refresh with nothing logged on the same day writes nothing else.
    """
    lock = _upsert_state(session, None)
    await session.execute(lock)  # takes the state row's lock (PostgreSQL) / the write lock (SQLite) first
    day = await session.scalar(select(OpdStatsState.day).where(OpdStatsState.id == STATE_ID))
    log = (await session.execute(select(OpdStatsDirty.id, OpdStatsDirty.desa_code))).all()
    full = day != today
    desas = sorted({code for _, code in log})
    if not full and not desas:
        return Refreshed(today, False, 0, 0)
    chosen = None if full else OpdStatsDesa.desa_code.in_(desas)
    await session.execute(delete(OpdStatsDesa).where(*([] if chosen is None else [chosen])))
    restrict = None if full else Household.desa_code.in_(desas)
    columns = ["sector", "desa_code", *FIGURES]
    for sector in opd.CATEGORIES:
        await session.execute(insert(OpdStatsDesa).from_select(columns, _per_desa(sector, today, restrict)))
    ids = [i for i, _ in log]
    for start in range(0, len(ids), _ID_CHUNK):
        await session.execute(delete(OpdStatsDirty).where(OpdStatsDirty.id.in_(ids[start : start + _ID_CHUNK])))
    await session.execute(_upsert_state(session, (today, now)))
    counted = await session.scalar(select(func.count(distinct(OpdStatsDesa.desa_code)))) if full else len(desas)
    return Refreshed(today, full, int(counted or 0), len(ids))


def _upsert_state(session: AsyncSession, values: tuple[date, datetime] | None) -> Any:
    """INSERT the state row or, when it exists, set its day (or touch it, to lock it, when ``values`` is None)."""
    day, now = values if values is not None else (None, None)
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = dialect_insert(OpdStatsState).values(id=STATE_ID, day=day, refreshed_at=now)
    if values is None:
        return stmt.on_conflict_do_update(index_elements=["id"], set_={"id": stmt.excluded.id})
    return stmt.on_conflict_do_update(
        index_elements=["id"], set_={"day": stmt.excluded.day, "refreshed_at": stmt.excluded.refreshed_at}
    )


async def forget(session: AsyncSession) -> None:
    """Declare the rollup uncounted: ``stats`` reads the base tables until the next refresh recounts every desa.

    For bulk loaders that switch triggers off (``models.rollups.rebuild`` calls it): their rows logged no desa.
    """
    await session.execute(delete(OpdStatsState))


async def stats(session: AsyncSession, scope: KeyScope, *, today: date, area: str | None = None) -> opd.Stats:
    """``models.queries.opd.stats``, from the rollup when it is today's (see the module docstring)."""
    code = opd.resolve_area(scope, area)
    found = await from_rollup(session, scope, today=today, area=code)
    return found if found is not None else await opd.stats(session, scope, today=today, area=code)


async def from_rollup(session: AsyncSession, scope: KeyScope, *, today: date, area: str) -> opd.Stats | None:
    """The figures from the rollup and the live count of the dirty desas; None when the rollup is not today's."""
    if await rollup_day(session) != today:
        return None
    postgresql = session.get_bind().dialect.name == "postgresql"
    rows = (await session.execute(_stats_statement(scope.sector, area, today, postgresql=postgresql))).all()
    if not any(r[0] == _DAY_ROW and r[1] == 1 for r in rows):  # a refresh for another day came in between
        return None
    counted = sorted((r for r in rows if r[0] != _DAY_ROW), key=lambda r: str(r[0]))
    totals = {name: sum(int(r[i + 1]) for r in counted) for i, name in enumerate(FIGURES)}
    by_area: list[opd.AreaCount] = []
    if level_of(area) in opd._CODE_LENGTH:
        found = await session.execute(select(Region.code, Region.name).where(Region.code.in_([r[0] for r in counted])))
        names = {code: name for code, name in found}
        by_area = [opd.AreaCount(r[0], names.get(r[0], r[0]), int(r[1])) for r in counted if int(r[1]) > 0]
    return opd.Stats(
        scope.sector,
        area,
        totals["households"],
        {c: totals[c] for c in opd.CATEGORIES[scope.sector]},
        {status: totals[column] for status, column in REFERRAL_COLUMNS.items()},
        by_area,
    )


def _stats_statement(sector: str, code: str, today: date, *, postgresql: bool) -> Select[Any]:
    """Per next-level region of ``code`` (the desa itself for a desa): the figures summed over the rollup's clean
    desas and the live count of the dirty ones; last, the row ``('~', 1 if the rollup is today's else 0, 0…)``."""
    dirty = select(OpdStatsDirty.desa_code)
    rolled = select(OpdStatsDesa.desa_code, *(OpdStatsDesa.__table__.c[name] for name in FIGURES)).where(
        OpdStatsDesa.sector == sector,
        within_area(OpdStatsDesa.desa_code, code),
        OpdStatsDesa.desa_code.not_in(dirty),
    )
    # PostgreSQL: ``= ANY(ARRAY(…))`` reads the log once (an InitPlan) and looks the households up by desa in
    # their index, then the members by household. A plain ``IN (SELECT …)`` leaves the join order to the
    # planner, which at province scale picked hash joins over every member (seconds) once any desa was logged.
    in_dirty = (
        Household.desa_code == any_(func.array(dirty.scalar_subquery()))
        if postgresql
        else Household.desa_code.in_(dirty)
    )
    live = figures(sector, today, and_(within_area(Household.desa_code, code), in_dirty))
    today_state = select(func.count()).where(OpdStatsState.id == STATE_ID, OpdStatsState.day == today)
    marker = select(
        literal(_DAY_ROW).label("desa_code"),
        today_state.scalar_subquery().label("households"),
        *(literal(0).label(name) for name in FIGURES[1:]),
    )
    rows = union_all(rolled, *live, marker).subquery()
    length = opd._CODE_LENGTH.get(level_of(code), 13)
    child = case((rows.c.desa_code == _DAY_ROW, literal(_DAY_ROW)), else_=func.substr(rows.c.desa_code, 1, length))
    return select(child.label("child"), *(func.sum(rows.c[name]).label(name) for name in FIGURES)).group_by(
        literal_column("child")
    )
