"""The PTB side of the inbox: hand a stored update to the application, and hear back when it failed.

PTB runs the handlers and, when one raises, its error handler — which would swallow the exception, so the inbox
marked a failed update as done and nobody counted it. Here the error handler gives the exception back
(``handlers.common.errors_to_caller``) and ``ptb_handler`` raises it, so the worker (``bot/inbox_worker.py``)
can retry a passing database error or record the failure; ``ptb_apology`` then tells the person once.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.inbox_worker import FAILED_DATABASE, FAILED_TIMEOUT, FailureHook, Handler
from handlers.common import apologise, errors_to_caller
from models.inbox import InboxItem


def ptb_handler(application: Any) -> Handler:
    """Hand an inbox item to the PTB application exactly as PTB's own update fetcher would.

    Going through the application's update processor keeps its concurrency limit and per-chat lock, and lets
    the e2e harness see when an update is finished (``tests/e2e/harness.py``). An exception a handler raised is
    raised again here, after PTB is done with the update.
    """

    async def handle(item: InboxItem) -> None:
        update = Update.de_json(dict(item.payload), application.bot)
        with errors_to_caller() as errors:
            await application.update_processor.process_update(update, application.process_update(update))
        if errors:
            raise errors[0]

    return handle


def ptb_apology(application: Any) -> FailureHook:
    """Apologise for an update the worker gave up on. After a database failure the person's stored language is
    not looked up (the database is what failed); Telegram's language of the person is used instead."""

    async def tell(item: InboxItem, reason: str) -> None:
        update = Update.de_json(dict(item.payload), application.bot)
        context = application.context_types.context.from_update(update, application)
        await apologise(update, context, timed_out=reason == FAILED_TIMEOUT, ask_database=reason != FAILED_DATABASE)

    return tell
