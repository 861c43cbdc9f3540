"""The update queue, drained either by getUpdates long polling or by webhook delivery.

Telegram keeps one queue per bot. Polling confirms updates by asking for a higher ``offset``; a webhook confirms
each by answering 2xx, and until then Telegram retries the same update, so order is kept. Update ids increase
across ``/sandbox/reset`` too: a bot that keeps polling with its old offset would otherwise drop new updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from typing import Any

import httpx

from bot.sandbox.config import SandboxConfig
from bot.sandbox.errors import conflict
from bot.sandbox.objects import Notifier

log = logging.getLogger(__name__)

DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateQueue:
    """Pending updates in id order, plus the long-poll machinery around them."""

    def __init__(self, config: SandboxConfig) -> None:
        self._config = config
        self.pending: deque[tuple[int, dict[str, Any]]] = deque()
        self.notifier = Notifier()
        self.allowed_updates: list[str] | None = None
        self._next_id = max(1, config.first_update_id)
        self._poll_generation = 0
        self.closing = False

    def push(self, kind: str, payload: dict[str, Any], *, force: bool = False) -> int | None:
        """Queue ``{"update_id": …, kind: payload}``; None when the bot's ``allowed_updates`` exclude ``kind``.

        Like Telegram, the filter applies when the update is created, not when it is fetched. ``force`` queues it
        anyway (a raw update injected by a test, as from an older webhook registration with other filters).
        """
        allowed = self.allowed_updates
        if not force and ((allowed and kind not in allowed) or (not allowed and kind in DEFAULT_EXCLUDED)):
            return None
        update_id = self._next_id
        self._next_id += 1
        self.pending.append((update_id, {"update_id": update_id, kind: payload}))
        self.notifier.notify()
        return update_id

    def confirm(self, offset: int | None) -> None:
        """Forget updates below ``offset`` (or all but the last ``-offset`` when negative), as Telegram does."""
        if not offset:
            return
        pending = self.pending
        if offset > 0:
            while pending and pending[0][0] < offset:
                pending.popleft()
        else:
            while len(pending) > -offset:
                pending.popleft()

    def drop_pending(self) -> None:
        self.pending.clear()

    def _take(self, limit: int) -> list[dict[str, Any]]:
        pending = self.pending
        if len(pending) <= limit:
            return [update for _, update in pending]
        return [pending[index][1] for index in range(limit)]

    async def get_updates(
        self, offset: int | None, limit: int, poll_seconds: float, allowed_updates: list[str] | None
    ) -> list[dict[str, Any]]:
        """getUpdates: return at once when updates wait, else wait up to ``poll_seconds`` for the first one.

        A newer getUpdates ends an older one still waiting with 409 Conflict, as Telegram does when two bot
        instances poll the same token.
        """
        if allowed_updates is not None:
            self.allowed_updates = list(allowed_updates)
        self.confirm(offset)
        limit = min(max(limit, 1), 100)
        self._poll_generation += 1
        generation = self._poll_generation
        batch = self._take(limit)
        if batch or poll_seconds <= 0:
            return batch
        self.notifier.notify()  # wake an older poller so it can notice it has been superseded
        deadline = time.monotonic() + min(poll_seconds, self._config.max_long_poll)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.closing:
                return self._take(limit)
            await self.notifier.wait(remaining)
            if generation != self._poll_generation:
                raise conflict(
                    "terminated by other getUpdates request; make sure that only one bot instance is running"
                )
            batch = self._take(limit)
            if batch:
                return batch

    def close(self) -> None:
        """Release every waiting long poll (server shutdown)."""
        self.closing = True
        self.notifier.notify()


class WebhookDispatcher:
    """Posts queued updates to the bot's webhook one at a time, in order, retrying with back-off."""

    def __init__(self, queue: UpdateQueue, config: SandboxConfig) -> None:
        self._queue = queue
        self._config = config
        self.url = ""
        self.secret_token: str | None = None
        self.max_connections = 40
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.delivered = 0
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    @property
    def active(self) -> bool:
        return bool(self.url)

    async def set(self, url: str, secret_token: str | None, max_connections: int) -> None:
        await self._stop_task()
        self.url = url
        self.secret_token = secret_token
        self.max_connections = max_connections
        self.last_error_date = None
        self.last_error_message = None
        self._task = asyncio.get_running_loop().create_task(self._run(), name="sandbox-webhook")

    async def delete(self) -> None:
        await self._stop_task()
        self.url = ""
        self.secret_token = None

    async def close(self) -> None:
        await self.delete()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def info(self) -> dict[str, Any]:
        """The ``WebhookInfo`` object."""
        info: dict[str, Any] = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue.pending),
        }
        if self.url:
            info["max_connections"] = self.max_connections
            info["ip_address"] = "127.0.0.1"
        if self._queue.allowed_updates is not None:
            info["allowed_updates"] = self._queue.allowed_updates
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info

    async def _stop_task(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._config.webhook_timeout)
        client = self._client
        pending = self._queue.pending
        backoff = self._config.webhook_retry_initial
        while True:
            if not pending:
                await self._queue.notifier.wait(30.0)
                continue
            update_id, update = pending[0]
            error = await self._post(client, update)
            if error is None:
                if pending and pending[0][0] == update_id:
                    pending.popleft()
                self.delivered += 1
                backoff = self._config.webhook_retry_initial
                continue
            self.last_error_date = int(time.time())
            self.last_error_message = error
            log.debug("webhook delivery of update %s failed: %s", update_id, error)
            await asyncio.sleep(backoff)
            backoff = min(self._config.webhook_retry_max, backoff * 2)

    async def _post(self, client: httpx.AsyncClient, update: dict[str, Any]) -> str | None:
        headers = {"Content-Type": "application/json"}
        if self.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.secret_token
        try:
            response = await client.post(self.url, content=json.dumps(update).encode(), headers=headers)
        except httpx.TimeoutException:
            return "Read timeout expired"
        except httpx.HTTPError:
            return "Connection refused"
        if 200 <= response.status_code < 300:
            return None
        return f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"
