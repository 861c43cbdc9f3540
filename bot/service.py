"""Running the bot: migrations first, then the PTB application in polling or webhook mode, until a signal.

``jsika run`` with a token talks to Telegram; without one it runs the demo: the local sandbox, a seeded demo
province and the web chat page, so anyone can try the real bot with nothing but this repository.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from datetime import datetime

from bot.app import build_application
from bot.config import Settings
from handlers.context import AppType
from models import migrate
from models.db import Database

log = logging.getLogger(__name__)

DEMO_TOKEN = "777000:JSIKA-DEMO"


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop


@contextlib.asynccontextmanager
async def running(application: AppType, *, poll_interval: float = 0.0, timeout: int = 10) -> AsyncIterator[AppType]:
    """Start ``application`` polling for updates; stop it cleanly when the block ends."""
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=poll_interval, timeout=timeout, drop_pending_updates=False)
        try:
            yield application
        finally:
            if application.updater.running:
                await application.updater.stop()
            await application.stop()


async def serve(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await migrate.upgrade(db)
        if settings.telegram_bot_token is None:
            await _serve_demo(settings, db)
        else:
            await _serve_telegram(settings, db)
    finally:
        await db.dispose()


async def _serve_telegram(settings: Settings, db: Database) -> None:
    application = build_application(settings, db)
    stop = _stop_event()
    async with running(application):
        log.info("bot @%s polling Telegram", application.bot.username)
        await stop.wait()


async def _serve_demo(settings: Settings, db: Database) -> None:
    from bot.demo import demo_services

    stop = _stop_event()
    async with demo_services(settings, db) as demo:
        application = build_application(
            settings, db, token=DEMO_TOKEN, base_url=demo.sandbox.bot_api_base_url,
            base_file_url=demo.sandbox.file_base_url,
        )
        async with running(application):
            log.info("demo ready at %s", demo.sandbox.url)
            print(f"\n  JSiKa Bot demo: buka {demo.sandbox.url} di peramban / open it in a browser\n", flush=True)
            await stop.wait()


def local_today(settings: Settings) -> datetime:
    return datetime.now(settings.tz)
