"""ordered tally upserts: the rollup triggers add to their tallies in key order, so writers cannot deadlock

0008's statement-level triggers add a bulk insert's counts with one ``INSERT … SELECT … GROUP BY … ON CONFLICT
DO UPDATE``. The grouped rows came out in hash order, so two transactions adding to overlapping tally rows could
lock them in opposite orders and deadlock: two import batches written side by side (households of the same
desa and pendamping), or two bot processes saving visits of the same desa and period (their check tallies). With
``ORDER BY`` the upsert takes the row locks in primary-key order, the same order in every transaction, and
the second writer simply waits for the first. The decrements (updates and deletes, rare) are left as they were.
PostgreSQL only: SQLite has one writer at a time.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# function → (tally, its key in primary-key order, count column, the grouped SELECT: key columns then n)
ADDS = {
    "rollup_household_inserted": (
        "coverage_tally",
        "desa_code, pendamping_id, status, last_visit_period",
        "households",
        """SELECT n.desa_code, coalesce(n.pendamping_id, 0), n.status, coalesce(n.last_visit_period, ''), count(*)
           FROM new_households n GROUP BY 1, 2, 3, 4""",
    ),
    "rollup_visit_inserted": (
        "visit_tally",
        "period, desa_code, review_status",
        "visits",
        """SELECT n.period, h.desa_code, n.review_status, count(*)
           FROM new_visits n JOIN household h ON h.id = n.household_id GROUP BY 1, 2, 3""",
    ),
}
CHECK_KEY = "period, desa_code, commitment, result"
CHECK_ROWS = """SELECT n.period, h.desa_code, n.commitment, n.result, count(*) FROM new_checks n
    JOIN visit v ON v.id = n.visit_id JOIN household h ON h.id = v.household_id GROUP BY 1, 2, 3, 4"""
GAP_ROWS = """INSERT INTO commitment_gap (period, desa_code, commitment, member_id)
    SELECT n.period, h.desa_code, n.commitment, n.member_id FROM new_checks n JOIN visit v ON v.id = n.visit_id
    JOIN household h ON h.id = v.household_id WHERE n.result = 'tidak memenuhi'"""


def _add(table: str, key: str, count: str, select: str, *, ordered: bool) -> str:
    order = " ORDER BY " + ", ".join(str(i + 1) for i in range(key.count(",") + 1)) if ordered else ""
    return f"""INSERT INTO {table} AS t ({key}, {count}) {select}{order}
        ON CONFLICT ({key}) DO UPDATE SET {count} = t.{count} + excluded.{count};"""


def _functions(*, ordered: bool) -> list[str]:
    statements = [
        f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
            {_add(table, key, count, select, ordered=ordered)}
            RETURN NULL; END $$"""
        for name, (table, key, count, select) in ADDS.items()
    ]
    statements.append(
        f"""CREATE OR REPLACE FUNCTION rollup_check_inserted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
            {_add("check_tally", CHECK_KEY, "checks", CHECK_ROWS, ordered=ordered)}
            {GAP_ROWS}{" ORDER BY 1, 2, 3, 4" if ordered else ""};
            RETURN NULL; END $$"""
    )
    return statements


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _functions(ordered=True):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _functions(ordered=False):
        op.execute(statement)
