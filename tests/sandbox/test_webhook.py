"""Webhook delivery: secret header, JSON payload, order, retries, and getWebhookInfo."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.sandbox.client import SandboxClient
from bot.sandbox.runner import serve_asgi
from tests.sandbox.conftest import BotApiCaller


@dataclass
class Receiver:
    """A tiny webhook endpoint that records what arrives and can be told to fail."""

    url: str = ""
    received: list[tuple[str | None, dict[str, Any]]] = field(default_factory=list)
    failures_left: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def endpoint(self, request: Request) -> Response:
        if self.failures_left > 0:
            self.failures_left -= 1
            return Response(status_code=500)
        self.received.append((request.headers.get("x-telegram-bot-api-secret-token"), await request.json()))
        self.arrived.set()
        return Response(status_code=200)

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(5):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = Starlette(routes=[Route("/hook", receiver.endpoint, methods=["POST"])])
    async with serve_asgi(app) as port:
        receiver.url = f"http://127.0.0.1:{port}/hook"
        yield receiver


async def test_updates_are_posted_with_the_secret_in_order(
    api: BotApiCaller, client: SandboxClient, receiver: Receiver
) -> None:
    await client.create_user(7, "Budi")
    assert await api.ok("setWebhook", url=receiver.url, secret_token="s3cr3t_T-1") is True
    sent = [await client.say(7, f"pesan {index}") for index in range(5)]
    await receiver.wait_for(5)
    assert [secret for secret, _ in receiver.received] == ["s3cr3t_T-1"] * 5
    assert [update["update_id"] for _, update in receiver.received] == [s["update_id"] for s in sent]
    assert receiver.received[0][1]["message"]["text"] == "pesan 0"
    info = await api.ok("getWebhookInfo")
    assert info["url"] == receiver.url and info["pending_update_count"] == 0


async def test_failed_deliveries_are_retried_and_reported(
    api: BotApiCaller, client: SandboxClient, receiver: Receiver
) -> None:
    await client.create_user(7, "Budi")
    receiver.failures_left = 3
    await api.ok("setWebhook", url=receiver.url)
    first = await client.say(7, "satu")
    second = await client.say(7, "dua")
    await receiver.wait_for(2)
    assert [update["update_id"] for _, update in receiver.received] == [first["update_id"], second["update_id"]]
    assert receiver.received[0][0] is None  # no secret configured, no header
    info = await api.ok("getWebhookInfo")
    assert info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
    assert info["pending_update_count"] == 0


async def test_unreachable_webhook_keeps_updates_pending(api: BotApiCaller, client: SandboxClient) -> None:
    await client.create_user(7, "Budi")
    await api.ok("setWebhook", url="http://127.0.0.1:9/nothing-listens-here")
    await client.say(7, "halo")
    await asyncio.sleep(0.2)
    info = await api.ok("getWebhookInfo")
    assert info["pending_update_count"] == 1
    assert info["last_error_message"] == "Connection refused"
    await api.ok("deleteWebhook")
    assert len(await api.ok("getUpdates")) == 1  # nothing lost: polling picks it up


async def test_set_webhook_validation(api: BotApiCaller) -> None:
    _, description = await api.error("setWebhook", url="ftp://example.org")
    assert description == "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    _, description = await api.error("setWebhook", url="https://example.org", secret_token="no spaces allowed")
    assert "secret token" in description
