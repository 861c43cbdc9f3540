"""The OPD API's ``/stats`` from a daily rollup plus a live count of the households written since (issue 22).

``models.queries.opd.stats`` counts a sector's targets over household × member × referral: 6.2 s for the
province at 650k households. The targets depend on the date (school age, balita, an expected delivery still
ahead), so no trigger can keep such counts; instead ``refresh`` counts them *for one day* (the day in
``opd_stats_state``) per sector and household (``opd_stats_household``) and sums those per desa
(``opd_stats_desa``), and the triggers of migration 0021 append every household whose figures a write may change
to ``opd_stats_dirty``. ``stats`` answers in ONE statement (one snapshot on PostgreSQL's READ COMMITTED as on
SQLite): the desa sums of the area, minus the counted rows of the logged households, plus those households
counted live — when the rollup's day is today; otherwise (after midnight until the next refresh, after
``forget``) it returns ``models.queries.opd.stats``, the plain count. Both paths build their figures from the
same conditions (``_category_condition``), and the tests compare them on seeded data after random writes.

Why the sum is exact. Writers only ever append to the log; ``refresh`` (1) reads the log rows, (2) recounts
(every household on a new day, else the households read in 1) with statements whose snapshots come after (1),
brings the desa sums along (a full recount sums them again; an incremental one adds the recounted
households' change) in the same transaction, and (3) deletes exactly the log rows it
read — one transaction that first takes the state row's lock (refreshes run one at a time). A write's log row
commits with the write. A write committed before (1) is in (2)'s counts; a write committed after (1) left a log
row that (3) does not delete, so its household stays logged and is counted live until a later refresh reads
that row — and that refresh's counts include the write. So in any snapshot, a household without a log row is
counted right in the desa sums, and a logged one is taken out of them (its row is what the sums hold for it) and
counted live. Writers never wait on the refresh (no row is updated), and the refresh waits on no writer. On
SQLite every transaction is a writer in turn (``BEGIN IMMEDIATE``), so the same holds trivially, and the
triggers log a household only once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
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
    text,
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
    OpdStatsHousehold,
    OpdStatsState,
    Referral,
    ReferralStatus,
    Region,
)

CATEGORY_COLUMNS = ("usia_sekolah", "ibu_hamil", "balita", "dirujuk")
REFERRAL_COLUMNS = {s.value: f"referrals_{s.value}" for s in ReferralStatus}
FIGURES = ("households", *CATEGORY_COLUMNS, *REFERRAL_COLUMNS.values())
STATE_ID = 1
_ID_CHUNK = 5000  # ids per IN list (SQLite's and asyncpg's bound-parameter limits)
LIVE_AT_MOST = 20_000  # logged households /stats counts live; beyond (an import), the plain count is cheaper
FULL_ABOVE = 50_000  # logged households beyond which a refresh recounts every household (an import, a bulk edit)
_DAY_ROW = "~"  # the marker row of ``stats``'s statement: "the rollup is today's", sorts after every code


def figures(
    sector: str,
    today: date,
    *,
    per_household: bool,
    area: str | None = None,
    households: Callable[[Any], ColumnElement[bool]] | None = None,
) -> tuple[Any, Any]:
    """The sector's figures per desa, or per household (``household_id, desa_code``), then ``FIGURES``: targets,
    then referrals, to be joined with UNION ALL (a tuple: SQLite refuses a UNION nested in parentheses).

    ``area`` restricts the households' desa; ``households(column)`` says which household ids count, and is put
    on every table's household column — on ``member.household_id`` too, so that PostgreSQL reaches the members
    through their index (with umkm's referral subqueries in the filter it misjudged them and scanned all 2.9M).
    The conditions are ``models.queries.opd``'s own, so the counts are the
    plain query's by construction: a household counts once when it is active and has an active target member; a
    category counts its active targets of active households; referrals count by status whatever the household's
    status.
    """
    categories = opd.CATEGORIES[sector]
    conditions = {c: opd._category_condition(sector, c, today) for c in categories}
    keys = [Household.id.label("household_id"), Household.desa_code] if per_household else [Household.desa_code]
    restrict = [] if area is None else [within_area(Household.desa_code, area)]
    if households is not None:
        restrict.append(households(Household.id))
    zero = literal(0)
    targets = (
        select(
            *keys,
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
            *restrict,
            *([] if households is None else [households(Member.household_id)]),
        )
        .group_by(*keys)
    )
    referrals = (
        select(
            *keys,
            *(zero.label(column) for column in ("households", *CATEGORY_COLUMNS)),
            *(
                func.sum(case((Referral.status == ReferralStatus(status), 1), else_=0)).label(column)
                for status, column in REFERRAL_COLUMNS.items()
            ),
        )
        .select_from(Referral)
        .join(Household, Household.id == Referral.household_id)
        .where(
            Referral.sector == sector, *restrict, *([] if households is None else [households(Referral.household_id)])
        )
        .group_by(*keys)
    )
    return targets, referrals


def _household_rows(sector: str, today: date, chunk: list[int] | None) -> Select[Any]:
    """``figures`` per household (all, or those in ``chunk``) summed to one row each, sector first:
    ``opd_stats_household``'s shape."""
    households = None if chunk is None else (lambda column: column.in_(chunk))
    rows = union_all(*figures(sector, today, per_household=True, households=households)).subquery()
    return select(
        literal(sector).label("sector"),
        rows.c.household_id,
        func.max(rows.c.desa_code).label("desa_code"),
        *(func.sum(rows.c[name]).label(name) for name in FIGURES),
    ).group_by(rows.c.household_id)


def _desa_sums() -> Select[Any]:
    """``opd_stats_household`` summed per sector and desa."""
    h = OpdStatsHousehold.__table__.c
    return select(h.sector, h.desa_code, *(func.sum(h[name]).label(name) for name in FIGURES)).group_by(
        h.sector, h.desa_code
    )


@dataclass(frozen=True, slots=True)
class Refreshed:
    day: date
    full: bool  # every household recounted (a new day, or too many logged), or only the logged ones
    households: int  # households recounted (full: those with figures)
    log_rows: int  # log rows read and deleted


async def rollup_day(session: AsyncSession) -> date | None:
    """The day the rollup counts for; None when nothing is counted (never refreshed, or forgotten)."""
    return await session.scalar(select(OpdStatsState.day).where(OpdStatsState.id == STATE_ID))


async def refresh(session: AsyncSession, *, today: date, now: datetime) -> Refreshed:
    """Bring the rollup to ``today``: every household on a new day, else the households logged since the last
    refresh (every household again when more than ``FULL_ABOVE`` are logged, e.g. after an import).

    The steps' order is what keeps ``stats`` exact under concurrent writes (module docstring): lock, read the
    log, recount, delete exactly the log rows read. Run it in its own transaction (the session's), as the
    scheduler does every few minutes; a refresh with nothing logged on the same day writes nothing else.
    """
    await session.execute(_upsert_state(session, None))  # the state row's lock (PostgreSQL) / write lock (SQLite)
    day = await session.scalar(select(OpdStatsState.day).where(OpdStatsState.id == STATE_ID))
    log = (await session.execute(select(OpdStatsDirty.id, OpdStatsDirty.household_id))).all()
    households = sorted({h for _, h in log})
    full = day != today or len(households) > FULL_ABOVE
    if not full and not households:
        return Refreshed(today, False, 0, 0)
    columns = ["sector", "household_id", "desa_code", *FIGURES]
    if full:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("SET LOCAL work_mem = '64MB'"))  # group the province's members in memory
        await session.execute(delete(OpdStatsHousehold))
        for sector in opd.CATEGORIES:
            await session.execute(insert(OpdStatsHousehold).from_select(columns, _household_rows(sector, today, None)))
        await session.execute(delete(OpdStatsDesa))
        await session.execute(insert(OpdStatsDesa).from_select(["sector", "desa_code", *FIGURES], _desa_sums()))
        counted = int(await session.scalar(select(func.count(distinct(OpdStatsHousehold.household_id)))) or 0)
        if session.get_bind().dialect.name == "postgresql":  # the planner must know the new rows at once
            await session.execute(text("ANALYZE opd_stats_household, opd_stats_desa"))
    else:
        change: dict[tuple[str, str], list[int]] = {}  # (sector, desa) → what the desa's sums gain
        for start in range(0, len(households), _ID_CHUNK):
            chunk = households[start : start + _ID_CHUNK]
            await _add_sums(session, change, chunk, -1)
            await session.execute(delete(OpdStatsHousehold).where(OpdStatsHousehold.household_id.in_(chunk)))
            for sector in opd.CATEGORIES:
                rows = _household_rows(sector, today, chunk)
                await session.execute(insert(OpdStatsHousehold).from_select(columns, rows))
            await _add_sums(session, change, chunk, 1)
        await _apply_to_desas(session, change)
        counted = len(households)
    ids = [i for i, _ in log]
    for start in range(0, len(ids), _ID_CHUNK):
        await session.execute(delete(OpdStatsDirty).where(OpdStatsDirty.id.in_(ids[start : start + _ID_CHUNK])))
    await session.execute(_upsert_state(session, (today, now)))
    return Refreshed(today, full, counted, len(ids))


