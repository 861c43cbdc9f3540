"""Builds the python-telegram-bot ``Application``: the same object talks to Telegram or to the sandbox.

Only the base URLs differ (PTB's own ``base_url`` / ``base_file_url``); handlers, database and scheduler are
identical in both, which is what makes the sandbox tests worth something.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, ContextTypes

import handlers
from bot.config import Settings
from bot.guard import GuardedBot
from bot.logging import register_secret
from bot.ordering import PerChatOrderedProcessor
from bot.transport import bot_api_request
from handlers.context import AppContext, AppType, Services
from models.db import Database

TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
TELEGRAM_FILE_URL = "https://api.telegram.org/file/bot"


def build_application(
    settings: Settings,
    db: Database,
    *,
    token: str | None = None,
    base_url: str | None = None,
    base_file_url: str | None = None,
    clock: Callable[[], datetime] | None = None,
    update_processor: BaseUpdateProcessor | None = None,
) -> AppType:
    bot_token = token or (settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else None)
    if not bot_token:
        raise ValueError("a bot token is required (the sandbox accepts any '<digits>:<text>')")
    register_secret(bot_token)  # whichever way the token came, it never reaches a log line
    # JSIKA_TELEGRAM_BASE_URL points a production-mode process at the sandbox too (tests, benchmarks, training).
    base_url = base_url or settings.telegram_base_url
    base_file_url = base_file_url or _file_url_for(base_url)
    # Every call is fitted to Telegram's limits before it leaves (bot/guard.py).
    guarded = GuardedBot(
        bot_token,
        base_url=base_url or TELEGRAM_BASE_URL,
        base_file_url=base_file_url or TELEGRAM_FILE_URL,
        request=bot_api_request(),
        get_updates_request=bot_api_request(pool_size=1),
    )
    builder = (
        ApplicationBuilder()
        .bot(guarded)
        .context_types(ContextTypes(context=AppContext))
        # Updates of different chats run in parallel; one chat's updates stay in order (see bot/ordering.py).
        .concurrent_updates(update_processor or PerChatOrderedProcessor())
    )
    application: AppType = builder.build()  # type: ignore[assignment]  # AppType names ExtBot, GuardedBot is one
    services = Services(
        db=db,
        calendar=settings.work_calendar(),
        default_language=settings.language,
        digest_hour=settings.digest_hour,
        admin_contact=settings.admin_contact.strip(),
    )
    if clock is not None:
        services.clock = clock
    application.bot_data["services"] = services
    application.post_init = _remember_username
    handlers.register(application)
    return application


async def _remember_username(application: Application) -> None:
    application.bot_data["services"].bot_username = application.bot.username


def _file_url_for(base_url: str | None) -> str | None:
    """``https://api.telegram.org/bot`` → ``https://api.telegram.org/file/bot`` (the sandbox follows suit)."""
    if base_url and base_url.endswith("/bot"):
        return base_url[: -len("bot")] + "file/bot"
    return None
