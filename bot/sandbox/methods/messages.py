"""Sending, editing and deleting messages: the calls that change what a user sees.

Each method checks in Telegram's order as far as it matters to a bot (chat, block, content, keyboard), charges
the rate limiter only when the call would succeed, and then commits in one synchronous step.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.apispec import Upload
from bot.sandbox.errors import (
    MESSAGE_TO_DELETE_NOT_FOUND,
    MESSAGE_TO_EDIT_NOT_FOUND,
    NOT_MODIFIED,
    WRONG_FILE_ID,
    bad_request,
)
from bot.sandbox.files import StoredFile, image_size
from bot.sandbox.methods.common import (
    Handler,
    apply_keyboard,
    check_markup,
    find_chat,
    finish_message,
    inline_part,
    message_text,
    reply_target,
    writable_chat,
)
from bot.sandbox.objects import ChatState, StoredMessage, now
from bot.sandbox.state import SandboxState

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def _post(state: SandboxState, chat: ChatState, message: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Charge the rate limiter, attach keyboard and reply, and store the bot's new message."""
    markup = check_markup(params.get("reply_markup"))
    reply_to = reply_target(chat, params)
    state.limiter.charge(chat.user.id)
    head = state.new_message(chat, state.bot_user())
    head.update(message)
    finish_message(head, markup, reply_to)
    apply_keyboard(chat, markup)
    state.add_message(chat, head, from_bot=True, markup=markup)
    return head


async def send_message(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    chat = writable_chat(state, params["chat_id"])
    text, entities = message_text(params)
    body: dict[str, Any] = {"text": text}
    if entities:
        body["entities"] = entities
    return _post(state, chat, body, params)


def _caption(params: dict[str, Any]) -> dict[str, Any]:
    if not params.get("caption"):
        return {}
    caption, entities = message_text(params, key="caption")
    body: dict[str, Any] = {"caption": caption}
    if entities:
        body["caption_entities"] = entities
    return body


def _resolve_file(state: SandboxState, value: Upload | str, kind: str) -> StoredFile:
    """An upload becomes a new stored file; a string must be the file_id of one of the right kind."""
    if isinstance(value, Upload):
        if kind == "photo" and image_size(value.data) is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        if len(value.data) > state.config.max_upload_bytes:
            raise bad_request("file is too big")
        return state.files.add(kind, value.data, mime_type=value.content_type, file_name=value.filename)
    if value.startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    stored = state.files.get(value)
    if stored is None:
        raise bad_request(WRONG_FILE_ID)
    if stored.kind != kind:
        raise bad_request("type of file mismatch")
    return stored


async def send_photo(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    chat = writable_chat(state, params["chat_id"])
    body = _caption(params)
    stored = _resolve_file(state, params["photo"], "photo")
    body["photo"] = stored.as_photo_sizes()
    return _post(state, chat, body, params)


async def send_document(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    chat = writable_chat(state, params["chat_id"])
    body = _caption(params)
    stored = _resolve_file(state, params["document"], "document")
    body["document"] = stored.as_document()
    return _post(state, chat, body, params)


async def send_location(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    chat = writable_chat(state, params["chat_id"])
    latitude, longitude = params["latitude"], params["longitude"]
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong location specified")
    location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    if params.get("horizontal_accuracy") is not None:
        location["horizontal_accuracy"] = params["horizontal_accuracy"]
    return _post(state, chat, {"location": location}, params)


async def send_chat_action(state: SandboxState, params: dict[str, Any]) -> bool:
    chat = writable_chat(state, params["chat_id"])
    if params["action"] not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.last_action = params["action"]
    return True


def _editable(state: SandboxState, params: dict[str, Any]) -> tuple[ChatState, StoredMessage]:
    """The bot message an edit* call targets, with Telegram's errors for every way it can be missing."""
    if params.get("inline_message_id") is not None:
        raise bad_request("MESSAGE_ID_INVALID")
    if params.get("chat_id") is None:
        raise bad_request("chat_id is empty")
    if params.get("message_id") is None:
        raise bad_request("message identifier is not specified")
    chat = writable_chat(state, params["chat_id"])
    stored = chat.messages.get(params["message_id"])
    if stored is None or stored.deleted:
        raise bad_request(MESSAGE_TO_EDIT_NOT_FOUND)
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return chat, stored


def _commit_edit(
    state: SandboxState,
    chat: ChatState,
    stored: StoredMessage,
    changes: dict[str, Any],
    markup: dict[str, Any] | None,
) -> dict[str, Any]:
    """Refuse a no-op edit, charge the limiter, and store the new version with ``edit_date``."""
    current = stored.current
    unchanged = all(current.get(key) == value for key, value in changes.items())
    if unchanged and current.get("reply_markup") == inline_part(markup):
        raise bad_request(NOT_MODIFIED)
    state.limiter.charge(chat.user.id)
    message = dict(current)
    for key, value in changes.items():
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value
    message.pop("reply_markup", None)
    inline = inline_part(markup)
    if inline is not None:
        message["reply_markup"] = inline
    message["edit_date"] = max(now(), current["date"])
    state.replace_message(chat, stored, message, markup)
    return message


async def edit_message_text(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    chat, stored = _editable(state, params)
    if "text" not in stored.current:
        raise bad_request("there is no text in the message to edit")
    text, entities = message_text(params)
    markup = check_markup(params.get("reply_markup"))
    return _commit_edit(state, chat, stored, {"text": text, "entities": entities}, markup)


async def edit_message_caption(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    chat, stored = _editable(state, params)
    if "text" in stored.current or "location" in stored.current:
        raise bad_request("there is no caption in the message to edit")
    body = _caption(params)
    changes = {"caption": body.get("caption"), "caption_entities": body.get("caption_entities")}
    markup = check_markup(params.get("reply_markup"))
    return _commit_edit(state, chat, stored, changes, markup)


async def edit_message_reply_markup(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    chat, stored = _editable(state, params)
    markup = check_markup(params.get("reply_markup"))
    return _commit_edit(state, chat, stored, {}, markup)


async def delete_message(state: SandboxState, params: dict[str, Any]) -> bool:
    chat = find_chat(state, params["chat_id"])
    stored = chat.messages.get(params["message_id"])
    if stored is None or stored.deleted:
        raise bad_request(MESSAGE_TO_DELETE_NOT_FOUND)
    state.delete_message(chat, stored)
    return True


HANDLERS: dict[str, Handler] = {
    "sendMessage": send_message,
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "sendLocation": send_location,
    "sendChatAction": send_chat_action,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
}
