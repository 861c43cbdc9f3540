"""The OPD API's ``/stats`` figures counted per sector and desa for one day, and the desas written since.

``/stats`` for a province counted target members over ~2.9M member rows (6.2 s at 650k households). The targets
depend on the date (a child turns six, a pregnancy's expected delivery passes), so the counts cannot be kept by
triggers the way the report rollups (``models/tables/rollup.py``) are. Instead ``opd_stats_desa`` holds the
figures *as of the day* in ``opd_stats_state``, recounted by ``models.opd_stats.refresh``; every write that can
change a desa's figures appends the desa to ``opd_stats_dirty`` (triggers of migration 0021), and ``/stats``
counts those desas live. ``models/opd_stats.py`` says why this stays exact.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, UtcDateTime


class OpdStatsDesa(Base):
    """One sector's figures in one desa: households with a target member, targets per category, referrals.

    A category column belongs to one sector (``models.queries.opd.CATEGORIES``); the others stay 0 in its rows.
    A desa without any figure has no row.
    """

    __tablename__ = "opd_stats_desa"

    sector: Mapped[str] = mapped_column(String(20), primary_key=True)
    desa_code: Mapped[str] = mapped_column(String(13), primary_key=True)  # household.desa_code's collation
    households: Mapped[int] = mapped_column(Integer)
    usia_sekolah: Mapped[int] = mapped_column(Integer)
    ibu_hamil: Mapped[int] = mapped_column(Integer)
    balita: Mapped[int] = mapped_column(Integer)
    dirujuk: Mapped[int] = mapped_column(Integer)
    referrals_baru: Mapped[int] = mapped_column(Integer)
    referrals_diterima: Mapped[int] = mapped_column(Integer)
    referrals_ditangani: Mapped[int] = mapped_column(Integer)


class OpdStatsDirty(Base):
    """A desa written since the refresh that last read this row (append-only: no row is ever updated)."""

    __tablename__ = "opd_stats_dirty"
    __table_args__ = (Index("ix_opd_stats_dirty_desa", "desa_code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    desa_code: Mapped[str] = mapped_column(String(13))  # as household.desa_code: its index serves the lookup


class OpdStatsState(Base):
    """One row (id 1): the day ``opd_stats_desa`` was counted for, or no row / NULL when nothing is counted."""

    __tablename__ = "opd_stats_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    day: Mapped[date | None] = mapped_column(Date)
    refreshed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
