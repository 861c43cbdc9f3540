"""Durable conversation state (decision 1 in docs/design.md): one row per form in progress."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class FormStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"


class FormSession(Base):
    __tablename__ = "form_session"
    __table_args__ = (Index("ix_form_session_user_status", "user_id", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # becomes the visit id on submit
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    form: Mapped[str] = mapped_column(String(40))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id", ondelete="SET NULL"))
    step: Mapped[str] = mapped_column(String(60))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    message_id: Mapped[int | None]  # the bot message whose buttons belong to this step
    status: Mapped[str] = mapped_column(String(12), default=FormStatus.DRAFT.value)
    version: Mapped[int] = mapped_column(default=0)  # optimistic lock against double taps
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
