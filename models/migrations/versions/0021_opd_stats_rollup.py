"""OPD /stats rollup: figures per sector and household/desa for one day, and a log of the households written
since (issue 22)

``/stats`` for the province counted target members over the base tables: 6.2 s at 650k households. Its targets
depend on the date (school age, balita, a pregnancy's expected delivery), so they cannot be kept by triggers
like the report rollups of 0008. ``opd_stats_household`` and ``opd_stats_desa`` (its sums) hold the figures
counted for the day in ``opd_stats_state`` (``models.opd_stats.refresh``); the triggers here append a household
to ``opd_stats_dirty`` on every write that can change its figures, and ``/stats`` counts those households live
(``models/opd_stats.py`` says why the sum is exact). A household, not its desa: a desa holds ~420 households at
province scale, and counting 50 written desas live cost ~200 ms; 50 households cost a few.

What logs a household: its status or desa changed, or the household deleted; a member inserted or deleted, or
its birth date, expected delivery, status, relation or household changed (the old and the new household); a
referral inserted, deleted or changed in sector, status, member or household (its household and its named
member's). A household inserted has no figures until a member or referral of it is written, which logs it.
PostgreSQL: statement-level triggers over transition tables, one INSERT per statement whatever its size; the
changed rows are found with a plain join of the old and new tables (no EXISTS: see 0018 on the nested loop that
invites). SQLite: row triggers that log a household only when it is not logged yet (SQLite runs one writer at a
time, so a logged row cannot be consumed by a refresh while the writer's transaction is open).

The log is append-only — no row is updated, so writers to the same household never wait on each other's lock.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FIGURES = (
    "households",
    "usia_sekolah",
    "ibu_hamil",
    "balita",
    "dirujuk",
    "referrals_baru",
    "referrals_diterima",
    "referrals_ditangani",
)


def _desa() -> sa.types.TypeEngine[str]:
    """``household.desa_code``'s type and collation (the database's): the rollup's rows are compared with it."""
    return sa.String(13)


