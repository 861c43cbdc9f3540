"""Webhook mode end to end: the sandbox posts updates to our FastAPI endpoint, the inbox hands them to the bot.

The real PTB application, the real HTTP server and the sandbox's webhook delivery (with the secret token);
only the process boundary is missing — ``test_webhook_processes.py`` adds that on PostgreSQL. Polling mode (the
``bot`` fixture every other e2e test uses) goes through the same inbox, which the last test shows.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import build_application
from bot.config import Settings
from bot.sandbox.client import SandboxClient
from bot.sandbox.runner import SandboxHandle
from bot.service import Runtime, _set_webhook, runtime, webhook_path, webhook_secret
from bot.web import WebContext, create_app
from bot.web.server import serving
from models.db import Database
from models.tables import Inbox, InboxStatus, User
from tests.e2e.conftest import TOKEN, PersonFactory
from tests.e2e.harness import Chat, Clock, TrackingProcessor
from tests.test_inbox import wait_finished


@dataclass
class WebhookBot:
    started: Runtime
    tracker: TrackingProcessor
    port: int
    settings: Settings


@pytest.fixture
async def webhook_bot(sandbox: SandboxHandle, db: Database, clock: Clock) -> AsyncIterator[WebhookBot]:
    tracker = TrackingProcessor()
    port = free_port()
    settings = Settings(
        database_url=db.url,
        telegram_bot_token=TOKEN,
        telegram_base_url=sandbox.bot_api_base_url,
        webhook_url=f"http://127.0.0.1:{port}/hook/jsika",
    )
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
            yield WebhookBot(started, tracker, port, settings)


def free_port() -> int:
    """A port nobody listens on: the webhook URL (and so the settings) must name it before the server starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_person_talks_to_the_bot_through_the_webhook_and_the_inbox(
    webhook_bot: WebhookBot, sandbox_client: SandboxClient, db: Database
) -> None:
    info = await sandbox_client.webhook()
    assert info["url"].endswith("/hook/jsika") and info["secret_token_set"] is True
    assert set(info["allowed_updates"]) >= {"message", "callback_query"}

    user = await sandbox_client.create_user(6001, "Rina")
    chat = Chat(sandbox_client, webhook_bot.tracker, dict(user))
    reply = await chat.say("/start")
    assert "nomor telepon" in reply.text
    reply = await chat.say("/bantuan")
    assert "/start" in reply.text

    await webhook_bot.started.worker.stop()  # the bot has answered; let the worker record both as done
    async with db.session() as s:
        states = list(await s.scalars(select(Inbox.status).order_by(Inbox.update_id)))
        assert states == [InboxStatus.DONE, InboxStatus.DONE]
        assert await s.scalar(select(func.count()).select_from(User)) == 0  # a stranger stays a stranger


async def test_the_running_endpoint_refuses_calls_without_the_secret(webhook_bot: WebhookBot, db: Database) -> None:
    url = f"http://127.0.0.1:{webhook_bot.port}/hook/jsika"
    forged = {
        "update_id": 999_999,
        "message": {"message_id": 1, "date": 1, "text": "/start", "chat": {"id": 6002, "type": "private"}},
    }
    async with httpx.AsyncClient() as http:
        assert (await http.post(url, json=forged)).status_code == 401
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "tebakan"}
        assert (await http.post(url, json=forged, headers=wrong)).status_code == 401
        assert (await http.get(f"http://127.0.0.1:{webhook_bot.port}/healthz")).json() == {"status": "ok"}
    async with db.session() as s:
        assert await s.get(Inbox, 999_999) is None


async def test_polling_mode_feeds_the_same_inbox(person: PersonFactory, db: Database) -> None:
    chat = await person(6101, "Dewi")
    reply = await chat.say("/start")
    assert "nomor telepon" in reply.text
    finished = await wait_finished(db, 1)
    assert list(finished.values()) == [InboxStatus.DONE]
    async with db.session() as s:
        stored = (await s.scalars(select(Inbox))).one()
    assert stored.chat_id == 6101 and stored.payload["message"]["text"] == "/start"
