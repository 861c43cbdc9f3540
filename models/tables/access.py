"""Attempts to get in (contact matches, invite codes), kept to throttle guessing from one Telegram account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, utcnow


class AccessAttempt(Base):
    __tablename__ = "access_attempt"
    __table_args__ = (Index("ix_access_attempt_telegram_at", "telegram_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))  # contact | invite
    success: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow)
