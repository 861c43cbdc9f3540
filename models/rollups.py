"""Recount the report rollups (``models/tables/rollup.py``) from the base tables.

The triggers of migration 0008 keep the rollups exact on every write, so nothing needs this in normal running.
It is for a bulk loader that disables triggers for speed (``bench/summaries.py``), for repair after someone
edited the tables with triggers off, and for the tests, which compare the trigger-kept rows with a recount.
"""

from __future__ import annotations

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

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


async def rebuild(session: AsyncSession) -> None:
    """Empty the rollups and count them again, set-based (one INSERT … SELECT per table)."""
    for table in (CoverageTally, VisitTally, CheckTally, CommitmentGap):
        await session.execute(delete(table))
    for name, select in COUNTS.items():
        await session.execute(text(f"INSERT INTO {name} ({COLUMNS[name]}) {select}"))


async def drift(session: AsyncSession) -> dict[str, tuple[set[tuple[object, ...]], set[tuple[object, ...]]]]:
    """Per rollup, (rows kept by the triggers, rows a recount gives) where they differ; empty when exact.
    Count rows that fell to zero are kept by the triggers and mean nothing, so they are left out."""
    out = {}
    for name, select in COUNTS.items():
        kept = {tuple(r) for r in (await session.execute(text(f"SELECT {COLUMNS[name]} FROM {name}"))).all()}
        if name != "commitment_gap":
            kept = {r for r in kept if r[-1] != 0}
        counted = {tuple(r) for r in (await session.execute(text(select))).all()}
        if kept != counted:
            out[name] = (kept - counted, counted - kept)
    return out
