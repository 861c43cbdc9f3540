"""Reminders as domain facts: their kinds, a person's reminder settings, snoozing, and who cannot be reached.

The planner (``scheduler/planner.py``) decides *which* reminders exist with set-based SQL
(``models/queries/reminder_planning.py``); this module holds the small per-person writes the chat makes — the settings a
pendamping picks in /pengaturan, "tunda 1 hari" on a reminder, and the unreachable flag the sender sets when
Telegram says the bot was blocked. Every change that affects what a person receives writes an audit row.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.actor import Actor
from models.tables import Outbox, OutboxStatus, ReminderSetting, Role, User

DIGEST_HOURS = (6, 7, 8, 9, 10)
"""Hours a pendamping may choose for the morning digest (local time, outside quiet hours)."""


class Kind(enum.StrEnum):
    """What a reminder is about; the first part of its dedupe key ``kind:user:subject:date``."""

    DIGEST = "digest"  # morning digest of a pendamping
    DEADLINE = "deadline"  # N working days before a period closes
    EVENT_BIRTH = "event_birth"  # expected delivery date within 14 days
    EVENT_SCHOOL = "event_school"  # school age / school level change at the school year's start
    EVENT_MONTH = "event_month"  # month-bound commitments (vitamin A in February and August)
    EVENT_YEARLY = "event_yearly"  # yearly check (elderly, severe disability) due next month
    ESCALATION_VISIT = "escalation_visit"  # households not visited for 2 periods → koordinator
    ESCALATION_COMMITMENT = "escalation_commitment"  # consecutive missed commitments, levels 1–3
    WEEKLY = "weekly"  # koordinator's Monday digest
    UNREACHABLE = "unreachable"  # note to a koordinator: the bot cannot reach one of their people
    PERIOD_SIGNOFF = "period_signoff"  # koordinator: the closed period's disbursement list is not signed yet
    PERIOD_UNSIGNED = "period_unsigned"  # admin: which kabupaten/kota have still not signed, days later

    @property
    def is_event(self) -> bool:
        return self.value.startswith("event_")


SNOOZE_PREFIX = "snooze"


@dataclass(frozen=True, slots=True)
class Settings:
    digest_hour: int | None  # None: the configured default
    mute_events: bool
    unreachable_since: datetime | None


async def settings_of(session: AsyncSession, user_id: int) -> Settings:
    row = await session.get(ReminderSetting, user_id)
    if row is None:
        return Settings(None, False, None)
    return Settings(row.digest_hour, row.mute_events, row.unreachable_since)


async def _row(session: AsyncSession, user_id: int, now: datetime) -> ReminderSetting:
    row = await session.get(ReminderSetting, user_id)
    if row is None:
        row = ReminderSetting(user_id=user_id, mute_events=False, updated_at=now)
        session.add(row)
    return row


async def set_digest_hour(session: AsyncSession, actor: Actor, hour: int, now: datetime) -> None:
    """The pendamping's own digest hour; anything outside ``DIGEST_HOURS`` is refused (forged buttons)."""
    if hour not in DIGEST_HOURS:
        raise ValueError(f"jam ringkasan harus salah satu dari {DIGEST_HOURS}")
    row = await _row(session, actor.id, now)
    before = row.digest_hour
    row.digest_hour, row.updated_at = hour, now
    await audit.record(
        session,
        actor_type="user",
        actor_id=str(actor.id),
        action="reminder.digest_hour",
        entity="user",
        entity_id=str(actor.id),
        before={"digest_hour": before},
        after={"digest_hour": hour},
        at=now,
    )


async def set_mute_events(session: AsyncSession, actor: Actor, mute: bool, now: datetime) -> None:
    row = await _row(session, actor.id, now)
    before = row.mute_events
    row.mute_events, row.updated_at = mute, now
    await audit.record(
        session,
        actor_type="user",
        actor_id=str(actor.id),
        action="reminder.mute_events",
        entity="user",
        entity_id=str(actor.id),
        before={"mute_events": before},
        after={"mute_events": mute},
        at=now,
    )


async def mark_unreachable(session: AsyncSession, user_id: int, reason: str, now: datetime) -> bool:
    """Telegram refused (blocked bot): stop planning for this person. True when newly marked."""
    row = await _row(session, user_id, now)
    if row.unreachable_since is not None:
        return False
    row.unreachable_since, row.unreachable_reason, row.updated_at = now, reason[:200], now
    await audit.record(
        session,
        actor_type="system",
        actor_id="outbox",
        action="reminder.unreachable",
        entity="user",
        entity_id=str(user_id),
        after={"reason": reason[:200]},
        at=now,
    )
    return True


