"""One screen, one message: a queue walked by buttons (/tinjau) edits the message that was pressed instead of
adding a new one per item, and every call waits out Telegram's flood limit instead of giving up half-way.

Telegram allows about one message per second into a chat (edits count). A koordinator pressing "Lewati" faster
than that gets ``RetryAfter`` back; a handler that let it escape would leave the chat with whatever had been
sent so far and no buttons (issue 18: "only the pin arrived, no card"). Here the call waits the time Telegram
names and is made again, so each screen arrives whole, a little later. One chat's updates are handled in order,
so the presses behind it wait their turn instead of overtaking it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram import Message, Update
from telegram.error import BadRequest, RetryAfter

from handlers.render import Reply

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_WAIT = 30.0  # seconds waited in all, per call, before the error is let through (then: the usual apology)


def _seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def patiently(call: Callable[[], Awaitable[T]], max_wait: float = MAX_WAIT) -> T:
    """``call()``, made again after each ``RetryAfter`` for as long as Telegram asks, up to ``max_wait`` seconds."""
    waited = 0.0
    while True:
        try:
            return await call()
        except RetryAfter as error:
            pause = _seconds(error)
            if waited + pause > max_wait:
                raise
            log.info("flood limit: waiting %.1f s before showing the screen", pause)
            await asyncio.sleep(pause)
            waited += pause


async def show(update: Update, payload: Reply, *, edit: bool = True) -> int | None:
    """Put ``payload`` on the message whose button was pressed (``edit``), or send it as a new message; returns
    the message id. A message that cannot take the edit (a photo, one too old) gets a new message instead."""
    query = update.callback_query
    if edit and query is not None and isinstance(query.message, Message) and query.message.text is not None:
        message = query.message
        try:
            await patiently(lambda: message.edit_text(**payload))
            return message.message_id
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return message.message_id
            log.info("could not edit the screen, sending it anew: %s", error)
    chat = update.effective_chat
    if chat is None:
        return None
    sent = await patiently(lambda: chat.send_message(**payload))
    return sent.message_id
