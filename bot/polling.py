"""Polling mode: long-poll ``getUpdates`` and put each batch into the inbox before confirming it to Telegram.

Telegram forgets updates once a later ``getUpdates`` asks for a higher ``offset``; asking only after the batch
is committed to the inbox means a crash between the two costs a duplicate (which the inbox ignores), never a
lost update. Only one poller may run per bot (Telegram answers 409 Conflict to a second one), so with several
processes on PostgreSQL they elect one through an advisory lock and another takes over when it dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from telegram import Bot
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.inbox import Inbox, UpdateIdBusy
from models.inbox import MalformedUpdate
from models.leader import exclusive

log = logging.getLogger(__name__)

# What the handlers act on; Telegram then does not even send the rest.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
LOCK_NAME = "telegram-poller"
LOCK_CHECK_SECONDS = 15.0

# getUpdates goes through ``do_api_request`` to get the raw JSON to store. Bot API method names are
# case-insensitive; the lower-case spelling keeps PTB from suggesting its parsed ``get_updates`` instead.
GET_UPDATES = "getupdates"


class Poller:
    """Feeds the inbox from ``getUpdates`` while this process holds the poller lock."""

    def __init__(self, bot: Bot, inbox: Inbox, *, timeout: int = 10, retry_seconds: float = 2.0) -> None:
        self.bot = bot
        self.inbox = inbox
        self.timeout = timeout
        self.retry_seconds = retry_seconds
        self.offset: int | None = None
        self.is_leader = False

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``: win the election (at once on SQLite), then poll; on losing the lock, try again."""
        while not stop.is_set():
            try:
                async with exclusive(self.inbox.db, LOCK_NAME, wait=False) as lock:
                    if lock.held:
                        self.is_leader = True
                        log.info("this process polls Telegram for updates")
                        try:
                            await self._poll_while(stop, lock.alive)
                        finally:
                            self.is_leader = False
            except InvalidToken:
                raise  # a wrong token does not get better by waiting: end the service with the error
            except Exception:  # the database went away mid-election: try again shortly
                log.warning("poller election failed; retrying in %.0f s", self.retry_seconds, exc_info=True)
            if not stop.is_set():
                await _wait(stop, self.retry_seconds)

    async def _poll_while(self, stop: asyncio.Event, still_leader: Any) -> None:
        await self._call_until_ok(stop, lambda: self.bot.delete_webhook(drop_pending_updates=False))
        loop = asyncio.get_running_loop()
        checked = loop.time()
        backoff = 0.5
        while not stop.is_set():
            if loop.time() - checked > LOCK_CHECK_SECONDS:
                checked = loop.time()
                if not await still_leader():
                    log.warning("poller lock lost; stopping polling")
                    return
            fetch = asyncio.ensure_future(self._get_updates())
            stopped = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if fetch not in done:  # stop requested mid long poll: nothing fetched yet, nothing lost
                fetch.cancel()
                with contextlib.suppress(BaseException):
                    await fetch
                return
            stopped.cancel()
            try:
                batch = fetch.result()
                backoff = 0.5
            except TimedOut:
                continue
            except RetryAfter as error:
                await _wait(stop, float(error.retry_after if isinstance(error.retry_after, int | float) else 1))
                continue
            except Conflict:
                log.warning("getUpdates conflict: another poller or a webhook is active; retrying")
                await _wait(stop, 1.0)
                continue
            except InvalidToken:
                raise
            except NetworkError as error:
                log.warning("getUpdates failed (%s); retrying in %.1f s", error, backoff)
                await _wait(stop, backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if batch:
                await self._store(batch, stop)

    async def _get_updates(self) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {"timeout": self.timeout, "allowed_updates": ALLOWED_UPDATES}
        if self.offset is not None:
            kwargs["offset"] = self.offset
        result = await self.bot.do_api_request(GET_UPDATES, api_kwargs=kwargs, read_timeout=self.timeout + 10)
        return list(result or [])

    async def _store(self, batch: list[dict[str, Any]], stop: asyncio.Event) -> None:
        good = [u for u in batch if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
        backoff = 0.2
        while True:
            try:
                await self.inbox.accept(good, "polling")
                break
            except MalformedUpdate:  # cannot happen with Telegram; never block the queue on it
                log.error("malformed update from getUpdates dropped")
                break
            except UpdateIdBusy as busy:
                # Telegram reused ids of updates still waiting here: keep the batch unconfirmed until those are done
                # (the rest of the batch is stored; asking again costs only duplicates).
                log.warning("%s; retrying in %.1f s", busy, backoff)
                if stop.is_set():
                    return
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
            except Exception:
                # The database is away: keep the batch unconfirmed and try again; Telegram keeps it meanwhile.
                log.exception("could not store %d update(s); retrying in %.1f s", len(good), backoff)
                if stop.is_set():
                    return
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
        if good:
            self.offset = max(int(u["update_id"]) for u in good) + 1

    async def _call_until_ok(self, stop: asyncio.Event, call: Any) -> None:
        backoff = 0.5
        while not stop.is_set():
            try:
                await call()
                return
            except InvalidToken:
                raise
            except (NetworkError, RetryAfter) as error:
                log.warning("Bot API call failed (%s); retrying in %.1f s", error, backoff)
                await _wait(stop, backoff)
                backoff = min(backoff * 2, 30.0)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()
