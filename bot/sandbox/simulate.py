"""What simulated users do: write, share a contact or location, send a photo, press a button, block the bot.

Each action builds the Message (or CallbackQuery) a real Telegram client would produce, stores it in the chat and
queues the Update for the bot. Kept apart from the HTTP layer so the demo's web page and in-process tests can call
it directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.sandbox.apispec import Upload
from bot.sandbox.files import image_size
from bot.sandbox.formatting import command_entities
from bot.sandbox.objects import ChatState, SimUser, now
from bot.sandbox.state import SandboxState


class SimulationError(Exception):
    """A control request that cannot happen in real Telegram; carries the HTTP status to answer with."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(slots=True)
class UserContent:
    """One user message's content; exactly one of the payload fields is set."""

    text: str | None = None
    contact: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    photo: Upload | None = None
    document: Upload | None = None
    caption: str | None = None
    reply_to: int | None = None


def _chat_and_sender(state: SandboxState, chat_id: int, from_id: int | None) -> tuple[ChatState, SimUser]:
    chat = state.chats.get(chat_id)
    if chat is None:
        raise SimulationError(404, f"unknown chat {chat_id}: create the user first (POST /sandbox/users)")
    sender = chat.user if from_id is None or from_id == chat_id else state.users.get(from_id)
    if sender is None or sender.id != chat_id:
        raise SimulationError(400, "only private chats are simulated: from_id must equal chat_id")
    if sender.blocked:
        raise SimulationError(409, f"user {sender.id} has blocked the bot; unblock first")
    return chat, sender


def send_user_message(state: SandboxState, chat_id: int, from_id: int | None, content: UserContent) -> dict[str, Any]:
    """Post a message from the user; returns ``{"message", "update_id", "cursor"}``."""
    chat, sender = _chat_and_sender(state, chat_id, from_id)
    filled = [c for c in (content.text, content.contact, content.location, content.photo, content.document) if c]
    if len(filled) != 1:
        raise SimulationError(400, "give exactly one of text, contact, location, photo, document")
    reply_to = None
    if content.reply_to is not None:
        target = chat.messages.get(content.reply_to)
        if target is None or target.deleted:
            raise SimulationError(400, f"message {content.reply_to} not found in chat {chat_id}")
        reply_to = dict(target.current)
        reply_to.pop("reply_to_message", None)
    message = state.new_message(chat, sender.as_user())
    message.update(_content(state, sender, content))
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    if chat.keyboard is not None and chat.keyboard.get("one_time_keyboard"):
        chat.keyboard = None
    _, event = state.add_message(chat, message, from_bot=False)
    update_id = state.updates.push("message", message)
    return {"message": message, "update_id": update_id, "cursor": event.event_id}


def _content(state: SandboxState, sender: SimUser, content: UserContent) -> dict[str, Any]:
    if content.text is not None:
        body: dict[str, Any] = {"text": content.text}
        entities = command_entities(content.text)
        if entities:
            body["entities"] = entities
        return body
    if content.contact is not None:
        contact = {k: v for k, v in content.contact.items() if v is not None}
        if "phone_number" not in contact or "first_name" not in contact:
            raise SimulationError(400, "contact needs phone_number and first_name")
        return {"contact": contact}
    if content.location is not None:
        return {"location": {"latitude": content.location["latitude"], "longitude": content.location["longitude"]}}
    body = {"caption": content.caption} if content.caption else {}
    if content.photo is not None:
        if image_size(content.photo.data) is None:
            raise SimulationError(400, "photo is not a PNG, JPEG, GIF or WebP image")
        stored = state.files.add("photo", content.photo.data, mime_type=content.photo.content_type)
        body["photo"] = stored.as_photo_sizes()
    elif content.document is not None:
        upload = content.document
        stored = state.files.add("document", upload.data, mime_type=upload.content_type, file_name=upload.filename)
        body["document"] = stored.as_document()
    return body


def press_button(
    state: SandboxState, chat_id: int, from_id: int | None, message_id: int, data: str, *, force: bool = False
) -> dict[str, Any]:
    """Press an inline button on a bot message; returns ``{"callback_query_id", "update_id"}``.

    Only buttons that exist can be pressed (as in a real client) unless ``force`` is set, which lets a test
    replay a stale or forged callback the way a slow user or a malicious client could.
    """
    chat, sender = _chat_and_sender(state, chat_id, from_id)
    stored = chat.messages.get(message_id)
    if stored is None or stored.deleted:
        raise SimulationError(404, f"message {message_id} not found in chat {chat_id}")
    if not stored.from_bot:
        raise SimulationError(400, f"message {message_id} was not sent by the bot")
    if not force:
        keyboard = stored.current.get("reply_markup", {}).get("inline_keyboard", [])
        datas = {button.get("callback_data") for row in keyboard for button in row}
        if data not in datas:
            raise SimulationError(400, f"message {message_id} has no inline button with callback_data {data!r}")
    record = state.new_callback(chat_id, sender.id, message_id, data)
    query = {
        "id": record.id,
        "from": sender.as_user(),
        "message": stored.current,
        "chat_instance": str(-chat_id * 7919 % 10**12),
        "data": data,
    }
    update_id = state.updates.push("callback_query", query)
    return {"callback_query_id": record.id, "update_id": update_id}


def inject_update(state: SandboxState, kind: str, payload: dict[str, Any], *, force: bool = False) -> dict[str, Any]:
    """Queue a raw update of any ``kind`` (``edited_message``, ``channel_post``, a sticker ``message`` …) exactly as
    given: for bad-input tests, which need what the simulated clients never produce. Returns ``{"update_id"}``
    (None when the bot's ``allowed_updates`` filter it out, as Telegram would, unless ``force``)."""
    if not kind or kind == "update_id":
        raise SimulationError(400, "kind must name an Update field, e.g. edited_message")
    return {"update_id": state.updates.push(kind, payload, force=force), "cursor": state.cursor}


def set_blocked(state: SandboxState, user_id: int, blocked: bool) -> dict[str, Any]:
    """Block or unblock the bot; Telegram tells the bot with a ``my_chat_member`` update."""
    user = state.users.get(user_id)
    if user is None:
        raise SimulationError(404, f"unknown user {user_id}")
    if user.blocked == blocked:
        return user.describe()
    user.blocked = blocked
    bot = state.bot_user()
    old, new = ("member", "kicked") if blocked else ("kicked", "member")
    new_member: dict[str, Any] = {"status": new, "user": bot}
    if blocked:
        new_member["until_date"] = 0
    old_member: dict[str, Any] = {"status": old, "user": bot}
    if not blocked:
        old_member["until_date"] = 0
    state.updates.push(
        "my_chat_member",
        {
            "chat": user.as_chat(),
            "from": user.as_user(),
            "date": now(),
            "old_chat_member": old_member,
            "new_chat_member": new_member,
        },
    )
    return user.describe()
