"""household.data_issues: a household loaded without some of its member rows ("data perlu diperbaiki")

The registry import loads a household whose head row is good even when another member's row is wrong; the wrong
rows stay out (in the error file) and the household carries what is missing, as JSON text, until an import of the
KK holds nothing out or the koordinator accepts the member as a data change. NULL: nothing missing. A plain text
column (not JSON/JSONB) so the import's COPY of a new household stays one more NULL.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD/DROP COLUMN on both databases (SQLite ≥ 3.35 has both): batch mode would copy the table, and
    # SQLite refuses the rename back while the visit triggers (0005) name ``household``.
    op.add_column("household", sa.Column("data_issues", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("household", "data_issues")