async def clear_unreachable(session: AsyncSession, user_id: int, now: datetime) -> bool:
    """The person is back (unblocked the bot, or wrote to it): reminders resume. True when it was set."""
    row = await session.get(ReminderSetting, user_id)
    if row is None or row.unreachable_since is None:
        return False
    row.unreachable_since, row.unreachable_reason, row.updated_at = None, None, now
    await audit.record(
        session,
        actor_type="system",
        actor_id="telegram",
        action="reminder.reachable",
        entity="user",
        entity_id=str(user_id),
        at=now,
    )
    return True


async def user_id_for_chat(session: AsyncSession, telegram_id: int) -> int | None:
    return await session.scalar(select(User.id).where(User.telegram_id == telegram_id))


class SnoozeOutcome(enum.StrEnum):
    SNOOZED = "snoozed"
    ALREADY = "already"  # snoozed before: "tunda" works once
    NOT_FOUND = "not_found"  # unknown id, someone else's reminder, or a snoozed copy itself


@dataclass(frozen=True, slots=True)
class SnoozeResult:
    outcome: SnoozeOutcome
    until: datetime | None = None


def snooze_key(user_id: int, outbox_id: int) -> str:
    return f"{SNOOZE_PREFIX}:{user_id}:o{outbox_id}:-"


async def snooze(session: AsyncSession, actor: Actor, outbox_id: int, until: datetime, now: datetime) -> SnoozeResult:
    """Queue the reminder ``outbox_id`` again at ``until`` — once. Only the person it was sent to may do it.

    The copy keeps the original kind and parameters (its text is composed afresh when it is sent, so tomorrow's
    numbers are tomorrow's) and is marked ``snoozed`` so it carries no second "tunda" button.
    """
    original = await session.get(Outbox, outbox_id)
    if original is None or original.user_id != actor.id or original.payload.get("snoozed_from") is not None:
        return SnoozeResult(SnoozeOutcome.NOT_FOUND)
    key = snooze_key(actor.id, outbox_id)
    existing = await session.scalar(select(Outbox.not_before).where(Outbox.dedupe_key == key))
    if existing is not None:
        return SnoozeResult(SnoozeOutcome.ALREADY, existing)
    payload: dict[str, Any] = {**original.payload, "snoozed_from": outbox_id}
    session.add(
        Outbox(
            dedupe_key=key,
            kind=original.kind,
            user_id=actor.id,
            chat_id=original.chat_id,
            payload=payload,
            not_before=until,
            status=OutboxStatus.QUEUED,
            attempts=0,
            created_at=now,
        )
    )
    await session.flush()
    await audit.record(
        session,
        actor_type="user",
        actor_id=str(actor.id),
        action="reminder.snooze",
        entity="outbox",
        entity_id=str(outbox_id),
        after={"until": until.isoformat()},
        at=now,
    )
    return SnoozeResult(SnoozeOutcome.SNOOZED, until)


@dataclass(frozen=True, slots=True)
class KindCount:
    kind: str
    queued: int
    sent: int
    failed: int
    cancelled: int


async def outbox_counts(session: AsyncSession, actor: Actor, since: datetime) -> list[KindCount]:
    """/pengingat: reminders by kind and status, created since ``since`` (plus anything still queued). Admins only."""
    if actor.role is not Role.ADMIN or not actor.active:
        raise PermissionError("hanya admin")
    rows = await session.execute(
        select(Outbox.kind, Outbox.status, func.count())
        .where((Outbox.created_at >= since) | Outbox.status.in_([OutboxStatus.QUEUED, OutboxStatus.SENDING]))
        .group_by(Outbox.kind, Outbox.status)
    )
    table: dict[str, dict[str, int]] = {}
    for kind, status, count in rows.all():
        table.setdefault(kind, {})[OutboxStatus(status).value] = int(count)
    return [
        KindCount(
            kind,
            queued=counts.get("queued", 0) + counts.get("sending", 0),
            sent=counts.get("sent", 0),
            failed=counts.get("failed", 0),
            cancelled=counts.get("cancelled", 0),
        )
        for kind, counts in sorted(table.items())
    ]


async def cancel_queued_for_chat(session: AsyncSession, chat_id: int, reason: str) -> int:
    """Nothing more can reach this chat: its queued messages end as cancelled (with the reason)."""
    result = await session.execute(
        update(Outbox)
        .where(Outbox.chat_id == chat_id, Outbox.status == OutboxStatus.QUEUED)
        .values(status=OutboxStatus.CANCELLED, last_error=reason[:500])
    )
    return int(getattr(result, "rowcount", 0) or 0)


def snooze_until(now: datetime) -> datetime:
    """ "Tunda 1 hari": the same time tomorrow (quiet hours are applied by the caller's calendar)."""
    return now + timedelta(days=1)
