"""What supervisors decide in the chat: graduation proposals and announcements to pendamping.

A graduation is two people's decision (a koordinator proposes, an admin confirms), so the proposal is a row of
its own with both names and times — the household's status changes only on confirmation. An announcement keeps
its recipients so the admin can later count how many of its outbox messages were delivered or failed.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, JsonDoc, str_enum, utcnow


class ProposalStatus(enum.StrEnum):
    PROPOSED = "diajukan"
    CONFIRMED = "dikonfirmasi"
    REJECTED = "ditolak"


class GraduationProposal(Base):
    __tablename__ = "graduation_proposal"
    __table_args__ = (Index("ix_graduation_proposal_status_household", "status", "household_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    reasons: Mapped[list[str]] = mapped_column(JsonDoc, default=list)  # skor_rendah, tanpa_komitmen, mandiri
    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus, "proposal_status"), default=ProposalStatus.PROPOSED
    )
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class Announcement(Base):
    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipient_ids: Mapped[list[int]] = mapped_column(JsonDoc, default=list)
    dedupe_day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD in the outbox dedupe keys

    def dedupe_key(self, user_id: int) -> str:
        return f"announcement:{user_id}:a{self.id}:{self.dedupe_day}"
