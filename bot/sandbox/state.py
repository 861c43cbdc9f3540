"""Everything the sandbox remembers, in memory, owned by one asyncio event loop.

No locks: every mutation below is a plain synchronous section with no ``await`` inside, so on a single event
loop it is atomic. Waiting (long polls) happens only on :class:`Notifier` objects, never while holding state.

The event cursor: every message sent, edited or deleted, on either side, gets the next number of one global,
increasing counter (the *event id*). ``wait(after=N)`` returns the bot's events with an id above ``N`` and the
new cursor, so a test sees edits as well as new messages and never misses one that happened between two waits.
"""

from __future__ import annotations

import bisect
import time
from collections import deque
from typing import Any

from bot.sandbox.config import SandboxConfig
from bot.sandbox.files import FileStore
from bot.sandbox.objects import ChatState, Event, Notifier, SimUser, StoredMessage, now
from bot.sandbox.ratelimit import RateLimiter
from bot.sandbox.updates import UpdateQueue, WebhookDispatcher

BOT_EVENT_KINDS = frozenset({"bot_message", "edited", "deleted"})


class CallbackRecord:
    """A simulated button press and, once the bot calls answerCallbackQuery, its answer."""

    __slots__ = ("answer", "answered", "chat_id", "data", "from_id", "id", "message_id", "notifier", "time")

    def __init__(self, callback_id: str, chat_id: int, from_id: int, message_id: int, data: str) -> None:
        self.id = callback_id
        self.chat_id = chat_id
        self.from_id = from_id
        self.message_id = message_id
        self.data = data
        self.answered = False
        self.answer: dict[str, Any] | None = None
        self.time = time.time()
        self.notifier = Notifier()

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "chat_id": self.chat_id,
            "from_id": self.from_id,
            "message_id": self.message_id,
            "data": self.data,
            "answered": self.answered,
            "answer": self.answer,
        }


