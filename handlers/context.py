"""What a handler gets besides the update: the services of this process, through PTB's context.

``context.db()`` opens a session (committed when the block ends), ``context.now()`` is the injectable clock, so
a test can stand on any date without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import Application, CallbackContext, ExtBot

from models.db import Database


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    db: Database
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Jakarta"))
    default_language: str = "id"
    clock: Callable[[], datetime] = _utc_now
    bot_username: str = ""
    extras: dict[str, Any] = field(default_factory=dict)


class AppContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services

    def db(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self.services.db.session()

    def read_db(self) -> AbstractAsyncContextManager[AsyncSession]:
        """For work that only reads — supervisor reports, exports: on SQLite it reads beside the writer, on
        aiosqlite's thread, so a long report neither holds the pendamping's writes nor the event loop
        (see ``Database.read_session``)."""
        return self.services.db.read_session()

    def now(self) -> datetime:
        return self.services.clock()

    def local_now(self) -> datetime:
        return self.now().astimezone(self.services.tz)


AppType = Application[ExtBot[None], AppContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
