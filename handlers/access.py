"""Who is talking: resolve the Telegram sender to an ``Actor`` and keep out whoever may not use a command.

``require`` is the one gate every feature handler goes through; it answers the refused person itself, so a
handler only sees actors that are registered, active and in one of the allowed roles.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update

from handlers import render
from handlers.commands import commands_for
from handlers.context import AppContext
from handlers.i18n import normalize_language
from models import strangers, users
from models.actor import Actor
from models.tables import Role

Handler = Callable[[Update, AppContext], Coroutine[Any, Any, None]]
ActorHandler = Callable[[Update, AppContext, Actor], Coroutine[Any, Any, None]]


def guest_language(update: Update, context: AppContext) -> str:
    user = update.effective_user
    return normalize_language(user.language_code if user else None) if user else context.services.default_language


async def current_actor(update: Update, context: AppContext) -> Actor | None:
    if update.effective_user is None:
        return None
    async with context.db() as session:
        return await users.actor_for_telegram(session, update.effective_user.id)


async def answer(update: Update, payload: render.Reply) -> None:
    """Reply in the chat the update came from, whether it was a message or a button press."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    if update.effective_chat is not None:
        await update.effective_chat.send_message(**payload)


async def refused_recently(update: Update, context: AppContext) -> bool:
    """Someone not on the roster who was told whom to contact within the last day (``models/strangers.py``)."""
    if update.effective_user is None:
        return False
    async with context.db() as session:
        return await strangers.refusal_told_recently(session, update.effective_user.id, context.now())


async def answer_guest(update: Update, context: AppContext, payload: render.Reply, *, known: bool = False) -> None:
    """Answer someone the roster does not know — unless they were refused within the last day: then silence (a
    pressed button only stops spinning), so nobody is sent round "Ketik /start" → share → refused again.
    ``known``: the sender is on the roster after all (answered as usual, no look-up)."""
    if not known and await refused_recently(update, context):
        if update.callback_query is not None:
            await update.callback_query.answer()
        return
    await answer(update, payload)


def require(*roles: Role) -> Callable[[ActorHandler], Handler]:
    allowed = frozenset(roles) or frozenset(Role)

    def decorate(handler: ActorHandler) -> Handler:
        @wraps(handler)
        async def gate(update: Update, context: AppContext) -> None:
            actor = await current_actor(update, context)
            if actor is None:
                await answer_guest(update, context, render.must_register(guest_language(update, context)))
                return
            if not actor.active:
                await answer(update, render.deactivated(actor.language))
                return
            if actor.role not in allowed:
                await answer(update, render.not_allowed(actor.language))
                return
            await handler(update, context, actor)

        return gate

    return decorate


async def publish_commands(context: AppContext, chat_id: int, actor: Actor | None) -> None:
    """Show this person the command menu of their role (Telegram's per-chat command scope)."""
    from handlers.i18n import translator

    lang = actor.language if actor else context.services.default_language
    _ = translator(lang)
    commands = commands_for(actor.role if actor and actor.active else None)
    await context.bot.set_my_commands(
        [BotCommand(command.name, _(command.help)[:256]) for command in commands],
        scope=BotCommandScopeChat(chat_id),
    )
