"""period close: a verdict per programme household and period, the koordinator's sign-off, later adjustments

``period_verdict`` holds what the close computed (``models/period_close.py``) and what a koordinator decided;
``period_signoff`` one row per kabupaten/kota and period once its list is signed (then the verdicts are frozen);
``period_adjustment`` every change made after the signature, with its reason. See docs/period-close.md.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERDICTS = ("layak_salur", "direkomendasikan_ditangguhkan", "ditangguhkan", "belum_terverifikasi")
REASONS = (
    "terverifikasi",
    "tingkat_3",
    "rekomendasi_dibatalkan",
    "keluarga_tidak_ditemui",
    "laporan_belum_disetujui",
    "tanpa_laporan",
)


def _enum(values: Sequence[str], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True)


def upgrade() -> None:
    op.create_table(
        "period_signoff",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("area_code", sa.String(length=13), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("signed_by", BigId, nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_code"], ["region.code"], name=op.f("fk_period_signoff_area_code_region")),
        sa.ForeignKeyConstraint(["signed_by"], ["app_user.id"], name=op.f("fk_period_signoff_signed_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_signoff")),
        sa.UniqueConstraint("area_code", "period", name=op.f("uq_period_signoff_area_code_period")),
    )
    op.create_table(
        "period_adjustment",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("household_id", BigId, nullable=False),
        sa.Column("verdict_before", _enum(VERDICTS, "verdict_before"), nullable=False),
        sa.Column("verdict_after", _enum(VERDICTS, "verdict_after"), nullable=False),
        sa.Column("disburse", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("made_by", BigId, nullable=True),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_period_adjustment_household_id_household"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["made_by"], ["app_user.id"], name=op.f("fk_period_adjustment_made_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_adjustment")),
    )
    op.create_index("ix_period_adjustment_period_household", "period_adjustment", ["period", "household_id"])
    op.create_table(
        "period_verdict",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("household_id", BigId, nullable=False),
        sa.Column("programme_code", sa.String(length=20), nullable=False),
        sa.Column(
            "desa_code",
            sa.String(length=13).with_variant(sa.String(length=13, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("verdict", _enum(VERDICTS, "verdict"), nullable=False),
        sa.Column("reason", _enum(REASONS, "verdict_reason"), nullable=False),
        sa.Column("disburse", sa.Boolean(), nullable=False),
        sa.Column("member_id", BigId, nullable=True),
        sa.Column("commitment", sa.String(length=40), nullable=True),
        sa.Column("decided_by", BigId, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["decided_by"], ["app_user.id"], name=op.f("fk_period_verdict_decided_by_app_user")),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_period_verdict_household_id_household"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_period_verdict_member_id_member"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_verdict")),
        sa.UniqueConstraint("household_id", "period", name=op.f("uq_period_verdict_household_id_period")),
    )
    op.create_index("ix_period_verdict_period_desa", "period_verdict", ["period", "desa_code", "verdict"])


def downgrade() -> None:
    op.drop_index("ix_period_verdict_period_desa", table_name="period_verdict")
    op.drop_table("period_verdict")
    op.drop_index("ix_period_adjustment_period_household", table_name="period_adjustment")
    op.drop_table("period_adjustment")
    op.drop_table("period_signoff")
