"""A roster entry moving to another Telegram account: tell the old account and the area's admins; for
koordinator and admin entries, wait for an admin's confirmation (``rl:ok:<user id>:<telegram id>``).

A recycled phone number must not quietly hand someone else a supervisor's access, and the person who lost the
link must learn of it. Messages to other chats are best effort: a blocked bot or a closed chat does not stop
the registration.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler

from handlers import render
from handlers.callbacks import RelinkButton
from handlers.commands import commands_for
from handlers.context import AppContext
from handlers.render import relink as texts
from handlers.supervisor.common import button, send
from handlers.types import HandlerList
from models import users
from models.actor import Actor
from models.tables import Role

log = logging.getLogger(__name__)


async def _tell(context: AppContext, chat_id: int, payload: render.Reply) -> None:
    try:
        await context.bot.send_message(chat_id, **payload)
    except TelegramError as error:  # the old account may have blocked the bot; the move stands
        log.info("re-link notice not delivered: %s", type(error).__name__)


async def _admins(context: AppContext, area_code: str) -> list[Actor]:
    async with context.db() as session:
        return await users.area_admins(session, area_code)


async def after_contact(context: AppContext, result: users.AccessResult, area: str, new_telegram_id: int) -> None:
    """Notices for a re-link done (RELINKED) or asked for (RELINK_PENDING); nothing for a first link."""
    person, previous = result.actor, result.previous_telegram_id
    if person is None or previous is None:
        return
    old = Actor(person.id, person.name, person.role, person.area_code, person.language, previous)
    pending = result.outcome is users.Outcome.RELINK_PENDING
    await _tell(context, previous, texts.old_account_asked(old) if pending else texts.old_account_moved(old))
    for admin in await _admins(context, person.area_code):
        if admin.telegram_id is None or admin.telegram_id in (new_telegram_id, previous):
            continue
        notice = (
            texts.admin_request(admin, person, area, new_telegram_id)
            if pending
            else texts.admin_moved(admin, person, area, new_telegram_id)
        )
        await _tell(context, admin.telegram_id, notice)


@button(Role.ADMIN)
async def confirm(update: Update, context: AppContext, actor: Actor) -> None:
    """An admin approves a pending move (the callback may be forged: ``users.confirm_relink`` checks it all)."""
    pressed = RelinkButton.unpack(update.callback_query.data if update.callback_query else None)
    telegram_id = pressed.account if pressed else None
    result = None
    if pressed is not None and telegram_id is not None:
        async with context.db() as session:
            result = await users.confirm_relink(
                session, admin=actor, user_id=pressed.user_id, telegram_id=telegram_id, now=context.now()
            )
            area = await users.area_name(session, result.actor.area_code) if result and result.actor else ""
    if result is None or result.actor is None or telegram_id is None:
        await send(update, texts.nothing_to_confirm(actor.language))
        return
    person = result.actor
    await send(update, texts.confirmed(actor, person))
    await _tell(context, telegram_id, render.welcome(person, area, commands_for(person.role)))
    if result.previous_telegram_id is not None:
        old = Actor(person.id, person.name, person.role, person.area_code, person.language, result.previous_telegram_id)
        await _tell(context, result.previous_telegram_id, texts.old_account_moved(old))


HANDLERS: HandlerList = [CallbackQueryHandler(confirm, pattern=RelinkButton.pattern())]
