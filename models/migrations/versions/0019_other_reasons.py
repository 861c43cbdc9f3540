"""visit.other_reasons, commitment_check.reason_note: the words typed after "Lainnya"

A pendamping who picks "Lainnya" as a reason (the family not met, no photo, no location, a commitment not met) is
asked for the reason in a few words. The visit keeps those of the visit itself (keys ``kunjungan``, ``foto``,
``lokasi``) as JSON; a commitment check keeps its own beside its reason code. Empty (NULL): none.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD/DROP COLUMN on both databases (as 0016): batch mode would copy the tables the triggers name.
    op.add_column(
        "visit",
        sa.Column("other_reasons", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")),
    )
    op.add_column("commitment_check", sa.Column("reason_note", sa.String(length=120), nullable=True))


def downgrade() -> None:
    op.drop_column("commitment_check", "reason_note")
    op.drop_column("visit", "other_reasons")
