"""Indexes for the OPD API's pages of rare targets (issue 22)

The API walks a sector's targets in member-id order (keyset pages of 100). Pregnant women are about one member
in a hundred: a kabupaten's page walked the member primary key and tested ~73,000 rows to find 100 of them
(p95 204 ms at province scale). A partial index of the ids of members with an expected delivery date lets the
walk visit those members only, on both databases (on PostgreSQL with the fields the page tests, so the walk
stays in the index).

A kecamatan's page starts from its households instead (``models.queries.opd._is_small``). On PostgreSQL two
existing indexes are rebuilt with the columns that path reads, so it never leaves the indexes until the page's
own 100 rows: ``ix_household_desa_status`` carries the household id, ``ix_member_household_id`` the member's id,
status and target fields (birth date, expected delivery, school). The same keys, so every plan that used them still
can. SQLite has no INCLUDE, and its indexes carry the rowid (the id) already; it keeps its indexes as they are.

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


# What a page tests of a pregnant member: read from the index, not from 26,000 scattered heap rows (PostgreSQL).
PREGNANT_INCLUDE = ["household_id", "pregnancy_edd", "status"]
# (index, table, key columns, PostgreSQL INCLUDE columns)
COVERING = (
    ("ix_household_desa_status", "household", ["desa_code", "status"], ["id"]),
    (
        "ix_member_household_id",
        "member",
        ["household_id"],
        ["id", "status", "birth_date", "pregnancy_edd", "school_level"],
    ),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table, columns, include in COVERING:
            op.drop_index(name, table_name=table)
            op.create_index(name, table, columns, postgresql_include=include)
    op.create_index(
        "ix_member_pregnant_id",
        "member",
        ["id"],
        postgresql_include=PREGNANT_INCLUDE,
        postgresql_where=sa.text("pregnancy_edd IS NOT NULL"),
        sqlite_where=sa.text("pregnancy_edd IS NOT NULL"),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table, columns, _ in COVERING:
            op.drop_index(name, table_name=table)
            op.create_index(name, table, columns)
    op.drop_index("ix_member_pregnant_id", table_name="member")
