"""Logs keep no secrets and no personal numbers: the bot token, the webhook secret, a full NIK or a phone number
never reach a log line, at DEBUG (where PTB prints every Bot API call and update) or above.

A real conversation in webhook mode — the sandbox posts each update with the secret header, PTB calls the sandbox
with the token in every URL — logged through the project's own logging setup at DEBUG; the captured output is
then searched for the three values.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.app import build_application
from bot.config import Settings, configure_logging
from bot.sandbox.client import SandboxClient
from bot.sandbox.runner import SandboxHandle
from bot.service import _set_webhook, runtime, webhook_path, webhook_secret
from bot.web import WebContext, create_app
from bot.web.server import serving
from models.db import Database
from models.tables import Member, Role
from tests.e2e.harness import Chat, Clock, TrackingProcessor
from tests.e2e.test_webhook import free_port
from tests.factories import make_household, make_user

TOKEN = "7012345678:AAHk9-Zq3Xv_ExampleTokenForLogTest42"
SECRET = "rahasia-webhook-uji-log-0042"
PHONE = "6281234509876"  # as Telegram sends a shared contact: international, no "+"


@pytest.fixture
def debug_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """The project's logging at DEBUG for one test, then the root logger as it was."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield capsys
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.getLogger("httpx").setLevel(logging.NOTSET)
        logging.getLogger("apscheduler").setLevel(logging.NOTSET)


async def test_a_debug_conversation_logs_no_token_secret_nik_or_phone(
    sandbox: SandboxHandle,
    sandbox_client: SandboxClient,
    db: Database,
    clock: Clock,
    debug_logs: pytest.CaptureFixture[str],
) -> None:
    async with db.session() as s:
        siti = await make_user(s, Role.PENDAMPING, "36.01.01", telegram_id=7301, name="Siti Pendamping")
        household = await make_household(s, siti, members=[{"name": "Hidayat", "age": 41}])
        nik = (await s.scalars(select(Member.nik).where(Member.household_id == household.id))).one()
        await make_user(s, Role.PENDAMPING, "36.01.01", phone="+" + PHONE, name="Dewi Baru")

    port = free_port()
    settings = Settings(
        database_url=db.url,
        telegram_bot_token=TOKEN,
        telegram_base_url=sandbox.bot_api_base_url,
        webhook_url=f"http://127.0.0.1:{port}/hook/jsika",
        webhook_secret=SECRET,
        log_level="DEBUG",
    )
    configure_logging(settings)
    debug_logs.readouterr()
    tracker = TrackingProcessor()
    application = build_application(settings, db, clock=clock, update_processor=tracker)
    async with runtime(application, receive="webhook") as started:
        web = WebContext(
            db=db,
            clock=clock,
            inbox=started.inbox,
            webhook_path=webhook_path(settings),
            webhook_secret=webhook_secret(settings),
        )
        async with serving(create_app(web), "127.0.0.1", port):
            await _set_webhook(application, settings)
            assert (await sandbox_client.webhook())["secret_token_set"] is True
            user = await sandbox_client.create_user(7301, "Siti")
            chat = Chat(sandbox_client, tracker, dict(user))
            reply = await chat.say(f"/kpm {nik}")
            assert "Hidayat · Sumberjaya" in reply.buttons()  # the NIK was read, looked up and answered
            reply = await chat.press("Hidayat")
            assert "Hidayat" in reply.text
            stranger = Chat(sandbox_client, tracker, dict(await sandbox_client.create_user(7302, "Dewi")))
            await stranger.say("/start")
            reply = await stranger.share_contact(PHONE)
            assert "Dewi Baru" in reply.text

    logged = debug_logs.readouterr().err
    assert "DEBUG" in logged and "setWebhook" in logged  # the Bot API calls were logged, and at DEBUG
    assert "7301" in logged  # so were the updates (the chat id is not personal data here)
    for value in (TOKEN, TOKEN.split(":")[1], SECRET, nik, nik[4:], PHONE[2:]):
        assert value not in logged, value