def upgrade() -> None:
    op.create_table(
        "opd_stats_household",
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("sector", sa.String(20), nullable=False),
        sa.Column("desa_code", _desa(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _FIGURES),
        sa.PrimaryKeyConstraint("household_id", "sector", name="pk_opd_stats_household"),
    )
    op.create_table(
        "opd_stats_desa",
        sa.Column("sector", sa.String(20), nullable=False),
        sa.Column("desa_code", _desa(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _FIGURES),
        sa.PrimaryKeyConstraint("sector", "desa_code", name="pk_opd_stats_desa"),
    )
    op.create_table(
        "opd_stats_dirty",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_opd_stats_dirty"),
    )
    op.create_index("ix_opd_stats_dirty_household", "opd_stats_dirty", ["household_id"])
    op.create_table(
        "opd_stats_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_opd_stats_state"),
    )
    # Nothing is counted yet: /stats answers from the base tables until the first refresh (the scheduler's).
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
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
    op.drop_table("opd_stats_state")
    op.drop_index("ix_opd_stats_dirty_household", table_name="opd_stats_dirty")
    op.drop_table("opd_stats_dirty")
    op.drop_table("opd_stats_desa")
    op.drop_table("opd_stats_household")


# --- PostgreSQL: statement-level triggers over transition tables -------------------------------------------


def _pg_function(name: str, households: str) -> str:
    """A trigger function logging each distinct household id that ``households`` (a SELECT of ids) yields."""
    return f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        INSERT INTO opd_stats_dirty (household_id)
        SELECT DISTINCT d.household_id FROM ({households}) AS d (household_id) WHERE d.household_id IS NOT NULL;
        RETURN NULL; END $$"""


_HOUSEHOLD_CHANGED = """old_households o JOIN new_households n ON n.id = o.id
    WHERE o.status IS DISTINCT FROM n.status OR o.desa_code IS DISTINCT FROM n.desa_code"""
_MEMBER_CHANGED = """old_members o JOIN new_members n ON n.id = o.id
    WHERE (o.birth_date, o.pregnancy_edd, o.status, o.relation, o.household_id)
          IS DISTINCT FROM (n.birth_date, n.pregnancy_edd, n.status, n.relation, n.household_id)"""
_REFERRAL_CHANGED = """old_referrals o JOIN new_referrals n ON n.id = o.id
    WHERE (o.sector, o.status, o.member_id, o.household_id)
          IS DISTINCT FROM (n.sector, n.status, n.member_id, n.household_id)"""


def _pg_referral_households(rows: str, source: str) -> str:
    """Each referral's household and its named member's household."""
    return f"""SELECT {rows}.household_id FROM {source}
        UNION ALL
        SELECT m.household_id FROM (SELECT {rows}.member_id AS member_id FROM {source}) r
        JOIN member m ON m.id = r.member_id"""


POSTGRESQL_TRIGGERS = [
    _pg_function("opd_stats_household_updated", f"SELECT n.id FROM {_HOUSEHOLD_CHANGED}"),
    _pg_function("opd_stats_household_deleted", "SELECT id FROM old_households"),
    _pg_function("opd_stats_member_inserted", "SELECT household_id FROM new_members"),
    _pg_function(
        "opd_stats_member_updated",
        f"SELECT o.household_id FROM {_MEMBER_CHANGED} UNION ALL SELECT n.household_id FROM {_MEMBER_CHANGED}",
    ),
    _pg_function("opd_stats_member_deleted", "SELECT household_id FROM old_members"),
    _pg_function("opd_stats_referral_inserted", _pg_referral_households("n", "new_referrals n")),
    _pg_function(
        "opd_stats_referral_updated",
        _pg_referral_households("o", _REFERRAL_CHANGED)
        + " UNION ALL "
        + _pg_referral_households("n", _REFERRAL_CHANGED),
    ),
    _pg_function("opd_stats_referral_deleted", _pg_referral_households("o", "old_referrals o")),
    """CREATE TRIGGER opd_stats_household_update AFTER UPDATE ON household
       REFERENCING OLD TABLE AS old_households NEW TABLE AS new_households
       FOR EACH STATEMENT EXECUTE FUNCTION opd_stats_household_updated()""",
    """CREATE TRIGGER opd_stats_household_delete AFTER DELETE ON household REFERENCING OLD TABLE AS old_households
       FOR EACH STATEMENT EXECUTE FUNCTION opd_stats_household_deleted()""",
    """CREATE TRIGGER opd_stats_member_insert AFTER INSERT ON member REFERENCING NEW TABLE AS new_members
       FOR EACH STATEMENT EXECUTE FUNCTION opd_stats_member_inserted()""",
    """CREATE TRIGGER opd_stats_member_update AFTER UPDATE ON member
       REFERENCING OLD TABLE AS old_members NEW TABLE AS new_members
       FOR EACH STATEMENT EXECUTE FUNCTION opd_stats_member_updated()""",
    """CREATE TRIGGER opd_stats_member_delete AFTER DELETE ON member REFERENCING OLD TABLE AS old_members
       FOR EACH STATEMENT EXECUTE FUNCTION opd_stats_member_deleted()""",
    """CREATE TRIGGER opd_stats_referral_insert AFTER INSERT ON referral REFERENCING NEW TABLE AS new_referrals
       FOR EACH STATEMENT EXECUTE FUNCTION opd_stats_referral_inserted()""",
    """CREATE TRIGGER opd_stats_referral_update AFTER UPDATE ON referral
       REFERENCING OLD TABLE AS old_referrals NEW TABLE AS new_referrals
       FOR EACH STATEMENT EXECUTE FUNCTION opd_stats_referral_updated()""",
    """CREATE TRIGGER opd_stats_referral_delete AFTER DELETE ON referral REFERENCING OLD TABLE AS old_referrals
       FOR EACH STATEMENT EXECUTE FUNCTION opd_stats_referral_deleted()""",
]

# --- SQLite: row triggers ----------------------------------------------------------------------------------


def _lite_mark(household: str) -> str:
    """Log the household ``household`` (an expression, maybe a scalar subquery) unless NULL or logged already."""
    return f"""INSERT INTO opd_stats_dirty (household_id) SELECT x.household_id FROM (SELECT {household} AS household_id) AS x
        WHERE x.household_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM opd_stats_dirty d WHERE d.household_id = x.household_id);"""


def _of_member(member: str) -> str:
    return f"(SELECT household_id FROM member WHERE id = {member})"


SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER opd_stats_household_update AFTER UPDATE OF status, desa_code ON household
        WHEN OLD.status IS NOT NEW.status OR OLD.desa_code IS NOT NEW.desa_code BEGIN
        {_lite_mark("NEW.id")}
    END""",
    f"""CREATE TRIGGER opd_stats_household_delete AFTER DELETE ON household BEGIN
        {_lite_mark("OLD.id")}
    END""",
    f"""CREATE TRIGGER opd_stats_member_insert AFTER INSERT ON member BEGIN
        {_lite_mark("NEW.household_id")}
    END""",
    f"""CREATE TRIGGER opd_stats_member_update
        AFTER UPDATE OF birth_date, pregnancy_edd, status, relation, household_id ON member
        WHEN OLD.birth_date IS NOT NEW.birth_date OR OLD.pregnancy_edd IS NOT NEW.pregnancy_edd
          OR OLD.status IS NOT NEW.status OR OLD.relation IS NOT NEW.relation
          OR OLD.household_id IS NOT NEW.household_id BEGIN
        {_lite_mark("OLD.household_id")}
        {_lite_mark("NEW.household_id")}
    END""",
    f"""CREATE TRIGGER opd_stats_member_delete AFTER DELETE ON member BEGIN
        {_lite_mark("OLD.household_id")}
    END""",
    f"""CREATE TRIGGER opd_stats_referral_insert AFTER INSERT ON referral BEGIN
        {_lite_mark("NEW.household_id")}
        {_lite_mark(_of_member("NEW.member_id"))}
    END""",
    f"""CREATE TRIGGER opd_stats_referral_update AFTER UPDATE OF sector, status, member_id, household_id ON referral
        WHEN OLD.sector IS NOT NEW.sector OR OLD.status IS NOT NEW.status OR OLD.member_id IS NOT NEW.member_id
          OR OLD.household_id IS NOT NEW.household_id BEGIN
        {_lite_mark("OLD.household_id")}
        {_lite_mark("NEW.household_id")}
        {_lite_mark(_of_member("OLD.member_id"))}
        {_lite_mark(_of_member("NEW.member_id"))}
    END""",
    f"""CREATE TRIGGER opd_stats_referral_delete AFTER DELETE ON referral BEGIN
        {_lite_mark("OLD.household_id")}
        {_lite_mark(_of_member("OLD.member_id"))}
    END""",
]

TRIGGERS = {
    "household": ["opd_stats_household_update", "opd_stats_household_delete"],
    "member": [f"opd_stats_member_{op_}" for op_ in ("insert", "update", "delete")],
    "referral": [f"opd_stats_referral_{op_}" for op_ in ("insert", "update", "delete")],
}
FUNCTIONS = [
    "opd_stats_household_updated",
    "opd_stats_household_deleted",
    *(f"opd_stats_{table}_{done}" for table in ("member", "referral") for done in ("inserted", "updated", "deleted")),
]
