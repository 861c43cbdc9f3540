"""Checks shared by the sending and editing methods: target chat, text, captions, keyboards, replies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.sandbox.errors import (
    BLOCKED,
    BUTTON_DATA_INVALID,
    CAPTION_TOO_LONG,
    CHAT_NOT_FOUND,
    MARKUP_TOO_LONG,
    MESSAGE_TOO_LONG,
    TEXT_EMPTY,
    bad_request,
    forbidden,
)
from bot.sandbox.formatting import parse_text
from bot.sandbox.objects import ChatState
from bot.sandbox.state import SandboxState

Handler = Callable[[SandboxState, dict[str, Any]], Awaitable[Any]]
"""A Bot API method: validated parameters in, the ``result`` object out (or an :class:`ApiError`)."""

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_INLINE_BUTTONS = 100  # Telegram: "reply markup is too long" beyond this
MAX_REPLY_BUTTONS = 300
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def find_chat(state: SandboxState, chat_id: Any) -> ChatState:
    """Resolve ``chat_id`` to a simulated private chat, or answer like Telegram for an unknown one."""
    chat = state.chats.get(chat_id) if isinstance(chat_id, int) else None
    if chat is None:
        raise bad_request(CHAT_NOT_FOUND)
    return chat


def writable_chat(state: SandboxState, chat_id: Any) -> ChatState:
    """A chat the bot may post into: it exists and its user has not blocked the bot."""
    chat = find_chat(state, chat_id)
    if chat.user.blocked:
        raise forbidden(BLOCKED)
    return chat


def message_text(params: dict[str, Any], *, key: str = "text") -> tuple[str, list[dict[str, Any]] | None]:
    """Apply parse_mode (or take explicit entities) and enforce Telegram's empty/too-long rules."""
    raw = params.get(key, "")
    entities_key = "entities" if key == "text" else "caption_entities"
    explicit = params.get(entities_key)
    if explicit:
        text, entities = raw, explicit  # Telegram uses explicit entities instead of parse_mode
    else:
        text, entities = parse_text(raw, params.get("parse_mode"))
    if key == "text":
        if not text.strip():
            raise bad_request(TEXT_EMPTY)
        if len(text) > MAX_TEXT:
            raise bad_request(MESSAGE_TOO_LONG)
    elif len(text) > MAX_CAPTION:
        raise bad_request(CAPTION_TOO_LONG)
    return text, entities


def check_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Semantic checks Telegram applies to keyboards beyond their JSON shape."""
    if markup is None:
        return None
    inline_count = sum(len(row) for row in markup.get("inline_keyboard", ()))
    reply_count = sum(len(row) for row in markup.get("keyboard", ()))
    if inline_count > MAX_INLINE_BUTTONS or reply_count > MAX_REPLY_BUTTONS:
        raise bad_request(MARKUP_TOO_LONG)
    for row in markup.get("inline_keyboard", ()):
        for button in row:
            actions = [name for name in _BUTTON_ACTIONS if button.get(name) is not None]
            if not actions:
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA:
                raise bad_request(BUTTON_DATA_INVALID)
            url = button.get("url")
            if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
                raise bad_request("BUTTON_URL_INVALID")
    return markup


def inline_part(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Only inline keyboards are echoed back in ``Message.reply_markup``."""
    if markup is not None and "inline_keyboard" in markup:
        return {"inline_keyboard": markup["inline_keyboard"]}
    return None


def apply_keyboard(chat: ChatState, markup: dict[str, Any] | None) -> None:
    """Track the reply keyboard the user sees, which persists across messages until removed."""
    if markup is None:
        return
    if "keyboard" in markup:
        chat.keyboard = markup
    elif markup.get("remove_keyboard"):
        chat.keyboard = None


def reply_target(chat: ChatState, params: dict[str, Any]) -> dict[str, Any] | None:
    """The message being replied to (``reply_parameters``), as Telegram embeds it: one level deep."""
    reply = params.get("reply_parameters")
    if not reply:
        return None
    stored = chat.messages.get(reply["message_id"])
    if stored is None or stored.deleted:
        if reply.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    target = dict(stored.current)
    target.pop("reply_to_message", None)
    return target


def finish_message(
    message: dict[str, Any], markup: dict[str, Any] | None, reply_to: dict[str, Any] | None
) -> dict[str, Any]:
    inline = inline_part(markup)
    if inline is not None:
        message["reply_markup"] = inline
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return message
