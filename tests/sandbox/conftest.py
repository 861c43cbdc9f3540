"""Fixtures for the sandbox's own tests: a running sandbox, its control client and a raw Bot API caller."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.sandbox.client import SandboxClient
from bot.sandbox.config import SandboxConfig
from bot.sandbox.runner import SandboxHandle, run_sandbox

TOKEN = "123456:TEST-token"


def png_bytes(width: int = 2, height: int = 3) -> bytes:
    """A valid, tiny PNG (the sandbox reads its size like Telegram would)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class BotApiCaller:
    """Calls the sandbox's Bot API the way any HTTP client would, returning (status, body)."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, token: str = TOKEN) -> None:
        self.http = http
        self.base = f"{base_url}/bot{token}"

    async def __call__(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        response = await self.http.post(f"{self.base}/{method}", json=params)
        return response.status_code, response.json()

    async def ok(self, method: str, **params: Any) -> Any:
        status, body = await self(method, **params)
        assert status == 200 and body["ok"], body
        return body["result"]

    async def error(self, method: str, **params: Any) -> tuple[int, str]:
        status, body = await self(method, **params)
        assert not body["ok"], body
        assert body["error_code"] == status
        return status, body["description"]

    async def form(self, method: str, data: dict[str, str], files: Any = None) -> tuple[int, dict[str, Any]]:
        response = await self.http.post(f"{self.base}/{method}", data=data, files=files)
        return response.status_code, response.json()


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    """Rate limits off unless a test is about them (tests send faster than 1 message/s/chat)."""
    return SandboxConfig(rate_limits=False, webhook_retry_initial=0.02, webhook_retry_max=0.1)


@pytest.fixture
async def sandbox(sandbox_config: SandboxConfig) -> AsyncIterator[SandboxHandle]:
    async with run_sandbox(sandbox_config) as handle:
        yield handle


@pytest.fixture
async def client(sandbox: SandboxHandle) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as control:
        yield control


@pytest.fixture
async def api(sandbox: SandboxHandle) -> AsyncIterator[BotApiCaller]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield BotApiCaller(http, sandbox.url)


@pytest.fixture
async def user(client: SandboxClient) -> int:
    """One simulated user who has started the bot; returns their (= their chat's) id."""
    await client.create_user(1001, "Siti", last_name="Aminah", username="siti", language_code="id")
    await client.say(1001, "/start")
    return 1001
