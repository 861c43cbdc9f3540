"""Period close: one verdict per programme household and period, the koordinator's sign-off, later adjustments.

A verdict row is written by the close (``models/period_close.py``, set-based) and decided by a koordinator
(confirm or override a suspension recommendation). Once the kabupaten/kota's list is signed (a ``period_signoff``
row) the verdicts are frozen: a change after that is a ``period_adjustment`` with its reason, never an edit of the
signed row. ``desa_code`` is copied from the household at the close so an area's list is one index range.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, str_enum, utcnow
from models.tables.rollup import DesaCode


class Verdict(enum.StrEnum):
    ELIGIBLE = "layak_salur"
    RECOMMENDED = "direkomendasikan_ditangguhkan"  # some member at escalation level 3, not yet decided
    SUSPENDED = "ditangguhkan"  # a koordinator confirmed the recommendation
    UNVERIFIED = "belum_terverifikasi"


class VerdictReason(enum.StrEnum):
    VERIFIED = "terverifikasi"  # a report of the period with the family met
    LEVEL_THREE = "tingkat_3"  # three consecutive "tidak memenuhi" for the same commitment
    OVERRIDDEN = "rekomendasi_dibatalkan"  # a koordinator overrode the recommendation (``override_reason``)
    NOT_MET_FAMILY = "keluarga_tidak_ditemui"  # only "family not met" reports
    NOT_APPROVED = "laporan_belum_disetujui"  # a late report not (yet) approved, or one sent back
    NO_REPORT = "tanpa_laporan"


class PeriodVerdict(Base):
    __tablename__ = "period_verdict"
    __table_args__ = (
        UniqueConstraint("household_id", "period"),  # also the index the household's cascade needs
        Index("ix_period_verdict_period_desa", "period", "desa_code", "verdict"),  # desa_code is C-collated
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(7))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    # copied from the household (whose key checks it): one foreign-key check less per row of a 650k-row close
    programme_code: Mapped[str] = mapped_column(String(20))
    desa_code: Mapped[str] = mapped_column(DesaCode)
    verdict: Mapped[Verdict] = mapped_column(str_enum(Verdict, "verdict"))
    reason: Mapped[VerdictReason] = mapped_column(str_enum(VerdictReason, "verdict_reason"))
    # Paid or not: the verdict, and for an unverified household the programme's ``[disbursement] unverified``.
    disburse: Mapped[bool]
    # A suspension recommendation: the member and commitment at level 3 (the first, by member and commitment).
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    commitment: Mapped[str | None] = mapped_column(String(40))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None]
    override_reason: Mapped[str | None] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class PeriodSignoff(Base):
    __tablename__ = "period_signoff"
    __table_args__ = (UniqueConstraint("area_code", "period"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("region.code"))  # a kabupaten/kota
    period: Mapped[str] = mapped_column(String(7))
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)


class PeriodAdjustment(Base):
    __tablename__ = "period_adjustment"
    __table_args__ = (Index("ix_period_adjustment_period_household", "period", "household_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(7))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    verdict_before: Mapped[Verdict] = mapped_column(str_enum(Verdict, "verdict_before"))
    verdict_after: Mapped[Verdict] = mapped_column(str_enum(Verdict, "verdict_after"))
    disburse: Mapped[bool]  # paid or not after the adjustment
    reason: Mapped[str] = mapped_column(Text)
    made_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    made_at: Mapped[datetime] = mapped_column(default=utcnow)
