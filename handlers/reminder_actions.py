"""Reminders in the chat: "tunda 1 hari" on a reminder, /pengaturan for a pendamping, /pengingat for admins.

The reminders themselves are sent by the scheduler (``scheduler/``); their other buttons are handled where the
work is — ``lapor:<household_id>`` by the visit report, ``jadwal`` by /jadwal. Blocking and unblocking the bot
arrive as ``my_chat_member`` updates: the person is marked unreachable at once (no reminders are planned for
them) and reachable again when they come back.
"""

from __future__ import annotations

import logging
from datetime import datetime, time

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler

from handlers.access import answer, require
from handlers.callbacks import SETTINGS_PATTERN, DigestHourButton, EventRemindersButton, SnoozeButton
from handlers.context import AppContext
from handlers.render import reminder_texts as texts
from handlers.types import HandlerList
from models import reminder_settings
from models.actor import Actor
from models.tables import Role

log = logging.getLogger(__name__)


@require()
async def snooze(update: Update, context: AppContext, actor: Actor) -> None:
    """``snooze:<outbox_id>``: the same reminder again tomorrow (outside quiet hours), once."""
    query = update.callback_query
    assert query is not None
    pressed = SnoozeButton.unpack(query.data)
    tz = str(context.services.tz)
    if pressed is None:
        await query.answer(texts.snooze_unknown(actor.language))
        return
    outbox_id = pressed.outbox_id
    now = context.now()
    until = context.services.calendar.next_send_time(reminder_settings.snooze_until(now))
    async with context.db() as session:
        result = await reminder_settings.snooze(session, actor, outbox_id, until, now)
    if result.outcome is reminder_settings.SnoozeOutcome.SNOOZED:
        assert result.until is not None
        await query.answer(texts.snoozed(result.until, actor.language, tz), show_alert=True)
        await _drop_snooze_button(update)
    elif result.outcome is reminder_settings.SnoozeOutcome.ALREADY:
        await query.answer(texts.snoozed_already(result.until, actor.language, tz), show_alert=True)
    else:
        await query.answer(texts.snooze_unknown(actor.language))


async def _drop_snooze_button(update: Update) -> None:
    query = update.callback_query
    message = query.message if query is not None else None
    markup = getattr(message, "reply_markup", None)
    if query is None or not isinstance(markup, InlineKeyboardMarkup):
        return
    rows = [[b for b in row if not SnoozeButton.matches(str(b.callback_data or ""))] for row in markup.inline_keyboard]
    try:
        await query.edit_message_reply_markup(InlineKeyboardMarkup([r for r in rows if r]))
    except BadRequest:  # the message is too old to edit, or already without the button
        log.debug("could not remove the snooze button", exc_info=True)


@require(Role.PENDAMPING)
async def pengaturan(update: Update, context: AppContext, actor: Actor) -> None:
    async with context.db() as session:
        current = await reminder_settings.settings_of(session, actor.id)
    await answer(update, texts.settings(current, context.services.digest_hour, actor.language))


@require(Role.PENDAMPING)
async def setting_chosen(update: Update, context: AppContext, actor: Actor) -> None:
    """``atur:jam:<hour>`` or ``atur:event:on|off``; anything else (forged) is refused politely."""
    query = update.callback_query
    assert query is not None
    now = context.now()
    async with context.db() as session:
        try:
            if (hour := DigestHourButton.unpack(query.data)) is not None:
                await reminder_settings.set_digest_hour(session, actor, hour.hour, now)
            elif (events := EventRemindersButton.unpack(query.data)) is not None:
                await reminder_settings.set_mute_events(session, actor, events.state == "off", now)
            else:
                raise ValueError(query.data)
        except ValueError:
            await query.answer(texts.snooze_unknown(actor.language))
            return
        current = await reminder_settings.settings_of(session, actor.id)
    await query.answer(texts.settings_saved(actor.language))
    try:
        await query.edit_message_text(**texts.settings(current, context.services.digest_hour, actor.language))
    except BadRequest:
        await answer(update, texts.settings(current, context.services.digest_hour, actor.language))


@require(Role.ADMIN)
async def pengingat(update: Update, context: AppContext, actor: Actor) -> None:
    """/pengingat: reminders by kind since the start of today (local), and anything still waiting."""
    local = context.local_now()
    since = datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)
    async with context.db() as session:
        rows = await reminder_settings.outbox_counts(session, actor, since)
    await answer(update, texts.counts(rows, since, actor.language, str(context.services.tz)))


async def chat_member(update: Update, context: AppContext) -> None:
    """The person blocked (``kicked``) or unblocked (``member``) the bot in their private chat."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    status = change.new_chat_member.status
    now = context.now()
    async with context.db() as session:
        user_id = await reminder_settings.user_id_for_chat(session, change.chat.id)
        if user_id is None:
            return
        if status == ChatMemberStatus.BANNED:
            await reminder_settings.mark_unreachable(session, user_id, "bot blocked by the user", now)
        elif status == ChatMemberStatus.MEMBER:
            await reminder_settings.clear_unreachable(session, user_id, now)


HANDLERS: HandlerList = [
    CallbackQueryHandler(snooze, pattern=SnoozeButton.pattern()),
    CommandHandler("pengaturan", pengaturan),
    CallbackQueryHandler(setting_chosen, pattern=SETTINGS_PATTERN),
    CommandHandler("pengingat", pengingat),
    ChatMemberHandler(chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
]
