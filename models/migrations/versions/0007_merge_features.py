"""Merge the reminder (0004), supervision (0005) and API key usage (0006) branches.

They were developed side by side from 0002 and touch different tables; this revision only joins the history so
later migrations have one parent.

Revision ID: 0007
Revises: 0004, 0005, 0006
Create Date: 2026-11-24
"""

from collections.abc import Sequence

revision: str = "0007"
down_revision: str | Sequence[str] | None = ("0004", "0005", "0006")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
