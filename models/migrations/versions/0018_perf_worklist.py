"""household.last_visited_on: the date of the household's latest visit, kept by triggers (issue 22)

The pendamping's list (/lapor, /jadwal, the morning digest; ``models.queries.worklist``) showed each household's
last visit date by grouping its visits: at province scale (a pendamping with 838 households, 24 periods of
history) that grouping read ~20,000 visit rows per list, p95 97 ms. With ``last_visit_period`` (0005) and this
date on the household row, the list reads the pendamping's households only. Like 0005, triggers keep it in step
with every insert, correction and deletion of a visit (PostgreSQL: statement-level with transition tables, so a
bulk COPY costs one UPDATE; SQLite: row-level); bulk loaders that switch triggers off backfill it set-based
(``BACKFILL_POSTGRESQL``), as they do ``last_visit_period``.

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL_POSTGRESQL = """UPDATE household h SET last_visited_on = m.visited_on
    FROM (SELECT household_id, max(visited_on) AS visited_on FROM visit GROUP BY household_id) m
    WHERE h.id = m.household_id AND h.last_visited_on IS DISTINCT FROM m.visited_on"""
BACKFILL_SQLITE = """UPDATE household SET last_visited_on = (SELECT max(visit.visited_on) FROM visit
    WHERE visit.household_id = household.id)"""
# The statement triggers on UPDATE of household (0008's rollups, 0010's desa copy); see ``upgrade``.
_HOUSEHOLD_UPDATE_TRIGGERS = ("rollup_household_update", "household_desa_moved")

_RECOUNT = "SELECT max(v.visited_on) FROM visit v WHERE v.household_id = h.id"
POSTGRESQL_TRIGGERS = [
    """CREATE FUNCTION household_last_visited_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE household h SET last_visited_on = n.visited_on
        FROM (SELECT household_id, max(visited_on) AS visited_on FROM new_visits GROUP BY household_id) n
        WHERE h.id = n.household_id AND (h.last_visited_on IS NULL OR h.last_visited_on < n.visited_on);
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION household_last_visited_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE household h SET last_visited_on = ({_RECOUNT})
        WHERE h.id IN (SELECT o.household_id FROM old_visits o JOIN new_visits n ON n.id = o.id
                       WHERE o.visited_on IS DISTINCT FROM n.visited_on
                          OR o.household_id IS DISTINCT FROM n.household_id
                       UNION
                       SELECT n.household_id FROM old_visits o JOIN new_visits n ON n.id = o.id
                       WHERE o.visited_on IS DISTINCT FROM n.visited_on
                          OR o.household_id IS DISTINCT FROM n.household_id);
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION household_last_visited_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE household h SET last_visited_on = ({_RECOUNT})
        WHERE h.id IN (SELECT household_id FROM old_visits);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER visit_last_visited_insert AFTER INSERT ON visit REFERENCING NEW TABLE AS new_visits
       FOR EACH STATEMENT EXECUTE FUNCTION household_last_visited_inserted()""",
    """CREATE TRIGGER visit_last_visited_update AFTER UPDATE ON visit
       REFERENCING OLD TABLE AS old_visits NEW TABLE AS new_visits
       FOR EACH STATEMENT EXECUTE FUNCTION household_last_visited_updated()""",
    """CREATE TRIGGER visit_last_visited_delete AFTER DELETE ON visit REFERENCING OLD TABLE AS old_visits
       FOR EACH STATEMENT EXECUTE FUNCTION household_last_visited_deleted()""",
]

SQLITE_TRIGGERS = [
    """CREATE TRIGGER visit_last_visited_insert AFTER INSERT ON visit BEGIN
        UPDATE household SET last_visited_on = NEW.visited_on
        WHERE id = NEW.household_id AND (last_visited_on IS NULL OR last_visited_on < NEW.visited_on);
    END""",
    """CREATE TRIGGER visit_last_visited_update AFTER UPDATE OF visited_on, household_id ON visit BEGIN
        UPDATE household SET last_visited_on = (SELECT max(visited_on) FROM visit WHERE household_id = household.id)
        WHERE id IN (OLD.household_id, NEW.household_id);
    END""",
    """CREATE TRIGGER visit_last_visited_delete AFTER DELETE ON visit BEGIN
        UPDATE household SET last_visited_on = (SELECT max(visited_on) FROM visit WHERE household_id = household.id)
        WHERE id = OLD.household_id;
    END""",
]

DROP_TRIGGERS = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS visit_last_visited_insert ON visit",
        "DROP TRIGGER IF EXISTS visit_last_visited_update ON visit",
        "DROP TRIGGER IF EXISTS visit_last_visited_delete ON visit",
        "DROP FUNCTION IF EXISTS household_last_visited_inserted()",
        "DROP FUNCTION IF EXISTS household_last_visited_updated()",
        "DROP FUNCTION IF EXISTS household_last_visited_deleted()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS visit_last_visited_insert",
        "DROP TRIGGER IF EXISTS visit_last_visited_update",
        "DROP TRIGGER IF EXISTS visit_last_visited_delete",
    ],
}


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (see 0016: batch mode would copy ``household``, which triggers name).
    op.add_column("household", sa.Column("last_visited_on", sa.Date(), nullable=True))
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        # Both statement triggers on UPDATE of household — the rollups' (0008) and the desa copy's (0010) — ask
        # ``EXISTS (old_households JOIN new_households …)`` over their transition tables, which have no index:
        # PostgreSQL plans that as a nested loop hoping for an early match, and when no household moved (as
        # here) it compares every pair — over all 650k households of a province, hours (issue 22). The backfill
        # changes neither desa nor status, so it runs without them (inside the migration's transaction; other
        # sessions never see them off). ``docs/performance.md`` has the upgrade's time at province scale.
        for trigger in _HOUSEHOLD_UPDATE_TRIGGERS:
            op.execute(f"ALTER TABLE household DISABLE TRIGGER {trigger}")
        op.execute("SET LOCAL work_mem = '256MB'")  # group 15M visits in memory, not through temp files
        op.execute(BACKFILL_POSTGRESQL)
        for trigger in _HOUSEHOLD_UPDATE_TRIGGERS:
            op.execute(f"ALTER TABLE household ENABLE TRIGGER {trigger}")
    else:
        # SQLite's triggers on household fire only on UPDATE OF desa_code, so nothing else runs per row: one
        # max() per household through ix_visit_household_period (as fast as grouping all visits, measured).
        op.execute(BACKFILL_SQLITE)
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_TRIGGERS.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    op.drop_column("household", "last_visited_on")
