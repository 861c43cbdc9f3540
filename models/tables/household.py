"""The registry: households (KPM, identified by KK) and their members (ART, identified by NIK)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, str_enum, utcnow


class HouseholdStatus(enum.StrEnum):
    AKTIF = "aktif"
    DITANGGUHKAN = "ditangguhkan"  # suspended after repeated missed commitments
    GRADUASI = "graduasi"
    KELUAR = "keluar"


class Sex(enum.StrEnum):
    L = "L"
    P = "P"


class Relation(enum.StrEnum):
    KEPALA = "kepala keluarga"
    ISTRI = "istri"
    SUAMI = "suami"
    ANAK = "anak"
    MENANTU = "menantu"
    CUCU = "cucu"
    ORANG_TUA = "orang tua"
    MERTUA = "mertua"
    FAMILI_LAIN = "famili lain"
    LAINNYA = "lainnya"


class SchoolLevel(enum.StrEnum):
    SD = "SD"
    SMP = "SMP"
    SMA = "SMA"


class MemberStatus(enum.StrEnum):
    AKTIF = "aktif"
    PINDAH = "pindah"
    MENINGGAL = "meninggal"


class Household(Base):
    __tablename__ = "household"
    __table_args__ = (
        UniqueConstraint("programme_code", "kk"),
        # INCLUDE: a kecamatan's OPD page finds its households from the index alone (migration 0020)
        Index("ix_household_desa_status", "desa_code", "status", postgresql_include=["id"]),
        Index(  # supervisor reports (issue 8); pattern ops: the area filter is ``desa_code LIKE '36.02.%'``
            "ix_household_coverage",
            "desa_code",
            "status",
            "last_visit_period",
            postgresql_ops={"desa_code": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    programme_code: Mapped[str] = mapped_column(ForeignKey("programme.code"))
    kk: Mapped[str] = mapped_column(String(16), index=True)
    head_name: Mapped[str] = mapped_column(String(120), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    desa_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    pendamping_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    status: Mapped[HouseholdStatus] = mapped_column(
        str_enum(HouseholdStatus, "household_status"), default=HouseholdStatus.AKTIF
    )
    phone: Mapped[str | None] = mapped_column(String(20))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # YYYY-MM of the latest visit; kept by database triggers on ``visit`` (migration 0005), read by the reports.
    last_visit_period: Mapped[str | None] = mapped_column(String(7))
    # Date of the latest visit; kept by triggers on ``visit`` (migration 0018), read by the pendamping's list.
    last_visited_on: Mapped[date | None]
    # Member rows the registry import held out ("data perlu diperbaiki"), JSON text (``models.data_issues``);
    # NULL when nothing is missing. Migration 0016.
    data_issues: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Member(Base):
    __tablename__ = "member"
    __table_args__ = (
        # INCLUDE: a kecamatan's OPD page tests its members' target fields from the index alone (migration 0020)
        Index(
            "ix_member_household_id",
            "household_id",
            postgresql_include=["id", "status", "birth_date", "pregnancy_edd", "school_level"],
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # Deferrable (migration 0013) so an import batch can COPY its members before their households; checked at
    # the latest at commit, immediately everywhere else.
    household_id: Mapped[int] = mapped_column(
        ForeignKey("household.id", ondelete="CASCADE", deferrable=True, initially="IMMEDIATE")
    )
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    relation: Mapped[Relation] = mapped_column(str_enum(Relation, "relation"))
    sex: Mapped[Sex] = mapped_column(str_enum(Sex, "sex"))
    birth_date: Mapped[date]
    pregnancy_edd: Mapped[date | None]  # hari perkiraan lahir (HPL)
    school_level: Mapped[SchoolLevel | None] = mapped_column(str_enum(SchoolLevel, "school_level"))
    school_name: Mapped[str | None] = mapped_column(String(120))
    severe_disability: Mapped[bool] = mapped_column(default=False)
    status: Mapped[MemberStatus] = mapped_column(str_enum(MemberStatus, "member_status"), default=MemberStatus.AKTIF)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
