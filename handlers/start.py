"""Registration: /start, the shared contact, and invite codes (``/start CODE`` or a t.me deep link)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from handlers import relink, render
from handlers.access import answer, answer_guest, current_actor, guest_language, publish_commands, refused_recently
from handlers.commands import commands_for
from handlers.context import AppContext
from handlers.render import relink as relink_texts
from handlers.types import HandlerList
from models import strangers, users
from models.users import Outcome


async def start(update: Update, context: AppContext) -> None:
    """Greet a known person; ask a stranger for their contact; redeem a code given as the start payload."""
    user = update.effective_user
    assert user is not None and update.effective_chat is not None
    if context.args:
        await _redeem(update, context, context.args[0])
        return
    actor = await current_actor(update, context)
    if actor is None:
        await answer_guest(update, context, render.ask_contact(guest_language(update, context), user.first_name))
        return
    if not actor.active:
        await answer(update, render.deactivated(actor.language))
        return
    async with context.db() as session:
        area = await users.area_name(session, actor.area_code)
    await answer(update, render.welcome(actor, area, commands_for(actor.role), again=True))
    await publish_commands(context, update.effective_chat.id, actor)


async def contact(update: Update, context: AppContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.contact is not None and user is not None
    lang = guest_language(update, context)
    async with context.db() as session:
        result = await users.link_by_contact(
            session,
            telegram_id=user.id,
            contact_user_id=message.contact.user_id,
            phone=message.contact.phone_number,
            now=context.now(),
        )
        area = await users.area_name(session, result.actor.area_code) if result.actor else ""
    await _after_access(update, context, result, area, lang)
    await relink.after_contact(context, result, area, user.id)


async def _redeem(update: Update, context: AppContext, code: str) -> None:
    user = update.effective_user
    assert user is not None
    lang = guest_language(update, context)
    async with context.db() as session:
        result = await users.redeem_invite(
            session,
            telegram_id=user.id,
            code=code,
            display_name=user.full_name,
            language=lang,
            now=context.now(),
        )
        area = await users.area_name(session, result.actor.area_code) if result.actor else ""
    await _after_access(update, context, result, area, lang)


async def _after_access(update: Update, context: AppContext, result: users.AccessResult, area: str, lang: str) -> None:
    assert update.effective_chat is not None
    outcome = result.outcome
    if outcome is Outcome.THROTTLED:
        await answer(update, render.throttled(lang))
    elif outcome is Outcome.FOREIGN_CONTACT:
        await answer(update, render.foreign_contact(lang))
    elif outcome is Outcome.NOT_ON_ROSTER:
        await _refuse_once(update, context, lang)
    elif outcome is Outcome.DEACTIVATED:
        await answer(update, render.deactivated(lang))
    elif outcome is Outcome.RELINK_PENDING:
        await answer(update, relink_texts.pending(lang))
    elif outcome in (Outcome.INVALID_CODE, Outcome.EXPIRED_CODE, Outcome.USED_CODE):
        await answer(update, render.invite_refused(lang, outcome.value))
    elif result.actor is not None:
        again = outcome is Outcome.ALREADY_LINKED
        await answer(update, render.welcome(result.actor, area, commands_for(result.actor.role), again=again))
        await publish_commands(context, update.effective_chat.id, result.actor)


async def _refuse_once(update: Update, context: AppContext, lang: str) -> None:
    """Tell whom to contact — once a day: marked only after it was sent (``models/strangers.py``)."""
    user = update.effective_user
    assert user is not None
    if await refused_recently(update, context):
        return
    await answer(update, render.not_on_roster(lang, context.services.admin_contact))
    async with context.db() as session:
        await strangers.record_refusal_told(session, user.id, context.now())


HANDLERS: HandlerList = [
    CommandHandler("start", start),
    MessageHandler(filters.CONTACT & filters.ChatType.PRIVATE, contact),
]
