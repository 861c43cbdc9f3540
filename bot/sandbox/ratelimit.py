"""Telegram-like flood limits: one global token bucket and one per chat.

The bot's outbox promises to stay under Telegram's limits; the sandbox enforces them so that promise is tested.
A refused call consumes nothing, exactly like a 429 from Telegram, and reports how long to wait.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.sandbox.config import SandboxConfig
from bot.sandbox.errors import too_many_requests


@dataclass(slots=True)
class TokenBucket:
    """Classic token bucket: ``capacity`` tokens, refilled at ``rate`` per second."""

    rate: float
    capacity: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def wait_time(self) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


class RateLimiter:
    """Checks and charges the global bucket and the target chat's bucket together."""

    def __init__(self, config: SandboxConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = config.rate_limits
        self._config = config
        self._clock = clock
        now = clock()
        self._global = TokenBucket(config.global_rate, config.global_burst, config.global_burst, now)
        self._chats: dict[int, TokenBucket] = {}

    def charge(self, chat_id: int) -> None:
        """Take one token from both buckets or raise 429 with Telegram's ``retry_after`` (whole seconds, ≥ 1)."""
        if not self.enabled:
            return
        now = self._clock()
        chat = self._chats.get(chat_id)
        if chat is None:
            cfg = self._config
            chat = self._chats[chat_id] = TokenBucket(cfg.chat_rate, cfg.chat_burst, cfg.chat_burst, now)
        chat.refill(now)
        self._global.refill(now)
        wait = max(chat.wait_time(), self._global.wait_time())
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        chat.tokens -= 1.0
        self._global.tokens -= 1.0

    def reset(self) -> None:
        now = self._clock()
        self._global = TokenBucket(self._config.global_rate, self._config.global_burst, self._config.global_burst, now)
        self._chats.clear()
