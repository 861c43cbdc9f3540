"""A home visit (kunjungan) and what it records: commitment checks, referrals, proposed data changes."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, str_enum, utcnow
from models.tables.rollup import DesaCode


class ReviewStatus(enum.StrEnum):
    PENDING = "menunggu"
    APPROVED = "disetujui"
    RETURNED = "dikembalikan"


class CheckResult(enum.StrEnum):
    MET = "memenuhi"
    NOT_MET = "tidak memenuhi"
    NOT_APPLICABLE = "tidak berlaku"


class ReferralStatus(enum.StrEnum):
    NEW = "baru"
    ACCEPTED = "diterima"
    HANDLED = "ditangani"


class ChangeStatus(enum.StrEnum):
    PROPOSED = "diajukan"
    APPROVED = "disetujui"
    REJECTED = "ditolak"


class Visit(Base):
    __tablename__ = "visit"
    __table_args__ = (
        Index("ix_visit_household_period", "household_id", "period"),
        Index("ix_visit_period_review", "period", "review_status"),
        Index("ix_visit_period_household", "period", "household_id", postgresql_include=["id", "review_status"]),
    )

    # The id of the form session that produced it: submitting twice can never make two visits.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    pendamping_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    visited_on: Mapped[date]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    met: Mapped[bool]
    not_met_reason: Mapped[str | None] = mapped_column(String(40))
    # The words typed after "Lainnya" (migration 0018): {"kunjungan" | "foto" | "lokasi": text}; NULL: none.
    other_reasons: Mapped[dict[str, Any] | None]
    condition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    welfare: Mapped[dict[str, Any]] = mapped_column(default=dict)
    deprivation_score: Mapped[int | None]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    location_flagged: Mapped[bool] = mapped_column(default=False)
    photo_file_id: Mapped[str | None] = mapped_column(String(200))
    photo_hash: Mapped[str | None] = mapped_column(String(64))
    evidence_note: Mapped[str | None] = mapped_column(String(255))
    notes: Mapped[str | None] = mapped_column(Text)
    late: Mapped[bool] = mapped_column(default=False)
    review_status: Mapped[ReviewStatus] = mapped_column(
        str_enum(ReviewStatus, "review_status"), default=ReviewStatus.PENDING
    )
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None]


class CommitmentCheck(Base):
    __tablename__ = "commitment_check"
    __table_args__ = (
        UniqueConstraint("member_id", "commitment", "period"),
        Index(
            "ix_commitment_check_period_result",
            "period",
            "result",
            "commitment",
            postgresql_include=["member_id", "visit_id"],
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7), index=True)
    commitment: Mapped[str] = mapped_column(String(40))
    result: Mapped[CheckResult] = mapped_column(str_enum(CheckResult, "check_result"))
    reason: Mapped[str | None] = mapped_column(String(80))
    reason_note: Mapped[str | None] = mapped_column(String(120))  # the words typed after "Lainnya" (0018)


class Referral(Base):
    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_sector_status", "sector", "status"),
        Index("ix_referral_created_at", "created_at", postgresql_include=["desa_code"]),
        Index("ix_referral_status_updated_at", "status", "updated_at", postgresql_include=["desa_code"]),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    # the household's desa, copied by database triggers (migration 0010) so area counts need no household lookup
    desa_code: Mapped[str | None] = mapped_column(DesaCode)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visit.id", ondelete="SET NULL"))
    sector: Mapped[str] = mapped_column(String(20))  # pendidikan, kesehatan, umkm, lainnya
    need: Mapped[str] = mapped_column(Text)
    status: Mapped[ReferralStatus] = mapped_column(
        str_enum(ReferralStatus, "referral_status"), default=ReferralStatus.NEW
    )
    status_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DataChange(Base):
    __tablename__ = "data_change"
    __table_args__ = (Index("ix_data_change_status_desa", "status", "desa_code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visit.id", ondelete="SET NULL"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    desa_code: Mapped[str | None] = mapped_column(DesaCode)  # copied from the household by triggers (0010)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30))  # kelahiran, kematian, pindah_keluar, telepon_baru …
    field: Mapped[str | None] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[ChangeStatus] = mapped_column(
        str_enum(ChangeStatus, "change_status"), default=ChangeStatus.PROPOSED, index=True
    )
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
