"""Repeated invalid API keys from one client address are refused for a while, before any key is looked up.

Keys are long random strings, so guessing one is hopeless — but every guess costs a hash and a database read, and a
client that sends thousands of bad keys is either broken or probing. After ``MAX_FAILURES`` invalid keys within
``WINDOW`` an address gets 429 until its oldest failure leaves the window. The count lives in the process that
serves HTTP — with ``jsika run --workers N`` that is worker 0 alone (``bot/workers.py``), so one count covers the
installation; only separate installations behind one balancer would each keep their own. It holds at most
``MAX_ADDRESSES`` addresses, forgetting the least recently failed first, so the bookkeeping itself cannot be made
to grow without bound.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=10)
MAX_FAILURES = 20
MAX_ADDRESSES = 10_000


class InvalidKeyThrottle:
    def __init__(
        self, *, window: timedelta = WINDOW, max_failures: int = MAX_FAILURES, max_addresses: int = MAX_ADDRESSES
    ) -> None:
        self.window = window
        self.max_failures = max_failures
        self.max_addresses = max_addresses
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()

    def _recent(self, address: str, now: datetime) -> deque[datetime] | None:
        failures = self._failures.get(address)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[address]
            return None
        return failures

    def retry_after(self, address: str, now: datetime) -> int | None:
        """Seconds this address must wait before it may try a key again; None when it may try now."""
        failures = self._recent(address, now)
        if failures is None or len(failures) < self.max_failures:
            return None
        return max(1, math.ceil((failures[0] + self.window - now).total_seconds()))

    def failed(self, address: str, now: datetime) -> None:
        failures = self._recent(address, now) or deque(maxlen=self.max_failures)
        failures.append(now)
        self._failures[address] = failures
        self._failures.move_to_end(address)
        while len(self._failures) > self.max_addresses:
            self._failures.popitem(last=False)
