"""Conversations with the real bot through the sandbox, written like the user's story.

``Chat.say("/lapor")`` posts a message as a simulated person, waits until the bot has *finished* handling that
update (the tracker below hooks PTB's update processor, so no sleeps and no guessing), and returns what the bot
sent or edited in the meantime.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Update

from bot.ordering import PerChatOrderedProcessor
from bot.sandbox.client import SandboxClient


class TrackingProcessor(PerChatOrderedProcessor):
    """Records which update ids the application has finished with."""

    def __init__(self) -> None:
        super().__init__(64)
        self.done: set[int] = set()
        self._changed = asyncio.Condition()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await super().do_process_update(update, coroutine)
        finally:
            if isinstance(update, Update):
                async with self._changed:
                    self.done.add(update.update_id)
                    self._changed.notify_all()

    async def wait_done(self, update_id: int, timeout: float = 15.0) -> None:  # noqa: ASYNC109 - a test helper
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: update_id in self.done)


class Clock:
    """The bot's clock, settable by a test (``clock.set(...)``, ``clock.advance(days=1)``)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class BotReply:
    """What the bot sent (or edited) in answer to one action, in order."""

    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def last(self) -> dict[str, Any]:
        assert self.messages, "the bot did not answer"
        return self.messages[-1]

    @property
    def text(self) -> str:
        return "\n".join(str(m.get("text") or m.get("caption") or "") for m in self.messages)

    def buttons(self) -> list[str]:
        return [b["text"] for m in self.messages for row in _rows(m) for b in row]


def _rows(message: dict[str, Any]) -> list[list[dict[str, Any]]]:
    markup = message.get("reply_markup") or {}
    return list(markup.get("inline_keyboard") or markup.get("keyboard") or [])


class Chat:
    """One simulated person in a private chat with the bot."""

    def __init__(self, client: SandboxClient, tracker: TrackingProcessor, user: dict[str, Any]) -> None:
        self.client = client
        self.tracker = tracker
        self.user = user
        self.id: int = int(user["id"])
        self.cursor = 0
        self.taps = 0
        self.bot_messages: dict[int, dict[str, Any]] = {}  # message_id → latest state (edits replace)

    async def _after(self, sent: Awaitable[Any]) -> BotReply:
        result = await sent
        if result.get("update_id") is not None:
            await self.tracker.wait_done(int(result["update_id"]))
        return await self.collect()

    async def collect(self) -> BotReply:
        """Everything the bot sent, edited or deleted in this chat since the last look."""
        found = await self.client.wait(self.id, after=self.cursor, timeout=0)
        self.cursor = max(self.cursor, int(found["cursor"]))
        reply = BotReply()
        for event in found["events"]:
            message: dict[str, Any] = dict(event["message"])
            if not event.get("from_bot", message.get("from_bot")):
                continue
            if event["kind"] == "deleted" or message.get("deleted"):
                self.bot_messages.pop(int(message["message_id"]), None)
                continue
            self.bot_messages[int(message["message_id"])] = message
            reply.messages = [m for m in reply.messages if m["message_id"] != message["message_id"]]
            reply.messages.append(message)
        return reply

    def find_button(self, label: str, *, exact: bool = False) -> tuple[int, dict[str, Any]]:
        for message_id in sorted(self.bot_messages, reverse=True):
            for row in _rows(self.bot_messages[message_id]):
                for button in row:
                    text = str(button.get("text", ""))
                    if (text == label) if exact else (label.lower() in text.lower()):
                        return message_id, button
        raise AssertionError(f"no button {label!r} in the bot's messages")

    async def say(self, text: str) -> BotReply:
        return await self._after(self.client.say(self.id, text, from_id=self.id))

    async def press(self, label: str, *, exact: bool = False) -> BotReply:
        """Tap the button whose text contains ``label`` on the newest bot message that has one."""
        message_id, button = self.find_button(label, exact=exact)
        self.taps += 1
        if "callback_data" not in button:  # a reply-keyboard button sends its text as a message
            return await self.say(str(button["text"]))
        return await self.press_data(message_id, str(button["callback_data"]))

    async def press_data(self, message_id: int, data: str) -> BotReply:
        """Send any callback data on any message, as a forged client could."""
        return await self._after(self.client.press(self.id, message_id, data, from_id=self.id, force=True))

    async def share_contact(self, phone: str, *, own: bool = True, owner_id: int | None = None) -> BotReply:
        self.taps += 1
        return await self._after(
            self.client.share_contact(
                self.id,
                phone,
                str(self.user.get("first_name", "")),
                user_id=self.id if own else (owner_id or self.id + 1),
                from_id=self.id,
            )
        )

    async def send_location(self, latitude: float, longitude: float) -> BotReply:
        self.taps += 1
        return await self._after(self.client.send_location(self.id, latitude, longitude, from_id=self.id))

    async def send_photo(self, content: bytes, filename: str = "foto.jpg") -> BotReply:
        self.taps += 1
        return await self._after(self.client.send_photo(self.id, content, filename=filename, from_id=self.id))


def update_id(sent: Mapping[str, Any]) -> int:
    """The id the sandbox gave a queued update; ``None`` (filtered out, as Telegram does) fails the test here."""
    value = sent["update_id"]
    assert isinstance(value, int), f"the sandbox queued no update: {sent!r}"
    return value


def utc(year: int, month: int, day: int, hour: int = 2, minute: int = 0) -> datetime:
    """A UTC instant; the default 02:00 UTC is 09:00 in Jakarta."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
