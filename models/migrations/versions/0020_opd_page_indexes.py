"""Indexes for the OPD API's pages of rare targets (issue 22)

The API walks a sector's targets in member-id order (keyset pages of 100). Pregnant women are about one member
in a hundred: a kabupaten's page walked the member primary key and tested ~73,000 rows to find 100 of them
(p95 204 ms at province scale). A partial index of the ids of members with an expected delivery date lets the
walk visit those members only, on both databases.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_member_pregnant_id",
        "member",
        ["id"],
        postgresql_where=sa.text("pregnancy_edd IS NOT NULL"),
        sqlite_where=sa.text("pregnancy_edd IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_member_pregnant_id", table_name="member")
