"""Running the bot: migrations first, then updates through the durable inbox, until a signal.

``jsika run`` with a token talks to Telegram; without one it runs the demo: the local sandbox, a seeded demo
province and the web chat page, so anyone can try the real bot with nothing but this repository.

Production mode (decision 3 in docs/design.md): with ``JSIKA_WEBHOOK_URL`` the FastAPI app receives Telegram's webhook
calls and stores each update in the inbox; without it a poller does the same from ``getUpdates``. Either way
inbox workers hand the updates to the PTB application, chats in parallel, each chat in order. The same app
serves ``/healthz``, ``/readyz``, ``/metrics`` and the OPD API. SIGTERM: stop receiving, finish the updates in
hand, stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from bot import metrics
from bot.app import build_application
from bot.config import Settings
from bot.inbox import Inbox, InboxOptions, InboxWorker
from bot.logging import register_secret
from bot.polling import ALLOWED_UPDATES, Poller
from bot.ptb_inbox import ptb_apology, ptb_handler
from handlers.context import AppType, Services
from models import migrate
from models.db import Database
from models.leader import exclusive

if TYPE_CHECKING:
    from scheduler.jobs import Scheduler

log = logging.getLogger(__name__)

DEMO_TOKEN = "777000:JSIKA-DEMO"
Receive = Literal["polling", "webhook", "none"]


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop


def inbox_options(settings: Settings) -> InboxOptions:
    return InboxOptions(
        concurrency=settings.inbox_slots,
        lease_seconds=settings.inbox_lease_seconds,
        max_age_seconds=settings.inbox_max_age_seconds,
        max_attempts=settings.inbox_max_attempts,
        poll_seconds=settings.inbox_poll_seconds,
        retention_hours=settings.inbox_retention_hours,
        grace_seconds=settings.shutdown_grace_seconds,
        time_limit_seconds=settings.update_time_limit_seconds,
        retries=settings.update_retries,
    )


@dataclass
class Runtime:
    """A started application with its inbox, worker and (in polling mode) poller."""

    application: AppType
    inbox: Inbox
    worker: InboxWorker
    poller: Poller | None
    poll_task: asyncio.Task[None] | None


@contextlib.asynccontextmanager
async def runtime(
    application: AppType, *, receive: Receive = "polling", options: InboxOptions | None = None, poll_timeout: int = 10
) -> AsyncIterator[Runtime]:
    """Start ``application`` with an inbox worker (and a poller when ``receive="polling"``); stop gracefully."""
    db: Database = application.bot_data["services"].db
    inbox = Inbox(db)
    async with application:
        await application.start()
        worker = InboxWorker(inbox, ptb_handler(application), options, on_failure=ptb_apology(application))
        await worker.start()
        stop_polling = asyncio.Event()
        poller, poll_task = None, None
        if receive == "polling":
            poller = Poller(application.bot, inbox, timeout=poll_timeout)
            poll_task = asyncio.get_running_loop().create_task(poller.run(stop_polling), name="poller")
        try:
            yield Runtime(application, inbox, worker, poller, poll_task)
        finally:
            stop_polling.set()
            if poll_task is not None:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await poll_task
            await worker.stop()
            await application.stop()


@contextlib.asynccontextmanager
async def running(
    application: AppType,
    *,
    timeout: int = 10,  # noqa: ASYNC109 - long-poll seconds
    options: InboxOptions | None = None,
) -> AsyncIterator[AppType]:
    """Start ``application`` polling into the inbox; stop it cleanly when the block ends."""
    async with runtime(application, receive="polling", options=options, poll_timeout=timeout) as started:
        yield started.application


async def serve(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        if settings.telegram_bot_token is None:
            from bot.demo import refuse_unless_demo_database

            await refuse_unless_demo_database(db)
        if settings.migrate_on_start:
            async with exclusive(db, "migrate", wait=True):  # N processes starting together migrate once
                await migrate.upgrade(db)
        if settings.telegram_bot_token is None:
            await _serve_demo(settings, db)
        else:
            await _serve_telegram(settings, db)
    finally:
        await db.dispose()


def webhook_secret(settings: Settings) -> str:
    from bot.web.telegram import derived_secret

    if settings.webhook_secret is not None and settings.webhook_secret.get_secret_value():
        secret = settings.webhook_secret.get_secret_value()
    else:
        assert settings.telegram_bot_token is not None
        secret = derived_secret(settings.telegram_bot_token.get_secret_value())
    register_secret(secret)  # PTB logs setWebhook's arguments at DEBUG
    return secret


def webhook_path(settings: Settings) -> str:
    from bot.web.context import DEFAULT_WEBHOOK_PATH

    path = urlsplit(settings.webhook_url).path if settings.webhook_url else ""
    return path if path and path != "/" else DEFAULT_WEBHOOK_PATH


async def _serve_telegram(settings: Settings, db: Database) -> None:
    application = build_application(settings, db)
    mode: Receive = "webhook" if settings.webhook_url else "polling"
    if mode == "webhook" and not settings.serve_http:
        mode = "none"  # another process of this installation receives the webhook
    stop = _stop_event()
    async with runtime(application, receive=mode, options=inbox_options(settings)) as started:
        reminders = _start_reminders(application, db, settings)  # one process is elected to plan and send them
        metrics.instrument_reminders(reminders)
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(reminders.shutdown)
            if settings.serve_http:
                await _serve_http(stack, settings, application, started.inbox if mode == "webhook" else None)
            if mode == "webhook":
                await _set_webhook(application, settings)
            log.info("bot @%s running: %s, inbox worker %s", application.bot.username, mode, started.worker.name)
            await _until_stopped(stop, started.poll_task)
            log.info("stopping: no new updates taken; finishing the ones in hand")


async def _serve_http(
    stack: contextlib.AsyncExitStack, settings: Settings, application: AppType, inbox: Inbox | None
) -> int:
    """The service's HTTP side — health, metrics, the OPD API and its docs, and the webhook when ``inbox`` is
    given — on ``listen_host:listen_port`` until ``stack`` closes; returns the port."""
    from bot.web import WebContext, create_app
    from bot.web.server import serving

    services = application.bot_data["services"]
    web = WebContext(
        db=services.db,
        tz=settings.tz,
        clock=services.clock,
        inbox=inbox,
        webhook_path=webhook_path(settings),
        webhook_secret=webhook_secret(settings) if settings.telegram_bot_token is not None else None,
        telegram_probe=application.bot.get_me,
        metrics_token=settings.metrics_token.get_secret_value() if settings.metrics_token else None,
        api_max_body_bytes=settings.api_max_body_bytes,
        webhook_max_body_bytes=settings.webhook_max_body_bytes,
    )
    port = await stack.enter_async_context(
        serving(create_app(web), settings.listen_host, settings.listen_port, log_level=settings.log_level)
    )
    log.info(
        "HTTP on %s:%d (health, metrics, OPD API%s)",
        settings.listen_host,
        port,
        ", webhook" if inbox is not None else "",
    )
    return port


async def _set_webhook(application: AppType, settings: Settings) -> None:
    assert settings.webhook_url is not None
    await application.bot.set_webhook(
        url=settings.webhook_url,
        secret_token=webhook_secret(settings),
        allowed_updates=ALLOWED_UPDATES,
        max_connections=settings.webhook_max_connections,
        drop_pending_updates=False,
    )
    log.info("webhook set to %s", settings.webhook_url)


async def _until_stopped(stop: asyncio.Event, poll_task: asyncio.Task[None] | None) -> None:
    """Wait for a signal; a poller that dies (bad token) ends the service with its error."""
    waiters: set[asyncio.Future[object]] = {asyncio.ensure_future(stop.wait())}
    if poll_task is not None:
        waiters.add(poll_task)  # type: ignore[arg-type]
    done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    for waiter in pending:
        if waiter is not poll_task:
            waiter.cancel()
    if poll_task is not None and poll_task in done:
        poll_task.result()


async def _serve_demo(settings: Settings, db: Database) -> None:
    """The whole product on one machine: the sandbox with the chat page, the bot, the reminders, and the HTTP
    side (health, metrics, the OPD API with a key over the demo province) — what production runs, minus Telegram."""
    from bot.demo import demo_api_key, demo_services

    stop = _stop_event()
    async with demo_services(settings, db) as demo:
        application = build_application(
            settings,
            db,
            token=DEMO_TOKEN,
            base_url=demo.sandbox.bot_api_base_url,
            base_file_url=demo.sandbox.file_base_url,
        )
        async with running(application, options=inbox_options(settings)), contextlib.AsyncExitStack() as stack:
            reminders = _start_reminders(application, db, settings)
            metrics.instrument_reminders(reminders)
            stack.push_async_callback(reminders.shutdown)
            api = ""
            if settings.serve_http:
                port = await _serve_http(stack, settings, application, None)
                key = await demo_api_key(db, now=datetime.now(UTC))
                base = f"http://{settings.listen_host}:{port}"
                api = (
                    f"  API OPD / OPD API: {base}/api/docs  (kesehatan, seluruh provinsi demo / whole demo province)\n"
                    f"  Kunci API demo / demo API key: {key}\n"
                    f"  Kesehatan layanan / health: {base}/healthz  {base}/metrics\n\n"
                )
            log.info("demo ready at %s", demo.sandbox.url)
            print(
                f"\n  JSiKa Bot demo: buka {demo.sandbox.url} di peramban / open it in a browser\n\n{api}", flush=True
            )
            await stop.wait()


def _start_reminders(application: AppType, db: Database, settings: Settings) -> Scheduler:
    """The reminders' scheduler, wired here: the scheduler decides when, the chat layer's composer what a
    reminder says; both use the process's one work calendar and clock."""
    from handlers.reminder_composer import compose
    from scheduler.jobs import start_scheduler

    services: Services = application.bot_data["services"]
    return start_scheduler(
        application.bot, db, settings, calendar=services.calendar, clock=services.clock, composer=compose
    )
