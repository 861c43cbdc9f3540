"""report rollups, part two: escalation levels on commitment_gap; the desa on referrals and data changes

Measured after 0008 at province scale: /kepatuhan still joined three periods of ``commitment_gap`` (~200k rows)
to find each member's run of "tidak memenuhi", and /ringkasan of a kabupaten still looked up the household of
every referral and pending data change of the province (~6,500 random reads each) to learn its desa.

- ``commitment_gap.level`` is the escalation level (1–3) of the row, recomputed by the check triggers for the
  member and commitment whose "tidak memenuhi" rows changed — a few rows — so /kepatuhan is one index-only scan
  of ``ix_commitment_gap_level``.
- ``referral.desa_code`` and ``data_change.desa_code`` copy their household's desa: set on insert and when the
  household changes (PostgreSQL: a BEFORE row trigger; SQLite: an AFTER row trigger that updates the row), and
  moved with the household when its desa changes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_MET = "'tidak memenuhi'"
COPIES = ("referral", "data_change")


def _desa() -> sa.types.TypeEngine[str]:
    return sa.String(13).with_variant(sa.String(13, collation="C"), "postgresql")


def previous(period: str, months: int, dialect: str) -> str:
    """SQL for the period ``months`` before the 'YYYY-MM' expression ``period``."""
    if dialect == "postgresql":
        return f"to_char(to_date({period}, 'YYYY-MM') - interval '{months} month', 'YYYY-MM')"
    return f"strftime('%Y-%m', {period} || '-01', '-{months} months')"


def levels(dialect: str, pairs: str | None = None) -> str:
    """UPDATE the level of gap rows (of the (member_id, commitment) ``pairs`` subquery, or all): 1, +1 with a
    gap the period before, +1 more with one the period before that too."""

    def gap_at(months: int) -> str:
        return (
            f"EXISTS (SELECT 1 FROM commitment_gap p WHERE p.member_id = commitment_gap.member_id"
            f" AND p.commitment = commitment_gap.commitment"
            f" AND p.period = {previous('commitment_gap.period', months, dialect)})"
        )

    level = f"CASE WHEN NOT {gap_at(1)} THEN 1 WHEN NOT {gap_at(2)} THEN 2 ELSE 3 END"
    where = f"(member_id, commitment) IN ({pairs})" if pairs else "true"
    return f"UPDATE commitment_gap SET level = {level} WHERE {where} AND level <> {level}"


def upgrade() -> None:
    """Upgrade schema."""
    dialect = op.get_bind().dialect.name
    op.add_column("commitment_gap", sa.Column("level", sa.SmallInteger(), nullable=False, server_default="1"))
    if dialect == "postgresql":
        op.execute("SET LOCAL work_mem = '256MB'")
        op.execute(BACKFILL_LEVELS)
    else:
        op.execute(levels(dialect))
    op.create_index("ix_commitment_gap_level", "commitment_gap", ["period", "desa_code", "commitment", "level"])
    for table in COPIES:
        op.add_column(table, sa.Column("desa_code", _desa(), nullable=True))
        op.execute(
            f"UPDATE {table} SET desa_code = (SELECT h.desa_code FROM household h WHERE h.id = {table}.household_id)"
        )
    op.drop_index("ix_referral_created_at", table_name="referral")
    op.drop_index("ix_referral_status_updated_at", table_name="referral")
    op.create_index("ix_referral_created_at", "referral", ["created_at"], postgresql_include=["desa_code"])
    op.create_index(
        "ix_referral_status_updated_at", "referral", ["status", "updated_at"], postgresql_include=["desa_code"]
    )
    op.create_index("ix_data_change_status_desa", "data_change", ["status", "desa_code"])
    for statement in POSTGRESQL if dialect == "postgresql" else SQLITE:
        op.execute(statement)
    if dialect == "postgresql":
        op.execute("ANALYZE commitment_gap, referral, data_change")
    else:
        _extend_sqlite_check_triggers()


def _extend_sqlite_check_triggers() -> None:
    """SQLite fires a table's triggers in no documented order, so the level update goes at the end of 0008's own
    check triggers (read back from sqlite_master), after their gap inserts and deletes."""
    for name, rows in LITE_LEVEL_ROWS.items():
        sql = op.get_bind().exec_driver_sql(f"SELECT sql FROM sqlite_master WHERE name = '{name}'").scalar_one()
        body, end = sql.rsplit("END", 1)
        op.execute(f"DROP TRIGGER {name}")
        op.execute(f"{body} {MARK} {' '.join(_lite_levels(r) for r in rows)} END{end}")


def _restore_sqlite_check_triggers() -> None:
    for name in LITE_LEVEL_ROWS:
        sql = op.get_bind().exec_driver_sql(f"SELECT sql FROM sqlite_master WHERE name = '{name}'").scalar_one()
        if MARK in sql:
            op.execute(f"DROP TRIGGER {name}")
            op.execute(sql.split(MARK, 1)[0] + " END")


def downgrade() -> None:
    """Downgrade schema."""
    dialect = op.get_bind().dialect.name
    for table, name in DROP:
        op.execute(
            f"DROP TRIGGER IF EXISTS {name} ON {table}" if dialect == "postgresql" else f"DROP TRIGGER IF EXISTS {name}"
        )
    if dialect == "postgresql":
        for function in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    else:
        _restore_sqlite_check_triggers()
    op.drop_index("ix_data_change_status_desa", table_name="data_change")
    op.drop_index("ix_referral_status_updated_at", table_name="referral")
    op.drop_index("ix_referral_created_at", table_name="referral")
    # a plain DROP COLUMN (SQLite ≥ 3.35): a batch rebuild would trip over 0008's triggers on the other tables
    for table in COPIES:
        op.execute(f"ALTER TABLE {table} DROP COLUMN desa_code")
    op.create_index("ix_referral_created_at", "referral", ["created_at"], postgresql_include=["household_id"])
    op.create_index(
        "ix_referral_status_updated_at", "referral", ["status", "updated_at"], postgresql_include=["household_id"]
    )
    op.drop_index("ix_commitment_gap_level", table_name="commitment_gap")
    op.execute("ALTER TABLE commitment_gap DROP COLUMN level")


_PREV1, _PREV2 = previous("a.period", 1, "postgresql"), previous("a.period", 2, "postgresql")
BACKFILL_LEVELS = f"""UPDATE commitment_gap g SET level = x.level
    FROM (SELECT a.period, a.commitment, a.member_id, CASE WHEN c.member_id IS NULL THEN 2 ELSE 3 END AS level
          FROM commitment_gap a
          JOIN commitment_gap b ON b.member_id = a.member_id AND b.commitment = a.commitment AND b.period = {_PREV1}
          LEFT JOIN commitment_gap c
                 ON c.member_id = a.member_id AND c.commitment = a.commitment AND c.period = {_PREV2}) x
    WHERE g.period = x.period AND g.commitment = x.commitment AND g.member_id = x.member_id"""
_PG_PAIRS = {
    "new": f"SELECT member_id, commitment FROM new_checks WHERE result = {NOT_MET}",
    "old": f"SELECT member_id, commitment FROM old_checks WHERE result = {NOT_MET}",
}
_PG_MOVED = "old_households o JOIN new_households n ON n.id = o.id AND n.desa_code <> o.desa_code"

POSTGRESQL = [
    f"""CREATE FUNCTION rollup_gap_levels_inserted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        {levels("postgresql", _PG_PAIRS["new"])};
        RETURN NULL; END $$""",
    f"""CREATE FUNCTION rollup_gap_levels_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        {levels("postgresql", _PG_PAIRS["old"] + " UNION " + _PG_PAIRS["new"])};
        RETURN NULL; END $$""",
    f"""CREATE FUNCTION rollup_gap_levels_deleted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        {levels("postgresql", _PG_PAIRS["old"])};
        RETURN NULL; END $$""",
    """CREATE FUNCTION household_desa_copy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        NEW.desa_code := (SELECT h.desa_code FROM household h WHERE h.id = NEW.household_id);
        RETURN NEW; END $$""",
    f"""CREATE FUNCTION household_desa_moved() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        IF EXISTS (SELECT 1 FROM {_PG_MOVED}) THEN
            UPDATE referral r SET desa_code = n.desa_code FROM {_PG_MOVED} WHERE r.household_id = n.id;
            UPDATE data_change d SET desa_code = n.desa_code FROM {_PG_MOVED} WHERE d.household_id = n.id;
        END IF;
        RETURN NULL; END $$""",
    # named to sort after 0008's rollup_check_*: PostgreSQL fires a table's triggers of one kind in name order
    """CREATE TRIGGER rollup_levels_insert AFTER INSERT ON commitment_check REFERENCING NEW TABLE AS new_checks
       FOR EACH STATEMENT EXECUTE FUNCTION rollup_gap_levels_inserted()""",
    """CREATE TRIGGER rollup_levels_update AFTER UPDATE ON commitment_check
       REFERENCING OLD TABLE AS old_checks NEW TABLE AS new_checks
       FOR EACH STATEMENT EXECUTE FUNCTION rollup_gap_levels_changed()""",
    """CREATE TRIGGER rollup_levels_delete AFTER DELETE ON commitment_check REFERENCING OLD TABLE AS old_checks
       FOR EACH STATEMENT EXECUTE FUNCTION rollup_gap_levels_deleted()""",
    """CREATE TRIGGER referral_desa BEFORE INSERT OR UPDATE OF household_id ON referral
       FOR EACH ROW EXECUTE FUNCTION household_desa_copy()""",
    """CREATE TRIGGER data_change_desa BEFORE INSERT OR UPDATE OF household_id ON data_change
       FOR EACH ROW EXECUTE FUNCTION household_desa_copy()""",
    """CREATE TRIGGER household_desa_moved AFTER UPDATE ON household
       REFERENCING OLD TABLE AS old_households NEW TABLE AS new_households
       FOR EACH STATEMENT EXECUTE FUNCTION household_desa_moved()""",
]
FUNCTIONS = [
    "rollup_gap_levels_inserted",
    "rollup_gap_levels_changed",
    "rollup_gap_levels_deleted",
    "household_desa_copy",
    "household_desa_moved",
]


def _lite_levels(row: str) -> str:
    return levels("sqlite", f"SELECT {row}.member_id, {row}.commitment") + ";"


def _lite_copy(table: str) -> str:
    return f"UPDATE {table} SET desa_code = (SELECT desa_code FROM household WHERE id = NEW.household_id) WHERE id = NEW.id;"


MARK = "/* 0010: escalation levels */"
LITE_LEVEL_ROWS = {
    "rollup_check_insert": ("NEW",),
    "rollup_check_update": ("OLD", "NEW"),
    "rollup_check_delete": ("OLD",),
}
SQLITE = [
    *(
        f"CREATE TRIGGER {table}_desa_{event.split()[0].lower()} AFTER {event} ON {table} BEGIN {_lite_copy(table)} END"
        for table in COPIES
        for event in ("INSERT", "UPDATE OF household_id")
    ),
    """CREATE TRIGGER household_desa_moved AFTER UPDATE OF desa_code ON household
        WHEN OLD.desa_code <> NEW.desa_code BEGIN
        UPDATE referral SET desa_code = NEW.desa_code WHERE household_id = NEW.id;
        UPDATE data_change SET desa_code = NEW.desa_code WHERE household_id = NEW.id;
    END""",
]

DROP = [
    ("commitment_check", "rollup_levels_insert"),
    ("commitment_check", "rollup_levels_update"),
    ("commitment_check", "rollup_levels_delete"),
    ("referral", "referral_desa"),
    ("data_change", "data_change_desa"),
    ("referral", "referral_desa_insert"),
    ("referral", "referral_desa_update"),
    ("data_change", "data_change_desa_insert"),
    ("data_change", "data_change_desa_update"),
    ("household", "household_desa_moved"),
]
