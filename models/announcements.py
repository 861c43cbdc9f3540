"""Admin announcements to every pendamping of an area, delivered through the outbox (decision 2 in docs/design.md).

The bot never sends an announcement itself: it writes one outbox row per recipient with a unique dedupe key, and
the outbox sender delivers them under Telegram's rate limits, records each outcome, and survives restarts. So
a double tap on "kirim" cannot announce twice, and the admin can later count delivered / failed from the rows.
The draft waiting for the admin's "kirim" lives in ``form_session`` (form "umumkan"), like every conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, forms
from models.actor import Actor
from models.scope import covers_area, users_of, within_area
from models.tables import Announcement, FormSession, FormStatus, Outbox, OutboxStatus, Role, User

KIND = "announcement"
DRAFT_FORM = "umumkan"
DRAFT_TTL = timedelta(hours=24)
MAX_TEXT = 3500  # leaves room for the heading inside Telegram's 4,096 characters


class AnnouncementError(Exception):
    """``code``: not_allowed, out_of_scope, empty, too_long, no_draft, no_recipients, not_found."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Draft:
    area_code: str
    text: str


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    total: int
    sent: int
    failed: int

    @property
    def waiting(self) -> int:
        return self.total - self.sent - self.failed


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise AnnouncementError("not_allowed")


async def recipients(session: AsyncSession, actor: Actor, area_code: str) -> list[tuple[int, int]]:
    """(user id, Telegram chat id) of the active, linked pendamping whose area lies in ``area_code``."""
    rows = await session.execute(
        select(User.id, User.telegram_id)
        .where(
            User.role == Role.PENDAMPING,
            User.active.is_(True),
            User.telegram_id.is_not(None),
            users_of(actor),
            within_area(User.area_code, area_code),
        )
        .order_by(User.id)
    )
    return [(int(uid), int(chat)) for uid, chat in rows.all() if chat is not None]


def _draft_id(user_id: int) -> str:
    return f"umumkan:{user_id}"


async def save_draft(session: AsyncSession, actor: Actor, area_code: str, text: str, now: datetime) -> Draft:
    _require_admin(actor)
    if not covers_area(actor, area_code):
        raise AnnouncementError("out_of_scope")
    text = text.strip()
    if not text:
        raise AnnouncementError("empty")
    if len(text) > MAX_TEXT:
        raise AnnouncementError("too_long")
    answers: dict[str, Any] = {"area": area_code, "text": text}
    await forms.put_pending(
        session,
        row_id=_draft_id(actor.id),
        user_id=actor.id,
        form=DRAFT_FORM,
        step="konfirmasi",
        answers=answers,
        now=now,
    )
    return Draft(area_code, text)


async def peek_draft(session: AsyncSession, actor: Actor, now: datetime) -> Draft:
    _require_admin(actor)
    row = await session.get(FormSession, _draft_id(actor.id))
    if row is None or row.status != FormStatus.DRAFT.value or row.updated_at < now - DRAFT_TTL:
        raise AnnouncementError("no_draft")
    return Draft(str(row.answers["area"]), str(row.answers["text"]))


async def take_draft(session: AsyncSession, actor: Actor, now: datetime) -> Draft:
    """Claim the waiting draft exactly once (a second tap on "kirim" finds none)."""
    _require_admin(actor)
    row = await session.get(FormSession, _draft_id(actor.id), with_for_update=True)
    if row is None or row.status != FormStatus.DRAFT.value or row.updated_at < now - DRAFT_TTL:
        raise AnnouncementError("no_draft")
    row.status, row.version, row.updated_at = FormStatus.SUBMITTED.value, row.version + 1, now
    return Draft(str(row.answers["area"]), str(row.answers["text"]))


async def discard_draft(session: AsyncSession, actor: Actor, now: datetime) -> None:
    row = await session.get(FormSession, _draft_id(actor.id))
    if row is not None and row.status == FormStatus.DRAFT.value:
        row.status, row.version, row.updated_at = FormStatus.CANCELLED.value, row.version + 1, now


async def publish(
    session: AsyncSession, actor: Actor, draft: Draft, message_html: str, now: datetime
) -> tuple[Announcement, int]:
    """Record the announcement and queue one outbox row per recipient; returns it and the rows queued."""
    _require_admin(actor)
    people = await recipients(session, actor, draft.area_code)
    if not people:
        raise AnnouncementError("no_recipients")
    announcement = Announcement(
        area_code=draft.area_code,
        text=draft.text,
        created_by=actor.id,
        created_at=now,
        recipient_ids=[uid for uid, _ in people],
        dedupe_day=now.date().isoformat(),
    )
    session.add(announcement)
    await session.flush()
    queued = 0
    for user_id, chat_id in people:
        queued += await enqueue(
            session,
            kind=KIND,
            user_id=user_id,
            chat_id=chat_id,
            dedupe_key=announcement.dedupe_key(user_id),
            text=message_html,
            now=now,
        )
    await audit.record(
        session,
        actor_type="user",
        actor_id=str(actor.id),
        action="announcement.publish",
        entity="announcement",
        entity_id=str(announcement.id),
        after={"area": draft.area_code, "recipients": len(people)},
        at=now,
    )
    return announcement, queued


async def enqueue(
    session: AsyncSession, *, kind: str, user_id: int, chat_id: int, dedupe_key: str, text: str, now: datetime
) -> int:
    """One outbox message (HTML text), ignored if its dedupe key exists; returns 1 when queued, else 0."""
    values = {
        "dedupe_key": dedupe_key,
        "kind": kind,
        "user_id": user_id,
        "chat_id": chat_id,
        "payload": {"text": text, "parse_mode": "HTML"},
        "not_before": now,
        "status": OutboxStatus.QUEUED.value,
        "attempts": 0,
        "created_at": now,
    }
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(Outbox).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(Outbox).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = await session.execute(stmt)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delivery_counts(session: AsyncSession, actor: Actor, announcement_id: int) -> DeliveryCounts:
    """How the announcement's outbox rows stand: sent, failed, still waiting (queued, sending, cancelled)."""
    _require_admin(actor)
    announcement = await session.get(Announcement, announcement_id)
    if announcement is None or not covers_area(actor, announcement.area_code):
        raise AnnouncementError("not_found")
    keys = [announcement.dedupe_key(uid) for uid in announcement.recipient_ids]
    by_status: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        rows = await session.execute(
            select(Outbox.status, func.count())
            .where(Outbox.dedupe_key.in_(keys[start : start + 500]))
            .group_by(Outbox.status)
        )
        for status, count in rows.all():
            by_status[OutboxStatus(status).value] = by_status.get(OutboxStatus(status).value, 0) + int(count)
    return DeliveryCounts(
        total=len(keys),
        sent=by_status.get(OutboxStatus.SENT.value, 0),
        failed=by_status.get(OutboxStatus.FAILED.value, 0),
    )
