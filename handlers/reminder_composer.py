"""Turning an outbox row into the message that is sent: kind + parameters in, ``send_message`` arguments out.

Choice (documented in docs/reminders.md): the planner stores only a kind and parameters; the text is composed
here, right before sending, from a scoped read (``models/queries/reminder_content.py``) and the texts in
``handlers/render/reminder_texts.py``. The scheduler decides *when* a row is sent, the chat layer *what it says*:
``compose`` is handed to the sender (``scheduler.outbox.Composer``) by the process's wiring in ``bot/``. So a
digest shows the numbers of the moment it arrives, a snoozed copy shows tomorrow's, and a reminder whose reason
disappeared in the meantime (the household was reported, the birth date passed) is not sent at all (``None``).

Rows written by other features with a ready ``text`` (announcements) are sent as they are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.render import period_reminders as period_texts
from handlers.render import reminder_texts as texts
from models.actor import Actor
from models.calendar import WorkCalendar
from models.outbox import Message
from models.period import Period
from models.period_close import PROVINCE, may_sign
from models.queries import period_reminders
from models.queries import reminder_content as content
from models.reminder_settings import Kind
from models.tables import Role, User


async def compose(
    session: AsyncSession, message: Message, now: datetime, calendar: WorkCalendar
) -> dict[str, Any] | None:
    """The ``send_message`` keyword arguments for ``message``, or ``None`` when there is nothing to say any more."""
    payload = message.payload
    if "text" in payload:
        return {k: v for k, v in payload.items() if not k.startswith("_")}
    user = await session.get(User, message.user_id) if message.user_id is not None else None
    if user is None or not user.active:
        return None
    actor = Actor.of(user)
    try:
        kind = Kind(message.kind)
    except ValueError:
        return None
    return await _COMPOSERS[kind](session, actor, message, _Moment(now, calendar))


@dataclass(frozen=True, slots=True)
class _Moment:
    now: datetime
    calendar: WorkCalendar

    @property
    def today(self) -> date:
        return self.calendar.today(self.now)

    @property
    def period(self) -> Period:
        return Period.of(self.today)


def _snoozable(message: Message) -> bool:
    return message.payload.get("snoozed_from") is None


async def _digest(session: AsyncSession, actor: Actor, message: Message, at: _Moment) -> dict[str, Any] | None:
    data = await content.digest(session, actor, at.period)
    if data.empty:
        return None
    return texts.digest(data, actor.name, actor.language, message.id, _snoozable(message))


async def _deadline(session: AsyncSession, actor: Actor, message: Message, at: _Moment) -> dict[str, Any] | None:
    p = message.payload
    day = date.fromisoformat(p["deadline"])
    if at.today > day:
        return None
    count = await content.unreported(session, actor, p["programme"], Period.parse(p["period"]))
    if not count:
        return None
    left = at.calendar.working_days_between(at.today, day)
    return texts.deadline(Period.parse(p["period"]), day, left, count, actor.language, message.id, _snoozable(message))


async def _birth(session: AsyncSession, actor: Actor, message: Message, at: _Moment) -> dict[str, Any] | None:
    item = await content.birth(session, actor, int(message.payload["member_id"]))
    if item is None or item.birth_date is None or item.birth_date < at.today:
        return None
    return texts.birth(item, at.today, actor.language, message.id, _snoozable(message))


async def _label(session: AsyncSession, programme: str | None, commitment: str, lang: str) -> str:
    """The commitment's label from the programme's rules (any programme that has it, when none is given)."""
    rules = await content.programme_rules(session)
    for _code, programme_rules in sorted(rules.items(), key=lambda item: item[0] != programme):
        try:
            rule = programme_rules.commitment(commitment)
        except KeyError:
            continue
        return rule.label_en if lang == "en" and rule.label_en else rule.label
    return commitment


async def _month(session: AsyncSession, actor: Actor, message: Message, at: _Moment) -> dict[str, Any] | None:
    p = message.payload
    ages = content.birth_range((p.get("born_after"), p.get("born_on_or_before")))
    members = await content.month_event(session, actor, p["programme"], ages)
    if not members.total:
        return None
    label = await _label(session, p["programme"], p["commitment"], actor.language)
    return texts.month_event(label, Period.parse(p["period"]), members, actor.language, message.id, _snoozable(message))


async def _school(session: AsyncSession, actor: Actor, message: Message, at: _Moment) -> dict[str, Any] | None:
    p = message.payload
    changes = await content.school(
        session,
        actor,
        content.birth_range(p["starting"]),
        content.birth_range(p["sd_to_smp"]),
        content.birth_range(p["smp_to_sma"]),
    )
    if changes.empty:
        return None
    return texts.school(changes, int(p["year"]), actor.language, message.id, _snoozable(message))


async def _yearly(session: AsyncSession, actor: Actor, message: Message, at: _Moment) -> dict[str, Any] | None:
    p = message.payload
    members = await content.yearly_event(session, actor, p["commitment"], Period.parse(p["last_met"]))
    if not members.total:
        return None
    label = await _label(session, None, p["commitment"], actor.language)
    return texts.yearly(label, members, actor.language, message.id, _snoozable(message))


async def _escalation_visit(
    session: AsyncSession, actor: Actor, message: Message, at: _Moment
) -> dict[str, Any] | None:
    closed = Period.parse(message.payload["period"])
    data = await content.unvisited_for_two(session, actor, closed, at.calendar.escalation_registered_before(closed))
    if not data.total:
        return None
    return texts.escalation_visit(data, closed, actor.language, message.id, _snoozable(message))


async def _escalation_commitment(
    session: AsyncSession, actor: Actor, message: Message, at: _Moment
) -> dict[str, Any] | None:
    closed = Period.parse(message.payload["period"])
    min_level = 1 if actor.role is Role.PENDAMPING else 2
    data = await content.missed_commitments(session, actor, closed, min_level=min_level, lang=actor.language)
    if not data.total:
        return None
    return texts.missed(data, closed, actor.role, actor.language, message.id, _snoozable(message))


async def _weekly(session: AsyncSession, actor: Actor, message: Message, at: _Moment) -> dict[str, Any] | None:
    data = await content.weekly(session, actor, at.period, at.now)
    if not data.households:
        return None
    return texts.weekly(data, actor.language, message.id, _snoozable(message))


async def _unreachable(session: AsyncSession, actor: Actor, message: Message, at: _Moment) -> dict[str, Any] | None:
    person = await content.unreachable_person(session, actor, int(message.payload["user_id"]))
    return texts.unreachable(person, actor.language) if person is not None else None


async def _period_signoff(session: AsyncSession, actor: Actor, message: Message, at: _Moment) -> dict[str, Any] | None:
    """Sent only while a kabupaten/kota the koordinator covers still has not signed (a signature cancels it)."""
    closed = Period.parse(message.payload["period"])
    areas = await period_reminders.unsigned_kabupaten(
        session, closed, at.calendar.period_begins(closed), actor.area_code
    )
    if not areas:
        return None
    signs = any(may_sign(actor, area.code) for area in areas)
    return period_texts.signoff(closed, areas, signs, actor.area_code, actor.language, message.id, _snoozable(message))


async def _period_unsigned(session: AsyncSession, actor: Actor, message: Message, at: _Moment) -> dict[str, Any] | None:
    closed = Period.parse(message.payload["period"])
    areas = await period_reminders.unsigned_kabupaten(session, closed, at.calendar.period_begins(closed), PROVINCE)
    if not areas:
        return None
    asked = message.payload.get("asked")
    day = date.fromisoformat(asked) if isinstance(asked, str) else None
    return period_texts.unsigned(closed, areas, day, actor.language, message.id, _snoozable(message))


_COMPOSERS: dict[Kind, Callable[[AsyncSession, Actor, Message, _Moment], Awaitable[dict[str, Any] | None]]] = {
    Kind.DIGEST: _digest,
    Kind.DEADLINE: _deadline,
    Kind.EVENT_BIRTH: _birth,
    Kind.EVENT_MONTH: _month,
    Kind.EVENT_SCHOOL: _school,
    Kind.EVENT_YEARLY: _yearly,
    Kind.ESCALATION_VISIT: _escalation_visit,
    Kind.ESCALATION_COMMITMENT: _escalation_commitment,
    Kind.WEEKLY: _weekly,
    Kind.UNREACHABLE: _unreachable,
    Kind.PERIOD_SIGNOFF: _period_signoff,
    Kind.PERIOD_UNSIGNED: _period_unsigned,
}
