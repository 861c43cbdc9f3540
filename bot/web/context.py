"""What the HTTP side of one process shares: the database, the inbox (when it receives), the clock, probes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from fastapi import Request

from bot.inbox import Inbox
from bot.web.throttle import InvalidKeyThrottle
from models.calendar import JAKARTA
from models.db import Database


def _utc_now() -> datetime:
    return datetime.now(UTC)


DEFAULT_WEBHOOK_PATH = "/telegram/webhook"


@dataclass
class WebContext:
    db: Database
    tz: ZoneInfo = JAKARTA  # bot/service.py passes the configured zone (JSIKA_TIMEZONE)
    clock: Callable[[], datetime] = _utc_now
    inbox: Inbox | None = None  # set when this process receives Telegram's webhook calls
    webhook_path: str = DEFAULT_WEBHOOK_PATH
    webhook_secret: str | None = None
    telegram_probe: Callable[[], Awaitable[object]] | None = None  # getMe, for /readyz
    probe_timeout: float = 3.0
    invalid_keys: InvalidKeyThrottle = field(default_factory=InvalidKeyThrottle)
    metrics_token: str | None = None  # /metrics answers only with "Authorization: Bearer <this>" when set
    api_max_body_bytes: int = 64 * 1024  # a referral PATCH is a few hundred bytes
    webhook_max_body_bytes: int = 1024 * 1024  # a Telegram update with a long text and entities is far below this

    def max_body_bytes(self, path: str) -> int:
        return self.webhook_max_body_bytes if path == self.webhook_path else self.api_max_body_bytes

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()


def web_context(request: Request) -> WebContext:
    context: WebContext = request.app.state.web
    return context
