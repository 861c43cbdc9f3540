"""deferrable member → household foreign key: an import batch writes its households last

The household import writes a batch's rows by COPY in one transaction. The households' rollup trigger (0008,
0011) adds them to ``coverage_tally``, whose rows the batch written beside it (two side by side on PostgreSQL)
then waits for until this one commits: every batch of a province file touches nearly every desa. With the
members' foreign key deferrable, a batch can COPY its members (and its audit rows) first and its households
last, so the tally rows are held only for the household COPY and the commit, where the deferred foreign-key
checks run. The constraint stays ``INITIALLY IMMEDIATE``: every other writer checks it per statement as before;
only a transaction that says ``SET CONSTRAINTS fk_member_household_id_household DEFERRED`` (the import) waits
for its commit. PostgreSQL only: SQLite cannot alter a constraint, and has one writer at a time anyway.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "fk_member_household_id_household"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE member ALTER CONSTRAINT {CONSTRAINT} DEFERRABLE INITIALLY IMMEDIATE")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE member ALTER CONSTRAINT {CONSTRAINT} NOT DEFERRABLE")
