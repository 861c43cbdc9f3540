"""report rollups: counts per desa for the supervisor reports, kept exact by triggers

At province scale (650k households, 15M visits) an area-filtered report had to reach every visit's or check's
desa through ``visit → household`` — seconds for one kabupaten. ``coverage_tally``, ``visit_tally``,
``check_tally`` and ``commitment_gap`` (``models/tables/rollup.py``) hold the counts per desa; triggers keep
them in step with every write, like ``household.last_visit_period`` (0005). PostgreSQL: statement-level
triggers with transition tables (a bulk insert costs one grouped upsert); SQLite: row triggers.

Deletes: a row's counts are taken away through its parents (check → visit → household). When a parent goes, a
BEFORE DELETE row trigger on it takes away its children's counts while the chain still exists; the children's
own delete triggers, run by the cascade after the parent row is gone, then find no parent and do nothing. A
"tidak memenuhi" row of ``commitment_gap`` is removed by its key, so it needs no parent. Decrements only UPDATE
existing rows (a count row reaching 0 stays, the queries skip it), so emptying tables in any order is safe.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_MET = "'tidak memenuhi'"


def _desa() -> sa.types.TypeEngine[str]:
    return sa.String(13).with_variant(sa.String(13, collation="C"), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "coverage_tally",
        sa.Column("desa_code", _desa(), nullable=False),
        sa.Column("pendamping_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("last_visit_period", sa.String(7), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("desa_code", "pendamping_id", "status", "last_visit_period", name="pk_coverage_tally"),
    )
    op.create_table(
        "visit_tally",
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("desa_code", _desa(), nullable=False),
        sa.Column("review_status", sa.String(20), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", "desa_code", "review_status", name="pk_visit_tally"),
    )
    op.create_table(
        "check_tally",
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("desa_code", _desa(), nullable=False),
        sa.Column("commitment", sa.String(40), nullable=False),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", "desa_code", "commitment", "result", name="pk_check_tally"),
    )
    op.create_table(
        "commitment_gap",
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("desa_code", _desa(), nullable=False),
        sa.Column("commitment", sa.String(40), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("period", "desa_code", "commitment", "member_id", name="pk_commitment_gap"),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("SET LOCAL work_mem = '256MB'")  # the backfill joins millions of checks to their visits
    for statement in BACKFILL:
        op.execute(statement)
    op.create_index("ix_commitment_gap_member", "commitment_gap", ["member_id", "commitment", "period"])
    # /ringkasan's referrals opened / closed in the period: a range of these instead of reading every referral
    op.create_index("ix_referral_created_at", "referral", ["created_at"], postgresql_include=["household_id"])
    op.create_index(
        "ix_referral_status_updated_at", "referral", ["status", "updated_at"], postgresql_include=["household_id"]
    )
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)
    if postgresql:
        op.execute("ANALYZE coverage_tally, visit_tally, check_tally, commitment_gap")


def downgrade() -> None:
    """Downgrade schema."""
    dialect = op.get_bind().dialect.name
    for table, names in TRIGGERS.items():
        for name in names:
            op.execute(
                f"DROP TRIGGER IF EXISTS {name} ON {table}"
                if dialect == "postgresql"
                else f"DROP TRIGGER IF EXISTS {name}"
            )
    if dialect == "postgresql":
        for function in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.drop_index("ix_referral_status_updated_at", table_name="referral")
    op.drop_index("ix_referral_created_at", table_name="referral")
    op.drop_index("ix_commitment_gap_member", table_name="commitment_gap")
    for table in ("commitment_gap", "check_tally", "visit_tally", "coverage_tally"):
        op.drop_table(table)


BACKFILL = [
    """INSERT INTO coverage_tally (desa_code, pendamping_id, status, last_visit_period, households)
       SELECT desa_code, coalesce(pendamping_id, 0), status, coalesce(last_visit_period, ''), count(*)
       FROM household GROUP BY desa_code, coalesce(pendamping_id, 0), status, coalesce(last_visit_period, '')""",
    """INSERT INTO visit_tally (period, desa_code, review_status, visits)
       SELECT v.period, h.desa_code, v.review_status, count(*) FROM visit v JOIN household h ON h.id = v.household_id
       GROUP BY v.period, h.desa_code, v.review_status""",
    """INSERT INTO check_tally (period, desa_code, commitment, result, checks)
       SELECT c.period, h.desa_code, c.commitment, c.result, count(*)
       FROM commitment_check c JOIN visit v ON v.id = c.visit_id JOIN household h ON h.id = v.household_id
       GROUP BY c.period, h.desa_code, c.commitment, c.result""",
    f"""INSERT INTO commitment_gap (period, desa_code, commitment, member_id)
       SELECT c.period, h.desa_code, c.commitment, c.member_id
       FROM commitment_check c JOIN visit v ON v.id = c.visit_id JOIN household h ON h.id = v.household_id
       WHERE c.result = {NOT_MET}""",
]

# --- PostgreSQL: statement-level triggers over transition tables -------------------------------------------

_COVERAGE_KEY = "desa_code, pendamping_id, status, last_visit_period"
_VISIT_KEY = "period, desa_code, review_status"
_CHECK_KEY = "period, desa_code, commitment, result"


def _pg_add(table: str, key: str, count: str, select: str) -> str:
    """Add grouped counts (``select`` yields key columns then n) to a tally."""
    return f"""INSERT INTO {table} AS t ({key}, {count}) {select}
        ON CONFLICT ({key}) DO UPDATE SET {count} = t.{count} + excluded.{count};"""


def _pg_take(table: str, key: str, count: str, select: str) -> str:
    """Subtract grouped counts from a tally (rows exist: they were added when the counted rows were)."""
    columns = [c.strip() for c in key.split(",")]
    match = " AND ".join(f"t.{c} = d.{c}" for c in columns)
    return f"""UPDATE {table} t SET {count} = t.{count} - d.n
        FROM ({select}) AS d ({key}, n) WHERE {match};"""


_PG_HOUSEHOLD_ROWS = """SELECT {r}.desa_code, coalesce({r}.pendamping_id, 0), {r}.status,
       coalesce({r}.last_visit_period, ''), count(*) FROM {source} GROUP BY 1, 2, 3, 4"""
_PG_CHANGED = """old_households o JOIN new_households n ON n.id = o.id
       WHERE (o.desa_code, o.pendamping_id, o.status, o.last_visit_period)
             IS DISTINCT FROM (n.desa_code, n.pendamping_id, n.status, n.last_visit_period)"""
_PG_MOVED = "old_households o JOIN new_households n ON n.id = o.id AND n.desa_code <> o.desa_code"

POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION rollup_household_inserted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        {_pg_add("coverage_tally", _COVERAGE_KEY, "households", _PG_HOUSEHOLD_ROWS.format(r="n", source="new_households n"))}
        RETURN NULL; END $$""",
    f"""CREATE FUNCTION rollup_household_updated() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        {_pg_take("coverage_tally", _COVERAGE_KEY, "households", _PG_HOUSEHOLD_ROWS.format(r="o", source=_PG_CHANGED))}
        {_pg_add("coverage_tally", _COVERAGE_KEY, "households", _PG_HOUSEHOLD_ROWS.format(r="n", source=_PG_CHANGED))}
        IF EXISTS (SELECT 1 FROM {_PG_MOVED}) THEN
            {_pg_take("visit_tally", _VISIT_KEY, "visits", f"SELECT v.period, o.desa_code, v.review_status, count(*) FROM {_PG_MOVED} JOIN visit v ON v.household_id = n.id GROUP BY 1, 2, 3")}
            {_pg_add("visit_tally", _VISIT_KEY, "visits", f"SELECT v.period, n.desa_code, v.review_status, count(*) FROM {_PG_MOVED} JOIN visit v ON v.household_id = n.id GROUP BY 1, 2, 3")}
            {_pg_take("check_tally", _CHECK_KEY, "checks", f"SELECT c.period, o.desa_code, c.commitment, c.result, count(*) FROM {_PG_MOVED} JOIN visit v ON v.household_id = n.id JOIN commitment_check c ON c.visit_id = v.id GROUP BY 1, 2, 3, 4")}
            {_pg_add("check_tally", _CHECK_KEY, "checks", f"SELECT c.period, n.desa_code, c.commitment, c.result, count(*) FROM {_PG_MOVED} JOIN visit v ON v.household_id = n.id JOIN commitment_check c ON c.visit_id = v.id GROUP BY 1, 2, 3, 4")}
            UPDATE commitment_gap g SET desa_code = m.desa_code
            FROM (SELECT c.period, c.commitment, c.member_id, n.desa_code FROM {_PG_MOVED}
                  JOIN visit v ON v.household_id = n.id JOIN commitment_check c ON c.visit_id = v.id
                  WHERE c.result = {NOT_MET}) m
            WHERE g.period = m.period AND g.commitment = m.commitment AND g.member_id = m.member_id;
        END IF;
        RETURN NULL; END $$""",
    f"""CREATE FUNCTION rollup_household_deleted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        {_pg_take("coverage_tally", _COVERAGE_KEY, "households", _PG_HOUSEHOLD_ROWS.format(r="o", source="old_households o"))}
        RETURN NULL; END $$""",
    f"""CREATE FUNCTION rollup_household_deleting() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        {_pg_take("visit_tally", _VISIT_KEY, "visits", "SELECT v.period, OLD.desa_code, v.review_status, count(*) FROM visit v WHERE v.household_id = OLD.id GROUP BY 1, 2, 3")}
        {_pg_take("check_tally", _CHECK_KEY, "checks", "SELECT c.period, OLD.desa_code, c.commitment, c.result, count(*) FROM visit v JOIN commitment_check c ON c.visit_id = v.id WHERE v.household_id = OLD.id GROUP BY 1, 2, 3, 4")}
        RETURN OLD; END $$""",
    f"""CREATE FUNCTION rollup_visit_inserted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        {_pg_add("visit_tally", _VISIT_KEY, "visits", "SELECT n.period, h.desa_code, n.review_status, count(*) FROM new_visits n JOIN household h ON h.id = n.household_id GROUP BY 1, 2, 3")}
        RETURN NULL; END $$""",
    f"""CREATE FUNCTION rollup_visit_updated() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        {_pg_take("visit_tally", _VISIT_KEY, "visits", "SELECT o.period, h.desa_code, o.review_status, count(*) FROM old_visits o JOIN new_visits n ON n.id = o.id JOIN household h ON h.id = o.household_id WHERE (o.period, o.review_status, o.household_id) IS DISTINCT FROM (n.period, n.review_status, n.household_id) GROUP BY 1, 2, 3")}
        {_pg_add("visit_tally", _VISIT_KEY, "visits", "SELECT n.period, h.desa_code, n.review_status, count(*) FROM old_visits o JOIN new_visits n ON n.id = o.id JOIN household h ON h.id = n.household_id WHERE (o.period, o.review_status, o.household_id) IS DISTINCT FROM (n.period, n.review_status, n.household_id) GROUP BY 1, 2, 3")}
        IF EXISTS (SELECT 1 FROM old_visits o JOIN new_visits n ON n.id = o.id AND n.household_id <> o.household_id) THEN
            {_pg_take("check_tally", _CHECK_KEY, "checks", "SELECT c.period, h.desa_code, c.commitment, c.result, count(*) FROM old_visits o JOIN new_visits n ON n.id = o.id AND n.household_id <> o.household_id JOIN household h ON h.id = o.household_id JOIN commitment_check c ON c.visit_id = n.id GROUP BY 1, 2, 3, 4")}
            {_pg_add("check_tally", _CHECK_KEY, "checks", "SELECT c.period, h.desa_code, c.commitment, c.result, count(*) FROM old_visits o JOIN new_visits n ON n.id = o.id AND n.household_id <> o.household_id JOIN household h ON h.id = n.household_id JOIN commitment_check c ON c.visit_id = n.id GROUP BY 1, 2, 3, 4")}
            UPDATE commitment_gap g SET desa_code = m.desa_code
            FROM (SELECT c.period, c.commitment, c.member_id, h.desa_code FROM old_visits o
                  JOIN new_visits n ON n.id = o.id AND n.household_id <> o.household_id
                  JOIN household h ON h.id = n.household_id JOIN commitment_check c ON c.visit_id = n.id
                  WHERE c.result = {NOT_MET}) m
            WHERE g.period = m.period AND g.commitment = m.commitment AND g.member_id = m.member_id;
        END IF;
        RETURN NULL; END $$""",
    f"""CREATE FUNCTION rollup_visit_deleted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        {_pg_take("visit_tally", _VISIT_KEY, "visits", "SELECT o.period, h.desa_code, o.review_status, count(*) FROM old_visits o JOIN household h ON h.id = o.household_id GROUP BY 1, 2, 3")}
        RETURN NULL; END $$""",
    f"""CREATE FUNCTION rollup_visit_deleting() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        {_pg_take("check_tally", _CHECK_KEY, "checks", "SELECT c.period, h.desa_code, c.commitment, c.result, count(*) FROM household h JOIN commitment_check c ON c.visit_id = OLD.id WHERE h.id = OLD.household_id GROUP BY 1, 2, 3, 4")}
        RETURN OLD; END $$""",
    f"""CREATE FUNCTION rollup_check_inserted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        {_pg_add("check_tally", _CHECK_KEY, "checks", "SELECT n.period, h.desa_code, n.commitment, n.result, count(*) FROM new_checks n JOIN visit v ON v.id = n.visit_id JOIN household h ON h.id = v.household_id GROUP BY 1, 2, 3, 4")}
        INSERT INTO commitment_gap (period, desa_code, commitment, member_id)
        SELECT n.period, h.desa_code, n.commitment, n.member_id FROM new_checks n JOIN visit v ON v.id = n.visit_id
        JOIN household h ON h.id = v.household_id WHERE n.result = {NOT_MET};
        RETURN NULL; END $$""",
    f"""CREATE FUNCTION rollup_check_updated() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        {_pg_take("check_tally", _CHECK_KEY, "checks", "SELECT o.period, h.desa_code, o.commitment, o.result, count(*) FROM old_checks o JOIN new_checks n ON n.id = o.id JOIN visit v ON v.id = o.visit_id JOIN household h ON h.id = v.household_id WHERE (o.period, o.commitment, o.result, o.visit_id) IS DISTINCT FROM (n.period, n.commitment, n.result, n.visit_id) GROUP BY 1, 2, 3, 4")}
        {_pg_add("check_tally", _CHECK_KEY, "checks", "SELECT n.period, h.desa_code, n.commitment, n.result, count(*) FROM old_checks o JOIN new_checks n ON n.id = o.id JOIN visit v ON v.id = n.visit_id JOIN household h ON h.id = v.household_id WHERE (o.period, o.commitment, o.result, o.visit_id) IS DISTINCT FROM (n.period, n.commitment, n.result, n.visit_id) GROUP BY 1, 2, 3, 4")}
        DELETE FROM commitment_gap g USING old_checks o
        WHERE o.result = {NOT_MET} AND g.period = o.period AND g.commitment = o.commitment AND g.member_id = o.member_id;
        INSERT INTO commitment_gap (period, desa_code, commitment, member_id)
        SELECT n.period, h.desa_code, n.commitment, n.member_id FROM new_checks n JOIN visit v ON v.id = n.visit_id
        JOIN household h ON h.id = v.household_id WHERE n.result = {NOT_MET};
        RETURN NULL; END $$""",
    f"""CREATE FUNCTION rollup_check_deleted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        {_pg_take("check_tally", _CHECK_KEY, "checks", "SELECT o.period, h.desa_code, o.commitment, o.result, count(*) FROM old_checks o JOIN visit v ON v.id = o.visit_id JOIN household h ON h.id = v.household_id GROUP BY 1, 2, 3, 4")}
        DELETE FROM commitment_gap g USING old_checks o
        WHERE o.result = {NOT_MET} AND g.period = o.period AND g.commitment = o.commitment AND g.member_id = o.member_id;
        RETURN NULL; END $$""",
    """CREATE TRIGGER rollup_household_insert AFTER INSERT ON household REFERENCING NEW TABLE AS new_households
       FOR EACH STATEMENT EXECUTE FUNCTION rollup_household_inserted()""",
    """CREATE TRIGGER rollup_household_update AFTER UPDATE ON household
       REFERENCING OLD TABLE AS old_households NEW TABLE AS new_households
       FOR EACH STATEMENT EXECUTE FUNCTION rollup_household_updated()""",
    """CREATE TRIGGER rollup_household_delete AFTER DELETE ON household REFERENCING OLD TABLE AS old_households
       FOR EACH STATEMENT EXECUTE FUNCTION rollup_household_deleted()""",
    """CREATE TRIGGER rollup_household_deleting BEFORE DELETE ON household
       FOR EACH ROW EXECUTE FUNCTION rollup_household_deleting()""",
    """CREATE TRIGGER rollup_visit_insert AFTER INSERT ON visit REFERENCING NEW TABLE AS new_visits
       FOR EACH STATEMENT EXECUTE FUNCTION rollup_visit_inserted()""",
    """CREATE TRIGGER rollup_visit_update AFTER UPDATE ON visit REFERENCING OLD TABLE AS old_visits NEW TABLE AS new_visits
       FOR EACH STATEMENT EXECUTE FUNCTION rollup_visit_updated()""",
    """CREATE TRIGGER rollup_visit_delete AFTER DELETE ON visit REFERENCING OLD TABLE AS old_visits
       FOR EACH STATEMENT EXECUTE FUNCTION rollup_visit_deleted()""",
    """CREATE TRIGGER rollup_visit_deleting BEFORE DELETE ON visit FOR EACH ROW EXECUTE FUNCTION rollup_visit_deleting()""",
    """CREATE TRIGGER rollup_check_insert AFTER INSERT ON commitment_check REFERENCING NEW TABLE AS new_checks
       FOR EACH STATEMENT EXECUTE FUNCTION rollup_check_inserted()""",
    """CREATE TRIGGER rollup_check_update AFTER UPDATE ON commitment_check
       REFERENCING OLD TABLE AS old_checks NEW TABLE AS new_checks
       FOR EACH STATEMENT EXECUTE FUNCTION rollup_check_updated()""",
    """CREATE TRIGGER rollup_check_delete AFTER DELETE ON commitment_check REFERENCING OLD TABLE AS old_checks
       FOR EACH STATEMENT EXECUTE FUNCTION rollup_check_deleted()""",
]
FUNCTIONS = [
    "rollup_household_inserted",
    "rollup_household_updated",
    "rollup_household_deleted",
    "rollup_household_deleting",
    "rollup_visit_inserted",
    "rollup_visit_updated",
    "rollup_visit_deleted",
    "rollup_visit_deleting",
    "rollup_check_inserted",
    "rollup_check_updated",
    "rollup_check_deleted",
]

