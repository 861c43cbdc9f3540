"""Calls per OPD API key per minute: the rate limit's counter, shared by every process that serves the API."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class ApiKeyUsage(Base):
    """One row per key and minute; an upsert adds one per call, so the count is right across processes."""

    __tablename__ = "api_key_usage"

    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id", ondelete="CASCADE"), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    calls: Mapped[int] = mapped_column(default=0)
