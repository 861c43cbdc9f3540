"""Rollups for the supervisor reports: small tables of counts per desa, kept exact by database triggers.

At province scale a period has ~450k visits and ~640k commitment checks, and an area-filtered count must reach
each row's desa through ``visit → household``: hundreds of thousands of key lookups per report. These tables
hold the same numbers already counted per desa (a few thousand rows per period), so a report reads a range of
a primary key instead. Triggers on ``household``, ``visit`` and ``commitment_check`` (migration ``0008``) keep
them in step with every writer — the visit form, reviews, imports, bulk loads — in the same transaction, so
they are never stale; nothing in Python writes them.

Sentinels instead of NULL keep every column part of the primary key: ``pendamping_id`` 0 = no pendamping,
``last_visit_period`` '' = never visited (it sorts before every period, so "not visited since P" is ``< P``).
On PostgreSQL the desa columns use the "C" collation, so ``desa_code LIKE '36.02.%'`` is a range of the key
whatever the database's collation.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

DesaCode = String(13).with_variant(String(13, collation="C"), "postgresql")
NO_PENDAMPING = 0
NEVER = ""


class CoverageTally(Base):
    """Households per desa, pendamping, status and last visit period (``household.last_visit_period``)."""

    __tablename__ = "coverage_tally"

    desa_code: Mapped[str] = mapped_column(DesaCode, primary_key=True)
    pendamping_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_visit_period: Mapped[str] = mapped_column(String(7), primary_key=True)
    households: Mapped[int] = mapped_column(Integer, default=0)


class VisitTally(Base):
    """Visits per period, desa (of the visited household) and review status."""

    __tablename__ = "visit_tally"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    desa_code: Mapped[str] = mapped_column(DesaCode, primary_key=True)
    review_status: Mapped[str] = mapped_column(String(20), primary_key=True)
    visits: Mapped[int] = mapped_column(Integer, default=0)


class CheckTally(Base):
    """Commitment checks per period (the check's), desa (of its visit's household), commitment and result."""

    __tablename__ = "check_tally"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    desa_code: Mapped[str] = mapped_column(DesaCode, primary_key=True)
    commitment: Mapped[str] = mapped_column(String(40), primary_key=True)
    result: Mapped[str] = mapped_column(String(20), primary_key=True)
    checks: Mapped[int] = mapped_column(Integer, default=0)


class CommitmentGap(Base):
    """One row per "tidak memenuhi" check, by period and desa: /kepatuhan's set without touching the visits.

    ``level`` is the row's escalation level (1–3: the run of "tidak memenuhi" periods ending here, capped),
    recomputed by the check triggers (migration 0010) for the member and commitment whose gaps changed.
    """

    __tablename__ = "commitment_gap"
    __table_args__ = (
        Index("ix_commitment_gap_member", "member_id", "commitment", "period"),
        Index("ix_commitment_gap_level", "period", "desa_code", "commitment", "level"),
    )

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    desa_code: Mapped[str] = mapped_column(DesaCode, primary_key=True)
    commitment: Mapped[str] = mapped_column(String(40), primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
