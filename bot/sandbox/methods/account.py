"""Methods about the bot itself rather than one message: identity, updates, webhook, commands, files, buttons."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.errors import INVALID_FILE_ID, QUERY_TOO_OLD, bad_request, conflict
from bot.sandbox.methods.common import Handler, find_chat
from bot.sandbox.state import SandboxState

_COMMAND = re.compile(r"[a-z0-9_]{1,32}\Z")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}\Z")
_LANGUAGE = re.compile(r"([a-z]{2})?\Z")
_MAX_DOWNLOAD = 20 * 1024 * 1024


async def get_me(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    return {
        **state.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(state: SandboxState, params: dict[str, Any]) -> list[dict[str, Any]]:
    if state.webhook.active:
        raise conflict(
            "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
        )
    return await state.updates.get_updates(
        params.get("offset"),
        params.get("limit", 100),
        params.get("timeout", 0),
        params.get("allowed_updates"),
    )


async def set_webhook(state: SandboxState, params: dict[str, Any]) -> bool:
    url: str = params["url"]
    if not url:  # Telegram: an empty URL removes the webhook
        return await delete_webhook(state, params)
    schemes = ("https://", "http://") if state.config.allow_http_webhooks else ("https://",)
    if not url.startswith(schemes):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET.match(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = params.get("max_connections", 40)
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    if params.get("allowed_updates") is not None:
        state.updates.allowed_updates = list(params["allowed_updates"])
    if params.get("drop_pending_updates"):
        state.updates.drop_pending()
    await state.webhook.set(url, secret, max_connections)
    return True


async def delete_webhook(state: SandboxState, params: dict[str, Any]) -> bool:
    await state.webhook.delete()
    if params.get("drop_pending_updates"):
        state.updates.drop_pending()
    return True


async def get_webhook_info(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    return state.webhook.info()


async def answer_callback_query(state: SandboxState, params: dict[str, Any]) -> bool:
    record = state.callbacks.get(params["callback_query_id"])
    if record is None or record.answered:
        raise bad_request(QUERY_TOO_OLD)
    text = params.get("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answered = True
    record.answer = {
        "text": text,
        "show_alert": bool(params.get("show_alert", False)),
        "url": params.get("url"),
        "cache_time": params.get("cache_time", 0),
    }
    record.notifier.notify()
    return True


# -- commands -----------------------------------------------------------------------------------------------


def _scope_key(state: SandboxState, scope: dict[str, Any] | None) -> tuple[Any, ...]:
    if not scope:
        return ("default",)
    kind = scope["type"]
    if kind in ("chat", "chat_administrators", "chat_member"):
        chat = find_chat(state, scope.get("chat_id"))
        if kind == "chat_member":
            return (kind, chat.user.id, scope.get("user_id"))
        return (kind, chat.user.id)
    return (kind,)


def _language(params: dict[str, Any]) -> str:
    language = params.get("language_code", "")
    if not _LANGUAGE.match(language):
        raise bad_request("invalid language code specified")
    return language


async def set_my_commands(state: SandboxState, params: dict[str, Any]) -> bool:
    commands = params["commands"]
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    for command in commands:
        if not _COMMAND.match(command["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command["description"]) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = (_scope_key(state, params.get("scope")), _language(params))
    if commands:
        state.commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
    else:
        state.commands.pop(key, None)
    return True


async def get_my_commands(state: SandboxState, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Exactly the list stored for this scope and language (Telegram does not fall back here)."""
    key = (_scope_key(state, params.get("scope")), _language(params))
    return list(state.commands.get(key, []))


async def delete_my_commands(state: SandboxState, params: dict[str, Any]) -> bool:
    state.commands.pop((_scope_key(state, params.get("scope")), _language(params)), None)
    return True


def resolve_commands(state: SandboxState, chat_id: int, language: str | None) -> list[dict[str, Any]]:
    """The commands a user sees in their private chat, resolved the way Telegram clients do.

    Narrowest scope first (this chat, then all private chats, then default); within each scope the user's
    language before the language-less list.
    """
    languages = [language, ""] if language else [""]
    for scope in (("chat", chat_id), ("all_private_chats",), ("default",)):
        for code in languages:
            found = state.commands.get((scope, code))
            if found:
                return list(found)
    return []


# -- menu button, chat, bot texts ---------------------------------------------------------------------------


async def set_chat_menu_button(state: SandboxState, params: dict[str, Any]) -> bool:
    button = params.get("menu_button") or {"type": "default"}
    if params.get("chat_id") is None:
        state.default_menu_button = None if button["type"] == "default" else button
    else:
        find_chat(state, params["chat_id"]).menu_button = None if button["type"] == "default" else button
    return True


async def get_chat_menu_button(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("chat_id") is not None:
        chat = find_chat(state, params["chat_id"])
        if chat.menu_button is not None:
            return chat.menu_button
    return state.default_menu_button or {"type": "commands"}


async def get_chat(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    chat = find_chat(state, params["chat_id"])
    return {
        **chat.user.as_chat(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


async def get_file(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    stored = state.files.get(params["file_id"])
    if stored is None:
        raise bad_request(INVALID_FILE_ID)
    if len(stored.data) > _MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return stored.as_file()


async def ok(state: SandboxState, params: dict[str, Any]) -> bool:
    """close and logOut: nothing to hand over in a sandbox."""
    return True


def _text_setter(kind: str) -> Handler:
    async def setter(state: SandboxState, params: dict[str, Any]) -> bool:
        value = params.get(kind, "")
        state.bot_texts[(kind, _language(params))] = value
        return True

    return setter


def _text_getter(kind: str) -> Handler:
    async def getter(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
        language = _language(params)
        value = state.bot_texts.get((kind, language)) or state.bot_texts.get((kind, ""), "")
        if kind == "name" and not value:
            value = state.config.bot_first_name
        return {kind: value}

    return getter


HANDLERS: dict[str, Handler] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "answerCallbackQuery": answer_callback_query,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
    "getChat": get_chat,
    "getFile": get_file,
    "close": ok,
    "logOut": ok,
    "setMyName": _text_setter("name"),
    "getMyName": _text_getter("name"),
    "setMyDescription": _text_setter("description"),
    "getMyDescription": _text_getter("description"),
    "setMyShortDescription": _text_setter("short_description"),
    "getMyShortDescription": _text_getter("short_description"),
}
