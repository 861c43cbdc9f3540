"""import timestamp defaults: ``now()`` as the server default of the registry's and the audit trail's timestamps

The household import COPYs new households, members and audit rows on PostgreSQL. Sending the same aware
timestamp twice per row cost the client about 2 µs a row in asyncpg's encoder (a tenth of the importer's CPU
on a province file); with a server default the COPY leaves those columns out and PostgreSQL fills in the
transaction's time. The ORM still sets them itself (the models' Python defaults), so nothing else changes.
PostgreSQL only: on SQLite every writer passes the values, and altering a default there would rebuild the table.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {"household": ("created_at", "updated_at"), "member": ("created_at", "updated_at"), "audit": ("at",)}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        op.execute(f"ALTER TABLE {table} " + ", ".join(f"ALTER COLUMN {c} SET DEFAULT now()" for c in columns))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        op.execute(f"ALTER TABLE {table} " + ", ".join(f"ALTER COLUMN {c} DROP DEFAULT" for c in columns))
