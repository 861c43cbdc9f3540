"""Telegram's flood limits on our side: a token bucket over all chats, and one slot per chat.

Kept in real (monotonic) time even when the worker's clock is injected: Telegram counts seconds, not our
scenario's dates. The sandbox enforces the same two limits (``bot/sandbox/ratelimit.py``), so staying inside them
there means staying inside them on Telegram.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; waits (real time) for a token."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self._clock = rate, max(1.0, burst), clock
        self.tokens, self.stamp = self.burst, clock()

    def _refill(self) -> None:
        now = self._clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    async def acquire(self) -> None:
        while True:
            self._refill()
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return
            await asyncio.sleep((1.0 - self.tokens) / self.rate)

    def drain(self) -> None:
        """Telegram said 429: start saving up again from nothing."""
        self._refill()
        self.tokens = min(self.tokens, 0.0)


class ChatSlots:
    """The earliest moment (monotonic) each chat may receive its next message."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval, self._clock = 1.0 / rate, clock
        self._next: dict[int, float] = {}

    def busy(self) -> list[int]:
        now = self._clock()
        self._next = {chat: at for chat, at in self._next.items() if at > now}
        return list(self._next)

    def take(self, chat_id: int) -> None:
        now = self._clock()
        self._next[chat_id] = max(now, self._next.get(chat_id, now)) + self.interval

    def block(self, chat_id: int, seconds: float) -> None:
        self._next[chat_id] = max(self._next.get(chat_id, 0.0), self._clock() + seconds)

    def next_free_in(self) -> float | None:
        if not self._next:
            return None
        return max(0.0, min(self._next.values()) - self._clock())
