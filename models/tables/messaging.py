"""Outbox (reminders waiting to be sent) and inbox (Telegram updates waiting to be handled)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, str_enum, utcnow


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class InboxStatus(enum.StrEnum):
    NEW = "new"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class Outbox(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)  # kind:user:subject:date
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(60))
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    retry_after: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# The pending updates, as the partial indexes and the claim spell it: the values written into the SQL, so that a
# cached generic plan (asyncpg prepares every statement) still sees the index covers the query (migration 0012).
INBOX_PENDING = (InboxStatus.NEW, InboxStatus.PROCESSING)
INBOX_PENDING_SQL = "status IN (" + ", ".join(f"'{status.value}'" for status in INBOX_PENDING) + ")"


class Inbox(Base):
    """Updates stored the moment they arrive and handled from here (``models/inbox.py``, ``bot/inbox.py``).

    Handled rows stay ``inbox_retention_hours`` (48 by default, the duplicate check) and so outnumber the pending
    ones a hundred to one under load: the claim reads only the partial indexes of the pending rows.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        Index(
            "ix_inbox_pending",
            "update_id",
            sqlite_where=text(INBOX_PENDING_SQL),
            postgresql_where=text(INBOX_PENDING_SQL),
        ),
        Index(
            "ix_inbox_pending_chat",
            "chat_id",
            "update_id",
            sqlite_where=text(INBOX_PENDING_SQL),
            postgresql_where=text(INBOX_PENDING_SQL),
        ),
        Index("ix_inbox_status_processed", "status", "processed_at"),
    )

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The content's fingerprint: the same id with another digest is a new update (ids restart, migration 0015).
    digest: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[InboxStatus] = mapped_column(str_enum(InboxStatus, "inbox_status"), default=InboxStatus.NEW)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(60))
    attempts: Mapped[int] = mapped_column(default=0)
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
