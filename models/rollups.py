"""Recount the report rollups (``models/tables/rollup.py``) from the base tables.

The triggers of migration 0008 keep the rollups exact on every write, so nothing needs this in normal running.
It is for a bulk loader that disables triggers for speed (``bench/summaries.py``), for repair after someone
edited the tables with triggers off, and for the tests, which compare the trigger-kept rows with a recount.
"""

from __future__ import annotations

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from models import opd_stats
from models.period import Period
from models.tables import CheckTally, CommitmentGap, CoverageTally, VisitTally

NOT_MET = "tidak memenuhi"

COUNTS = {
    "coverage_tally": """SELECT desa_code, coalesce(pendamping_id, 0), status, coalesce(last_visit_period, ''),
           count(*) FROM household GROUP BY desa_code, coalesce(pendamping_id, 0), status,
           coalesce(last_visit_period, '')""",
    "visit_tally": """SELECT v.period, h.desa_code, v.review_status, count(*)
           FROM visit v JOIN household h ON h.id = v.household_id GROUP BY v.period, h.desa_code, v.review_status""",
    "check_tally": """SELECT c.period, h.desa_code, c.commitment, c.result, count(*)
           FROM commitment_check c JOIN visit v ON v.id = c.visit_id JOIN household h ON h.id = v.household_id
           GROUP BY c.period, h.desa_code, c.commitment, c.result""",
    "commitment_gap": f"""SELECT c.period, h.desa_code, c.commitment, c.member_id
           FROM commitment_check c JOIN visit v ON v.id = c.visit_id JOIN household h ON h.id = v.household_id
           WHERE c.result = '{NOT_MET}'""",
}
COLUMNS = {
    "coverage_tally": "desa_code, pendamping_id, status, last_visit_period, households",
    "visit_tally": "period, desa_code, review_status, visits",
    "check_tally": "period, desa_code, commitment, result, checks",
    "commitment_gap": "period, desa_code, commitment, member_id",
}


def _previous(period: str, months: int, dialect: str) -> str:
    if dialect == "postgresql":
        return f"to_char(to_date({period}, 'YYYY-MM') - interval '{months} month', 'YYYY-MM')"
    return f"strftime('%Y-%m', {period} || '-01', '-{months} months')"


def levels_sql(dialect: str) -> str:
    """Set every gap row's escalation level: 2 with a gap the period before, 3 with one before that too."""
    prev1, prev2 = _previous("a.period", 1, dialect), _previous("a.period", 2, dialect)
    return f"""UPDATE commitment_gap SET level = x.level
        FROM (SELECT a.period, a.commitment, a.member_id, CASE WHEN c.member_id IS NULL THEN 2 ELSE 3 END AS level
              FROM commitment_gap a
              JOIN commitment_gap b ON b.member_id = a.member_id AND b.commitment = a.commitment AND b.period = {prev1}
              LEFT JOIN commitment_gap c
                     ON c.member_id = a.member_id AND c.commitment = a.commitment AND c.period = {prev2}) AS x
        WHERE commitment_gap.period = x.period AND commitment_gap.commitment = x.commitment
          AND commitment_gap.member_id = x.member_id"""


COPIES = {
    table: f"""UPDATE {table} SET desa_code = (SELECT h.desa_code FROM household h WHERE h.id = {table}.household_id)"""
    for table in ("referral", "data_change")
}


async def rebuild(session: AsyncSession) -> None:
    """Empty the rollups and count them again, set-based (one INSERT … SELECT per table, one UPDATE for the
    levels); copy the households' desa onto referrals and data changes again; and mark the OPD /stats rollup
    uncounted (``models.opd_stats.forget``: its trigger-kept log missed the same writes)."""
    for table in (CoverageTally, VisitTally, CheckTally, CommitmentGap):
        await session.execute(delete(table))
    for name, select in COUNTS.items():
        await session.execute(text(f"INSERT INTO {name} ({COLUMNS[name]}) {select}"))
    await session.execute(text(levels_sql(session.get_bind().dialect.name)))
    for statement in COPIES.values():
        await session.execute(text(statement))
    await opd_stats.forget(session)  # the OPD /stats rollup missed the same writes: counted again at its refresh


async def drift(session: AsyncSession) -> dict[str, tuple[set[tuple[object, ...]], set[tuple[object, ...]]]]:
    """Per rollup, (rows kept by the triggers, rows a recount gives) where they differ; empty when exact.
    Count rows that fell to zero are kept by the triggers and mean nothing, so they are left out."""
    out = {}
    for name, select in COUNTS.items():
        columns = COLUMNS[name] + (", level" if name == "commitment_gap" else "")
        kept = {tuple(r) for r in (await session.execute(text(f"SELECT {columns} FROM {name}"))).all()}
        counted = {tuple(r) for r in (await session.execute(text(select))).all()}
        if name == "commitment_gap":
            counted = _with_levels(counted)
        else:
            kept = {r for r in kept if r[-1] != 0}
        if kept != counted:
            out[name] = (kept - counted, counted - kept)
    for table in COPIES:
        wrong = await session.execute(
            text(
                f"""SELECT t.id, t.desa_code, h.desa_code FROM {table} t JOIN household h ON h.id = t.household_id
                    WHERE t.desa_code IS NULL OR t.desa_code <> h.desa_code"""
            )
        )
        rows = {tuple(r) for r in wrong.all()}
        if rows:
            out[table] = (rows, set())
    return out


def _with_levels(gaps: set[tuple[object, ...]]) -> set[tuple[object, ...]]:
    """(period, desa, commitment, member) rows → the same with their escalation level, computed in Python."""
    present = {(str(p), c, m) for p, _, c, m in gaps}

    def level(period: str, commitment: object, member: object) -> int:
        one = Period.parse(period).previous()
        if (str(one), commitment, member) not in present:
            return 1
        return 3 if (str(one.previous()), commitment, member) in present else 2

    return {(p, d, c, m, level(str(p), c, m)) for p, d, c, m in gaps}
