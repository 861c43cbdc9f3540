"""The real bot, talking HTTP to the sandbox, on the test database — the fixture every e2e test starts from."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.app import build_application
from bot.config import Settings
from bot.sandbox.client import SandboxClient
from bot.sandbox.config import SandboxConfig
from bot.sandbox.runner import SandboxHandle, run_sandbox
from bot.service import running
from handlers.context import AppType
from models.db import Database
from tests.e2e.harness import Chat, Clock, TrackingProcessor, utc

TOKEN = "424242:E2E-TEST"


class BotUnderTest:
    """Start, stop and restart the application the way a process would, keeping the same database."""

    def __init__(self, sandbox: SandboxHandle, db: Database, clock: Clock) -> None:
        self.sandbox, self.db, self.clock = sandbox, db, clock
        self.tracker = TrackingProcessor()
        self.application: AppType | None = None
        self._stack: contextlib.AsyncExitStack | None = None

    def build(self, tracker: TrackingProcessor | None = None) -> AppType:
        settings = Settings(database_url=self.db.url)
        return build_application(
            settings,
            self.db,
            token=TOKEN,
            base_url=self.sandbox.bot_api_base_url,
            base_file_url=self.sandbox.file_base_url,
            clock=self.clock,
            update_processor=tracker or self.tracker,
        )

    async def start(self) -> None:
        self._stack = contextlib.AsyncExitStack()
        self.application = await self._stack.enter_async_context(running(self.build(), timeout=1))

    async def stop(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None

    async def restart(self) -> None:
        """A new Application instance (as after a crash or deploy); the chat's tracker keeps working."""
        await self.stop()
        await self.start()


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxHandle]:
    async with run_sandbox(SandboxConfig(rate_limits=False, bot_username="jsika_test_bot")) as handle:
        yield handle


@pytest.fixture
async def sandbox_client(sandbox: SandboxHandle) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as client:
        yield client


@pytest.fixture
def clock() -> Clock:
    return Clock(utc(2026, 11, 24))  # Tuesday 24 November 2026, 09:00 WIB


@pytest.fixture
async def bot(sandbox: SandboxHandle, db: Database, clock: Clock) -> AsyncIterator[BotUnderTest]:
    under_test = BotUnderTest(sandbox, db, clock)
    await under_test.start()
    try:
        yield under_test
    finally:
        await under_test.stop()


PersonFactory = Callable[..., Awaitable[Chat]]


@pytest.fixture
def person(sandbox_client: SandboxClient, bot: BotUnderTest) -> PersonFactory:
    """``chat = await person(1001, "Siti", language_code="id")`` — a simulated Telegram user and their chat."""

    async def make(user_id: int, first_name: str, *, language_code: str = "id", **extra: Any) -> Chat:
        user = await sandbox_client.create_user(user_id, first_name, language_code=language_code, **extra)
        return Chat(sandbox_client, bot.tracker, dict(user))

    return make
