"""inbox digest: an update id seen again with other content is a new update, not a duplicate

Telegram (after a long silence, or a renewed token) and the demo's sandbox (after a restart) may hand out update
ids the inbox still holds from the last 48 hours. Keyed by the id alone, those new updates were dropped as
duplicates and the person got no answer. Each row now keeps a digest of its content; the store overwrites a
*finished* row whose digest differs (``models/inbox.py``). Rows stored before this migration have no digest
and keep the old rule (same id = duplicate) until they are pruned.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_column("digest")