async def _add_sums(
    session: AsyncSession, change: dict[tuple[str, str], list[int]], chunk: list[int], sign: int
) -> None:
    """Add (``sign`` 1) or take away (-1) the counted rows of the households in ``chunk``, per sector and desa."""
    h = OpdStatsHousehold.__table__.c
    rows = await session.execute(
        select(h.sector, h.desa_code, *(func.sum(h[name]) for name in FIGURES))
        .where(h.household_id.in_(chunk))
        .group_by(h.sector, h.desa_code)
    )
    for sector, desa, *values in rows:
        sums = change.setdefault((sector, desa), [0] * len(FIGURES))
        for i, value in enumerate(values):
            sums[i] += sign * int(value)


async def _apply_to_desas(session: AsyncSession, change: dict[tuple[str, str], list[int]]) -> None:
    """Add each desa's change to its sums (a new row for a desa counted for the first time)."""
    rows = [
        {"sector": sector, "desa_code": desa, **dict(zip(FIGURES, values, strict=True))}
        for (sector, desa), values in sorted(change.items())
        if any(values)
    ]
    if not rows:
        return
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = dialect_insert(OpdStatsDesa)
    table = OpdStatsDesa.__table__.c
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["sector", "desa_code"],
            set_={name: table[name] + stmt.excluded[name] for name in FIGURES},
        ),
        rows,
    )


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
    """The figures from the rollup and the live count of the logged households; None when the rollup is not
    today's, or when more than ``LIVE_AT_MOST`` households are logged (after an import: until the next refresh
    the plain count is the cheaper of the two)."""
    if await rollup_day(session) != today:
        return None
    capped = select(OpdStatsDirty.id).limit(LIVE_AT_MOST + 1).subquery()
    if int(await session.scalar(select(func.count()).select_from(capped)) or 0) > LIVE_AT_MOST:
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
    """Per next-level region of ``code`` (the desa itself for a desa): the desa sums, minus the logged
    households' counted rows, plus those households counted live; last, ``('~', 1 if the rollup is today's)``."""
    logged = select(OpdStatsDirty.household_id)

    # PostgreSQL: ``= ANY(ARRAY(…))`` reads the log once (an InitPlan) and looks each household up by its key;
    # ``IN (SELECT …)`` left the join order to the planner, which hash-joined every member once any was logged.
    def in_log(column: Any) -> ColumnElement[bool]:
        return column == any_(func.array(logged.scalar_subquery())) if postgresql else column.in_(logged)

    d, h = OpdStatsDesa.__table__.c, OpdStatsHousehold.__table__.c
    sums = select(d.desa_code, *(d[name] for name in FIGURES)).where(d.sector == sector, within_area(d.desa_code, code))
    taken_out = select(h.desa_code, *((-h[name]).label(name) for name in FIGURES)).where(
        h.sector == sector, in_log(h.household_id), within_area(h.desa_code, code)
    )
    live = figures(sector, today, per_household=False, area=code, households=in_log)
    today_state = select(func.count()).where(OpdStatsState.id == STATE_ID, OpdStatsState.day == today)
    marker = select(
        literal(_DAY_ROW).label("desa_code"),
        today_state.scalar_subquery().label("households"),
        *(literal(0).label(name) for name in FIGURES[1:]),
    )
    rows = union_all(sums, taken_out, *live, marker).subquery()
    length = opd._CODE_LENGTH.get(level_of(code), 13)
    child = case((rows.c.desa_code == _DAY_ROW, literal(_DAY_ROW)), else_=func.substr(rows.c.desa_code, 1, length))
    return select(child.label("child"), *(func.sum(rows.c[name]).label(name) for name in FIGURES)).group_by(
        literal_column("child")
    )
