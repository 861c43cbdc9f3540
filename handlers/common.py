"""Help, language, and the answers of last resort: an unknown command or free text is never met with silence."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import render
from handlers.access import answer_guest, current_actor, guest_language, publish_commands, refused_recently
from handlers.callbacks import LanguageButton
from handlers.commands import commands_for
from handlers.context import AppContext
from handlers.i18n import LANGUAGES
from handlers.types import HandlerList
from models import users

log = logging.getLogger(__name__)


async def bantuan(update: Update, context: AppContext) -> None:
    actor = await current_actor(update, context)
    active = actor if actor is not None and actor.active else None
    lang = actor.language if actor else guest_language(update, context)
    payload = render.help_text(active, commands_for(active.role if active else None), lang)
    await answer_guest(update, context, payload, known=actor is not None)


async def bahasa(update: Update, context: AppContext) -> None:
    actor = await current_actor(update, context)
    payload = render.choose_language(actor.language if actor else guest_language(update, context))
    await answer_guest(update, context, payload, known=actor is not None)


async def language_chosen(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    pressed = LanguageButton.unpack(query.data)
    lang = pressed.lang if pressed else ""
    if lang not in LANGUAGES:
        await query.answer()
        return
    actor = await current_actor(update, context)
    if actor is not None:
        async with context.db() as session:
            await users.set_language(session, actor, lang)
        actor = await current_actor(update, context)
        await publish_commands(context, update.effective_chat.id, actor)
    await query.answer()
    await query.edit_message_text(**render.language_set(lang))


async def unknown_command(update: Update, context: AppContext) -> None:
    actor = await current_actor(update, context)
    payload = render.unknown_command(actor.language if actor else guest_language(update, context))
    await answer_guest(update, context, payload, known=actor is not None)


async def free_text(update: Update, context: AppContext) -> None:
    actor = await current_actor(update, context)
    active = actor if actor is not None and actor.active else None
    lang = actor.language if actor else guest_language(update, context)
    payload = render.free_text_hint(active, lang)
    await answer_guest(update, context, payload, known=actor is not None)


async def stale_button(update: Update, context: AppContext) -> None:
    """A button nobody handles any more (an old message, or forged data): say so instead of spinning."""
    query = update.callback_query
    assert query is not None
    actor = await current_actor(update, context)
    from handlers.i18n import translator

    if actor is None and await refused_recently(update, context):
        await query.answer()
        return
    _ = translator(actor.language if actor else guest_language(update, context))
    await query.answer(_("Tombol ini sudah tidak berlaku."), show_alert=False)


_RAISED: ContextVar[list[BaseException] | None] = ContextVar("jsika_handler_errors", default=None)


@contextlib.contextmanager
def errors_to_caller() -> Iterator[list[BaseException]]:
    """While the block runs, ``on_error`` collects what handlers raise instead of apologising.

    PTB's error handler swallows the exception, so whoever fed the update (the inbox worker) would take a failed
    update for a handled one. Inside this block the caller gets the errors back and decides: retry a passing
    database error, or mark the update failed and apologise once (``apologise``).
    """
    errors: list[BaseException] = []
    token = _RAISED.set(errors)
    try:
        yield errors
    finally:
        _RAISED.reset(token)


async def on_error(update: object, context: AppContext) -> None:
    """Log the failure with the update id; tell the person politely, never with a traceback."""
    raised = _RAISED.get()
    if raised is not None and context.error is not None:
        raised.append(context.error)  # the inbox worker retries or apologises (``errors_to_caller``)
        return
    log.error("handler failed for update %s", getattr(update, "update_id", "?"), exc_info=context.error)
    if isinstance(update, Update):
        await apologise(update, context)


async def apologise(update: Update, context: AppContext, *, timed_out: bool = False, ask_database: bool = True) -> None:
    """Say sorry in the person's language: their stored one if the database can tell (``ask_database``), else
    Telegram's. Never raises: the apology is the last resort, and its own failure is only logged."""
    if update.effective_chat is None:
        return
    actor = None
    if ask_database:
        try:
            actor = await current_actor(update, context)
        except Exception:  # the database may be what failed
            log.debug("could not resolve actor while reporting an error", exc_info=True)
    lang = actor.language if actor else guest_language(update, context)
    try:
        if update.callback_query is not None:
            with contextlib.suppress(Exception):  # stop the button spinning; it may have been answered already
                await update.callback_query.answer()
        text = render.too_slow(lang) if timed_out else render.sorry(lang)
        await update.effective_chat.send_message(**text)
    except Exception:
        log.warning("could not tell the user about the error", exc_info=True)


async def ignore(update: Update, context: AppContext) -> None:
    """Silence, and no other handler runs: see ``IGNORED``."""
    raise ApplicationHandlerStop


# Registered in the first group: an edited message is not a new message (editing "/lapor" must not run it again,
# editing a typed answer must not answer twice), and a channel post has no person to answer — Telegram bots
# stay silent on both. PTB would otherwise hand them to every MessageHandler and CommandHandler.
IGNORED_GROUP = -3  # ahead of the review note (-2) and the report input (-1)
IGNORED: HandlerList = [MessageHandler(filters.UpdateType.EDITED | filters.UpdateType.CHANNEL_POSTS, ignore)]

HANDLERS: HandlerList = [
    CommandHandler("bantuan", bantuan),
    CommandHandler("help", bantuan),
    CommandHandler("bahasa", bahasa),
    CommandHandler("language", bahasa),
    CallbackQueryHandler(language_chosen, pattern=LanguageButton.pattern()),
]

# Registered last, in the same group as the features (see handlers/__init__.py).
FALLBACKS: HandlerList = [
    MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command),
    MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, free_text),
    CallbackQueryHandler(stale_button),
]
