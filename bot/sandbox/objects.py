"""Simulated people and the Telegram objects built from them.

Everything the sandbox returns through the Bot API must be a Telegram object PTB can ``de_json``; everything it
returns through the control API must be easy to assert on. This module holds both shapes so they cannot drift.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class SimUser:
    """A simulated Telegram user; their private chat with the bot has the same id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    phone: str | None = None
    language_code: str | None = None
    blocked: bool = False

    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def as_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "phone": self.phone,
            "language_code": self.language_code,
            "blocked": self.blocked,
        }


class Notifier:
    """Wakes every coroutine waiting for "something new" (a broadcast, unlike ``asyncio.Event.clear`` races)."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> bool:
        """True when notified within ``seconds``."""
        event = self._event
        if seconds <= 0:
            return False
        try:
            async with asyncio.timeout(seconds):
                await event.wait()
        except TimeoutError:
            return False
        return True


@dataclass(slots=True)
class StoredMessage:
    """One message in a chat, with every version it has had.

    ``current`` is the Telegram ``Message`` as it stands; versions are replaced, never mutated, so an event or a
    calls-log entry that holds an older version keeps seeing it.
    """

    chat_id: int
    message_id: int
    from_bot: bool
    current: dict[str, Any]
    markup: dict[str, Any] | None
    """Any keyboard sent with it (Telegram echoes only inline keyboards back in ``Message.reply_markup``)."""
    history: list[dict[str, Any]] = field(default_factory=list)
    """Earlier versions, oldest first, each ``{text, entities, reply_markup, edit_date}``."""
    deleted: bool = False
    event_id: int = 0


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened in a chat, numbered by one global, increasing cursor."""

    event_id: int
    chat_id: int
    kind: str
    """``user_message``, ``bot_message``, ``edited`` or ``deleted``."""
    message_id: int
    from_bot: bool
    message: dict[str, Any]
    markup: dict[str, Any] | None
    time: float

    def view(self, *, compact: bool = False) -> dict[str, Any]:
        """The control API's view; ``compact`` keeps only ids and text (a load test's thousands of events)."""
        if compact:
            return {
                "event_id": self.event_id,
                "kind": self.kind,
                "chat_id": self.chat_id,
                "message_id": self.message_id,
                "from_bot": self.from_bot,
                "text": self.message.get("text", self.message.get("caption")),
            }
        body = message_view(self.message, self.markup, from_bot=self.from_bot, deleted=self.kind == "deleted")
        return {
            "event_id": self.event_id,
            "kind": self.kind,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "from_bot": self.from_bot,
            "time": self.time,
            "message": body,
        }


@dataclass(slots=True)
class ChatState:
    """A private chat between the bot and one simulated user."""

    user: SimUser
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    notifier: Notifier = field(default_factory=Notifier)
    keyboard: dict[str, Any] | None = None
    """The reply keyboard the user currently sees (``ReplyKeyboardMarkup``), if any."""
    last_action: str | None = None
    menu_button: dict[str, Any] | None = None

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


def message_view(
    message: dict[str, Any],
    markup: dict[str, Any] | None,
    *,
    from_bot: bool,
    deleted: bool = False,
    history: list[dict[str, Any]] | None = None,
    event_id: int | None = None,
) -> dict[str, Any]:
    """The control API's flat view of a message: what a test wants to assert on, plus the raw object."""
    view: dict[str, Any] = {
        "message_id": message["message_id"],
        "chat_id": message["chat"]["id"],
        "from_bot": from_bot,
        "from_id": message["from"]["id"],
        "date": message["date"],
        "text": message.get("text", message.get("caption")),
        "caption": message.get("caption"),
        "entities": message.get("entities", message.get("caption_entities")),
        "reply_markup": markup,
        "edit_date": message.get("edit_date"),
        "deleted": deleted,
        "photo": message["photo"][-1]["file_id"] if "photo" in message else None,
        "document": message.get("document"),
        "location": message.get("location"),
        "contact": message.get("contact"),
        "reply_to_message_id": message["reply_to_message"]["message_id"] if "reply_to_message" in message else None,
        "telegram": message,
    }
    if history is not None:
        view["edits"] = list(history)
    if event_id is not None:
        view["event_id"] = event_id
    return view


def stored_view(stored: StoredMessage) -> dict[str, Any]:
    return message_view(
        stored.current,
        stored.markup,
        from_bot=stored.from_bot,
        deleted=stored.deleted,
        history=stored.history,
        event_id=stored.event_id,
    )


def now() -> int:
    """Telegram dates are whole Unix seconds."""
    return int(time.time())