# --- SQLite: row triggers ----------------------------------------------------------------------------------


def _lite_add(table: str, key: str, count: str, select: str) -> str:
    return f"""INSERT INTO {table} ({key}, {count}) {select}
        ON CONFLICT ({key}) DO UPDATE SET {count} = {count} + excluded.{count};"""


def _lite_take_one(table: str, count: str, where: str) -> str:
    return f"UPDATE {table} SET {count} = {count} - 1 WHERE {where};"


_LITE_HOUSEHOLD = """desa_code = {r}.desa_code AND pendamping_id = coalesce({r}.pendamping_id, 0) AND status = {r}.status
    AND last_visit_period = coalesce({r}.last_visit_period, '')"""
_LITE_HOUSEHOLD_ROW = "SELECT {r}.desa_code, coalesce({r}.pendamping_id, 0), {r}.status, coalesce({r}.last_visit_period, ''), 1 WHERE true"
_LITE_DESA_OF_VISIT = (
    "(SELECT h.desa_code FROM visit v JOIN household h ON h.id = v.household_id WHERE v.id = {r}.visit_id)"
)


def _lite_take_household(household: str, desa: str) -> str:
    """Subtract a household's visits and checks from the tallies of ``desa`` (a move or a delete)."""
    return f"""UPDATE visit_tally SET visits = visits - (SELECT count(*) FROM visit v WHERE v.household_id = {household}
            AND v.period = visit_tally.period AND v.review_status = visit_tally.review_status)
        WHERE desa_code = {desa};
        UPDATE check_tally SET checks = checks - (SELECT count(*) FROM visit v JOIN commitment_check c ON c.visit_id = v.id
            WHERE v.household_id = {household} AND c.period = check_tally.period
            AND c.commitment = check_tally.commitment AND c.result = check_tally.result)
        WHERE desa_code = {desa};"""


SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER rollup_household_insert AFTER INSERT ON household BEGIN
        {_lite_add("coverage_tally", _COVERAGE_KEY, "households", _LITE_HOUSEHOLD_ROW.format(r="NEW"))}
    END""",
    f"""CREATE TRIGGER rollup_household_update AFTER UPDATE OF desa_code, pendamping_id, status, last_visit_period
        ON household BEGIN
        {_lite_take_one("coverage_tally", "households", _LITE_HOUSEHOLD.format(r="OLD"))}
        {_lite_add("coverage_tally", _COVERAGE_KEY, "households", _LITE_HOUSEHOLD_ROW.format(r="NEW"))}
    END""",
    f"""CREATE TRIGGER rollup_household_move AFTER UPDATE OF desa_code ON household
        WHEN OLD.desa_code <> NEW.desa_code BEGIN
        {_lite_take_household("NEW.id", "OLD.desa_code")}
        {_lite_add("visit_tally", _VISIT_KEY, "visits", "SELECT period, NEW.desa_code, review_status, count(*) FROM visit WHERE household_id = NEW.id GROUP BY period, review_status")}
        {_lite_add("check_tally", _CHECK_KEY, "checks", "SELECT c.period, NEW.desa_code, c.commitment, c.result, count(*) FROM visit v JOIN commitment_check c ON c.visit_id = v.id WHERE v.household_id = NEW.id GROUP BY c.period, c.commitment, c.result")}
        UPDATE commitment_gap SET desa_code = NEW.desa_code WHERE (period, commitment, member_id) IN (
            SELECT c.period, c.commitment, c.member_id FROM visit v JOIN commitment_check c ON c.visit_id = v.id
            WHERE v.household_id = NEW.id AND c.result = {NOT_MET});
    END""",
    f"""CREATE TRIGGER rollup_household_delete AFTER DELETE ON household BEGIN
        {_lite_take_one("coverage_tally", "households", _LITE_HOUSEHOLD.format(r="OLD"))}
    END""",
    f"""CREATE TRIGGER rollup_household_deleting BEFORE DELETE ON household BEGIN
        {_lite_take_household("OLD.id", "OLD.desa_code")}
    END""",
    f"""CREATE TRIGGER rollup_visit_insert AFTER INSERT ON visit BEGIN
        {_lite_add("visit_tally", _VISIT_KEY, "visits", "SELECT NEW.period, h.desa_code, NEW.review_status, 1 FROM household h WHERE h.id = NEW.household_id")}
    END""",
    f"""CREATE TRIGGER rollup_visit_update AFTER UPDATE OF period, review_status, household_id ON visit BEGIN
        {_lite_take_one("visit_tally", "visits", "period = OLD.period AND review_status = OLD.review_status AND desa_code = (SELECT desa_code FROM household WHERE id = OLD.household_id)")}
        {_lite_add("visit_tally", _VISIT_KEY, "visits", "SELECT NEW.period, h.desa_code, NEW.review_status, 1 FROM household h WHERE h.id = NEW.household_id")}
    END""",
    f"""CREATE TRIGGER rollup_visit_move AFTER UPDATE OF household_id ON visit
        WHEN OLD.household_id <> NEW.household_id BEGIN
        UPDATE check_tally SET checks = checks - (SELECT count(*) FROM commitment_check c WHERE c.visit_id = NEW.id
            AND c.period = check_tally.period AND c.commitment = check_tally.commitment AND c.result = check_tally.result)
        WHERE desa_code = (SELECT desa_code FROM household WHERE id = OLD.household_id);
        {_lite_add("check_tally", _CHECK_KEY, "checks", "SELECT c.period, h.desa_code, c.commitment, c.result, count(*) FROM commitment_check c JOIN household h ON h.id = NEW.household_id WHERE c.visit_id = NEW.id GROUP BY c.period, h.desa_code, c.commitment, c.result")}
        UPDATE commitment_gap SET desa_code = (SELECT desa_code FROM household WHERE id = NEW.household_id)
        WHERE (period, commitment, member_id) IN (
            SELECT period, commitment, member_id FROM commitment_check WHERE visit_id = NEW.id AND result = {NOT_MET});
    END""",
    f"""CREATE TRIGGER rollup_visit_delete AFTER DELETE ON visit BEGIN
        {_lite_take_one("visit_tally", "visits", "period = OLD.period AND review_status = OLD.review_status AND desa_code = (SELECT desa_code FROM household WHERE id = OLD.household_id)")}
    END""",
    """CREATE TRIGGER rollup_visit_deleting BEFORE DELETE ON visit BEGIN
        UPDATE check_tally SET checks = checks - (SELECT count(*) FROM commitment_check c WHERE c.visit_id = OLD.id
            AND c.period = check_tally.period AND c.commitment = check_tally.commitment AND c.result = check_tally.result)
        WHERE desa_code = (SELECT desa_code FROM household WHERE id = OLD.household_id);
    END""",
    f"""CREATE TRIGGER rollup_check_insert AFTER INSERT ON commitment_check BEGIN
        {_lite_add("check_tally", _CHECK_KEY, "checks", "SELECT NEW.period, h.desa_code, NEW.commitment, NEW.result, 1 FROM visit v JOIN household h ON h.id = v.household_id WHERE v.id = NEW.visit_id")}
        INSERT INTO commitment_gap (period, desa_code, commitment, member_id)
        SELECT NEW.period, h.desa_code, NEW.commitment, NEW.member_id FROM visit v JOIN household h ON h.id = v.household_id
        WHERE v.id = NEW.visit_id AND NEW.result = {NOT_MET};
    END""",
    f"""CREATE TRIGGER rollup_check_update AFTER UPDATE OF visit_id, member_id, period, commitment, result
        ON commitment_check BEGIN
        {_lite_take_one("check_tally", "checks", "period = OLD.period AND commitment = OLD.commitment AND result = OLD.result AND desa_code = " + _LITE_DESA_OF_VISIT.format(r="OLD"))}
        {_lite_add("check_tally", _CHECK_KEY, "checks", "SELECT NEW.period, h.desa_code, NEW.commitment, NEW.result, 1 FROM visit v JOIN household h ON h.id = v.household_id WHERE v.id = NEW.visit_id")}
        DELETE FROM commitment_gap WHERE period = OLD.period AND commitment = OLD.commitment AND member_id = OLD.member_id;
        INSERT INTO commitment_gap (period, desa_code, commitment, member_id)
        SELECT NEW.period, h.desa_code, NEW.commitment, NEW.member_id FROM visit v JOIN household h ON h.id = v.household_id
        WHERE v.id = NEW.visit_id AND NEW.result = {NOT_MET};
    END""",
    f"""CREATE TRIGGER rollup_check_delete AFTER DELETE ON commitment_check BEGIN
        {_lite_take_one("check_tally", "checks", "period = OLD.period AND commitment = OLD.commitment AND result = OLD.result AND desa_code = " + _LITE_DESA_OF_VISIT.format(r="OLD"))}
        DELETE FROM commitment_gap WHERE period = OLD.period AND commitment = OLD.commitment AND member_id = OLD.member_id;
    END""",
]

TRIGGERS = {
    "household": [
        "rollup_household_insert",
        "rollup_household_update",
        "rollup_household_move",
        "rollup_household_delete",
        "rollup_household_deleting",
    ],
    "visit": [
        "rollup_visit_insert",
        "rollup_visit_update",
        "rollup_visit_move",
        "rollup_visit_delete",
        "rollup_visit_deleting",
    ],
    "commitment_check": ["rollup_check_insert", "rollup_check_update", "rollup_check_delete"],
}
