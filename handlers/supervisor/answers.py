"""A text message that answers a question the bot asked a supervisor: /tinjau's note for a returned report,
/penyaluran's reason for an override or an adjustment — and the next such question.

The question is a ``form_session`` row (written when it is asked), so the answer is recognised after a restart or
by another bot process. Every text message passes the handler, so the part that runs for all of them is one
indexed look-up by Telegram id (``lookup``); only a person with a pending question goes further. The rules that
hold for every question live here once:

- no pending question (or none for this account any more): the update goes on untouched to the next group;
- the person is no longer an active koordinator or admin: likewise, the stale question is not theirs to answer;
- otherwise the message is the answer: ``take`` handles it — accepts it, asks again, or words an error — and the
  update stops here (``ApplicationHandlerStop``), so no other text handler answers the same message.

A new question is then one function ``take(update, context, actor, pending, text)`` decorated with
``@answers(lookup)``, and ``question_handler(take)`` for its handler group.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from handlers.access import Handler, current_actor
from handlers.context import AppContext
from models.actor import Actor

P = TypeVar("P")  # what a pending question remembers (``PendingNote``, ``PendingReason``)

ANSWER = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
"""New private text messages only: edits are silenced in their own group, a command is never an answer."""


def answers(
    lookup: Callable[[AsyncSession, int, datetime], Awaitable[P | None]],
) -> Callable[[Callable[[Update, AppContext, Actor, P, str], Coroutine[Any, Any, None]]], Handler]:
    """Turn ``take`` into a message handler that runs only when ``lookup`` finds a pending question.

    ``lookup(session, telegram_id, now)``: the question waiting for this account's answer, or ``None``;
    ``take(update, context, actor, pending, text)``: the answer, from an active koordinator or admin."""

    def decorate(take: Callable[[Update, AppContext, Actor, P, str], Coroutine[Any, Any, None]]) -> Handler:
        @wraps(take)
        async def handler(update: Update, context: AppContext) -> None:
            message, user = update.effective_message, update.effective_user
            if message is None or user is None or not message.text:
                return
            async with context.db() as session:
                pending = await lookup(session, user.id, context.now())
            if pending is None:
                return
            actor = await current_actor(update, context)
            if actor is None or not actor.active or not actor.is_supervisor:
                return
            await take(update, context, actor, pending, message.text)
            raise ApplicationHandlerStop

        return handler

    return decorate


def question_handler(handler: Handler) -> MessageHandler[Any, None]:
    """The ``MessageHandler`` an ``@answers`` handler is registered with (in a group of its own)."""
    return MessageHandler(ANSWER, handler)