class SandboxState:
    """The simulated Telegram: users and their chats, files, the update queue, and the logs tests read."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.bot_id = config.bot_id
        self.updates = UpdateQueue(config)
        self.webhook = WebhookDispatcher(self.updates, config)
        self.limiter = RateLimiter(config)
        self.files = FileStore()
        self._event_seq = 0
        self._callback_seq = 0
        self._call_seq = 0
        self._init_collections()

    def _init_collections(self) -> None:
        self.users: dict[int, SimUser] = {}
        self.chats: dict[int, ChatState] = {}
        self.events: list[Event] = []
        self.events_notifier = Notifier()
        self.callbacks: dict[str, CallbackRecord] = {}
        self.calls: deque[dict[str, Any]] = deque(maxlen=self.config.max_calls_logged)
        self.calls_notifier = Notifier()
        self.commands: dict[tuple[tuple[Any, ...], str], list[dict[str, Any]]] = {}
        self.default_menu_button: dict[str, Any] | None = None
        self.bot_texts: dict[tuple[str, str], str] = {}

    async def reset(self) -> None:
        """Forget everything except the id counters (ids never go backwards, as in Telegram)."""
        await self.webhook.delete()
        self.updates.drop_pending()
        self.updates.allowed_updates = None
        self.limiter.reset()
        self.files.clear()
        old_chats = list(self.chats.values())
        self._init_collections()
        for chat in old_chats:
            chat.notifier.notify()

    def release_waiters(self) -> None:
        """Answer every pending long poll now (shutting down): getUpdates, chat waits, callback waits."""
        self.updates.close()
        for chat in self.chats.values():
            chat.notifier.notify()
        self.events_notifier.notify()
        for record in self.callbacks.values():
            record.notifier.notify()

    # -- identity ----------------------------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.config.bot_first_name,
            "username": self.config.bot_username,
        }

    # -- users and chats ---------------------------------------------------------------------------------

    def upsert_user(self, user: SimUser) -> SimUser:
        existing = self.users.get(user.id)
        if existing is not None:
            user.blocked = existing.blocked
            self.chats[user.id].user = user
        else:
            self.chats[user.id] = ChatState(user=user)
        self.users[user.id] = user
        return user

    def chat(self, chat_id: int) -> ChatState | None:
        return self.chats.get(chat_id)

    # -- messages and events -----------------------------------------------------------------------------

    def _record(self, chat: ChatState, stored: StoredMessage, kind: str) -> Event:
        self._event_seq += 1
        event = Event(
            event_id=self._event_seq,
            chat_id=stored.chat_id,
            kind=kind,
            message_id=stored.message_id,
            from_bot=stored.from_bot,
            message=stored.current,
            markup=stored.markup,
            time=time.time(),
        )
        stored.event_id = event.event_id
        chat.events.append(event)
        self.events.append(event)
        if kind in BOT_EVENT_KINDS:
            chat.notifier.notify()
            self.events_notifier.notify()
        return event

    def add_message(
        self, chat: ChatState, message: dict[str, Any], *, from_bot: bool, markup: dict[str, Any] | None = None
    ) -> tuple[StoredMessage, Event]:
        stored = StoredMessage(
            chat_id=chat.user.id,
            message_id=message["message_id"],
            from_bot=from_bot,
            current=message,
            markup=markup,
        )
        chat.messages[stored.message_id] = stored
        event = self._record(chat, stored, "bot_message" if from_bot else "user_message")
        return stored, event

    def replace_message(
        self, chat: ChatState, stored: StoredMessage, message: dict[str, Any], markup: dict[str, Any] | None
    ) -> Event:
        """Store a new version of ``stored`` and keep the old one in its history."""
        old = stored.current
        stored.history.append(
            {
                "text": old.get("text", old.get("caption")),
                "entities": old.get("entities", old.get("caption_entities")),
                "reply_markup": stored.markup,
                "edit_date": old.get("edit_date"),
            }
        )
        stored.current = message
        stored.markup = markup
        return self._record(chat, stored, "edited")

    def delete_message(self, chat: ChatState, stored: StoredMessage) -> Event:
        stored.deleted = True
        return self._record(chat, stored, "deleted")

    def chat_events_after(self, chat: ChatState, after: int, *, bot_only: bool = True) -> list[Event]:
        start = bisect.bisect_right(chat.events, after, key=lambda event: event.event_id)
        found = chat.events[start:]
        return [event for event in found if event.kind in BOT_EVENT_KINDS] if bot_only else found

    def events_after(self, after: int, *, bot_only: bool = True) -> list[Event]:
        start = bisect.bisect_right(self.events, after, key=lambda event: event.event_id)
        found = self.events[start:]
        return [event for event in found if event.kind in BOT_EVENT_KINDS] if bot_only else found

    @property
    def calls_total(self) -> int:
        """How many Bot API calls the sandbox has answered (ids of the calls log)."""
        return self._call_seq

    @property
    def cursor(self) -> int:
        """The newest event id handed out so far."""
        return self._event_seq

    async def wait_chat(
        self, chat: ChatState, after: int, seconds: float, *, bot_only: bool = True
    ) -> tuple[list[Event], int]:
        """Long-poll one chat: its events after ``after`` as soon as there are any, or [] after ``seconds``."""
        deadline = time.monotonic() + min(seconds, self.config.max_wait)
        while True:
            found = self.chat_events_after(chat, after, bot_only=bot_only)
            last = chat.events[-1].event_id if chat.events else 0
            if found or self.updates.closing:
                return found, max(after, last)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not await chat.notifier.wait(remaining):
                return [], max(after, last)
            if self.chats.get(chat.user.id) is not chat:  # reset happened while waiting
                return [], after

    async def wait_all(self, after: int, seconds: float, limit: int) -> tuple[list[Event], int]:
        """Long-poll every chat at once (one connection for a benchmark watching a thousand users)."""
        deadline = time.monotonic() + min(seconds, self.config.max_wait)
        while True:
            found = self.events_after(after)
            if found or self.updates.closing:
                found = found[:limit]
                return found, found[-1].event_id if len(found) == limit else max(after, self._event_seq)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not await self.events_notifier.wait(remaining):
                return [], max(after, self._event_seq)

    # -- callbacks ---------------------------------------------------------------------------------------

    def new_callback(self, chat_id: int, from_id: int, message_id: int, data: str) -> CallbackRecord:
        self._callback_seq += 1
        callback_id = f"{self.bot_id}{self._callback_seq:012d}"
        record = CallbackRecord(callback_id, chat_id, from_id, message_id, data)
        self.callbacks[callback_id] = record
        return record

    # -- calls log ---------------------------------------------------------------------------------------

    def log_call(self, method: str, params: dict[str, Any], outcome: dict[str, Any], started: float) -> None:
        self._call_seq += 1
        entry = {
            "id": self._call_seq,
            "method": method,
            "params": params,
            "ok": outcome["ok"],
            "time": started,
            "duration_ms": round((time.time() - started) * 1000, 3),
        }
        if outcome["ok"]:
            entry["result"] = outcome["result"]
        else:
            entry["error"] = {"error_code": outcome["error_code"], "description": outcome["description"]}
        self.calls.append(entry)
        self.calls_notifier.notify()

    def calls_after(self, after: int, method: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        calls = self.calls
        found: list[dict[str, Any]] = []
        # ids are consecutive inside the ring buffer, so the first wanted entry's index is arithmetic
        start = max(0, after - calls[0]["id"] + 1) if calls else 0
        for index in range(start, len(calls)):
            entry = calls[index]
            if entry["id"] > after and (method is None or entry["method"].lower() == method.lower()):
                found.append(entry)
                if len(found) >= limit:
                    break
        return found

    # -- helpers for the methods -------------------------------------------------------------------------

    def new_message(self, chat: ChatState, sender: dict[str, Any]) -> dict[str, Any]:
        """The common head of every Message: id, date, chat and sender."""
        return {
            "message_id": chat.take_message_id(),
            "from": sender,
            "chat": chat.user.as_chat(),
            "date": now(),
        }
