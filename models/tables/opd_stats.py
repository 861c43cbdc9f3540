"""The OPD API's ``/stats`` figures counted per sector for one day — per household and summed per desa — and a
log of the households written since.

``/stats`` for a province counted target members over ~2.9M member rows (6.2 s at 650k households). The targets
depend on the date (a child turns six, a pregnancy's expected delivery passes), so the counts cannot be kept by
triggers the way the report rollups (``models/tables/rollup.py``) are. Instead ``opd_stats_household`` and
``opd_stats_desa`` hold the figures *as of the day* in ``opd_stats_state``, recounted by
``models.opd_stats.refresh``; every write that can change a household's figures appends the household to
``opd_stats_dirty`` (triggers of migration 0021), and ``/stats`` takes those households' counted rows out and
counts them live instead. ``models/opd_stats.py`` says why this stays exact.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, UtcDateTime


class _Figures:
    """Households with a target member, targets per category, referrals per status.

    A category column belongs to one sector (``models.queries.opd.CATEGORIES``); the others stay 0 in its rows.
    """

    households: Mapped[int] = mapped_column(Integer)
    usia_sekolah: Mapped[int] = mapped_column(Integer)
    ibu_hamil: Mapped[int] = mapped_column(Integer)
    balita: Mapped[int] = mapped_column(Integer)
    dirujuk: Mapped[int] = mapped_column(Integer)
    referrals_baru: Mapped[int] = mapped_column(Integer)
    referrals_diterima: Mapped[int] = mapped_column(Integer)
    referrals_ditangani: Mapped[int] = mapped_column(Integer)


class OpdStatsHousehold(_Figures, Base):
    """One sector's figures of one household (``households`` is 0 or 1), with its desa when counted; a household
    without any figure has no row. What ``/stats`` takes out of the desa sums for a logged household."""

    __tablename__ = "opd_stats_household"
    household_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # first: looked up by household
    sector: Mapped[str] = mapped_column(String(20), primary_key=True)
    desa_code: Mapped[str] = mapped_column(String(13))  # household.desa_code's type and collation


class OpdStatsDesa(_Figures, Base):
    """One sector's figures in one desa: the sum of its ``opd_stats_household`` rows."""

    __tablename__ = "opd_stats_desa"

    sector: Mapped[str] = mapped_column(String(20), primary_key=True)
    desa_code: Mapped[str] = mapped_column(String(13), primary_key=True)


class OpdStatsDirty(Base):
    """A household written since the refresh that last read this row (append-only: no row is ever updated)."""

    __tablename__ = "opd_stats_dirty"
    __table_args__ = (Index("ix_opd_stats_dirty_household", "household_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    household_id: Mapped[int] = mapped_column(BigInteger)


class OpdStatsState(Base):
    """One row (id 1): the day the rollup was counted for, or no row / NULL when nothing is counted."""

    __tablename__ = "opd_stats_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    day: Mapped[date | None] = mapped_column(Date)
    refreshed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
