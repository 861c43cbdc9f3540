"""inbox pending indexes: the claim reads only the pending updates, not the 48 hours of handled ones

The claim picks each chat's oldest pending update. With the one index on (status, chat_id, update_id) and the
statuses sent as bound parameters, PostgreSQL walked the primary key from the oldest row and filtered out every
handled update still kept for the duplicate check — 2.5 ms of server CPU per claim with 26,000 of them, 5.6 ms
once asyncpg's prepared statement fell back to a generic plan (a hash join over the whole table), and growing
with the table. Two partial indexes hold only the pending rows (a few hundred under load): one in update-id
order for the heads, one by chat for "an earlier update of this chat is still pending". The claim writes the
statuses into its SQL (``models/tables/messaging.py``'s ``INBOX_PENDING_SQL``) so both databases see the
indexes apply, generic plan or not: 0.5 ms. The old index gives way to (status, processed_at), which is what
the pruning and the /metrics counts ask for.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status IN ('new', 'processing')")


def upgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_status_chat")
        batch_op.create_index("ix_inbox_pending", ["update_id"], sqlite_where=PENDING, postgresql_where=PENDING)
        batch_op.create_index(
            "ix_inbox_pending_chat", ["chat_id", "update_id"], sqlite_where=PENDING, postgresql_where=PENDING
        )
        batch_op.create_index("ix_inbox_status_processed", ["status", "processed_at"])


def downgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_status_processed")
        batch_op.drop_index("ix_inbox_pending_chat")
        batch_op.drop_index("ix_inbox_pending")
        batch_op.create_index("ix_inbox_status_chat", ["status", "chat_id", "update_id"], unique=False)
