"""reminders: per-person reminder settings, the unreachable flag, indexes for birth reminders and escalations

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-24

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "reminder_setting",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("digest_hour", sa.Integer(), nullable=True),
        sa.Column("mute_events", sa.Boolean(), nullable=False),
        sa.Column("unreachable_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unreachable_reason", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_reminder_setting_user_id_app_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_reminder_setting")),
    )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index(
            "ix_member_pregnancy_edd",
            ["pregnancy_edd"],
            unique=False,
            postgresql_where=sa.text("pregnancy_edd IS NOT NULL"),
            sqlite_where=sa.text("pregnancy_edd IS NOT NULL"),
        )
    with op.batch_alter_table("commitment_check", schema=None) as batch_op:
        batch_op.create_index(
            "ix_commitment_check_missed",
            ["period", "member_id", "commitment"],
            unique=False,
            postgresql_where=sa.text("result = 'tidak memenuhi'"),
            sqlite_where=sa.text("result = 'tidak memenuhi'"),
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("commitment_check", schema=None) as batch_op:
        batch_op.drop_index("ix_commitment_check_missed")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index("ix_member_pregnancy_edd")
    op.drop_table("reminder_setting")
