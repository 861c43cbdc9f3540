"""What a handler gets besides the update: the services of this process, through PTB's context.

``context.db()`` opens a session (committed when the block ends), ``context.now()`` is the injectable clock, so
a test can stand on any date without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import Application, CallbackContext, ExtBot

from models.calendar import WorkCalendar
from models.db import Database


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """Built once per process from the settings (``bot/app.py``). The work calendar is the one the reminders
    use too, so /jadwal, the report's window and the reminders agree on deadlines and the provincial holidays."""

    db: Database
    calendar: WorkCalendar
    default_language: str = "id"
    digest_hour: int = 7  # the morning digest's hour for people who did not pick one (JSIKA_DIGEST_HOUR)
    clock: Callable[[], datetime] = _utc_now
    bot_username: str = ""
    admin_contact: str = ""  # JSIKA_ADMIN_CONTACT: whom someone not on the roster should contact

    @property
    def tz(self) -> ZoneInfo:
        """The configured zone (``JSIKA_TIMEZONE``): periods, deadlines and times shown are in it."""
        return self.calendar.tz


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
