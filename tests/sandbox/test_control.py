"""The control API: simulated users, chat history, the wait cursor, the calls log, commands and reset."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bot.sandbox.client import SandboxClient, SandboxError
from tests.sandbox.conftest import BotApiCaller, png_bytes

KEYBOARD = {"inline_keyboard": [[{"text": "Ya", "callback_data": "ya"}, {"text": "Tidak", "callback_data": "no"}]]}


async def test_users_are_created_updated_and_listed(client: SandboxClient) -> None:
    await client.create_user(5, "Dewi", phone="+6281200000005", language_code="id")
    await client.create_user(5, "Dewi", last_name="Lestari")
    await client.block(5)
    users = await client.users()
    assert users == [
        {
            "id": 5,
            "first_name": "Dewi",
            "last_name": "Lestari",
            "username": None,
            "phone": None,
            "language_code": None,
            "blocked": True,
        }
    ]
    with pytest.raises(SandboxError) as caught:
        await client.say(99, "who am I")
    assert caught.value.status == 404


async def test_contact_location_and_reply(api: BotApiCaller, client: SandboxClient, user: int) -> None:
    contact = await client.share_contact(user, "+6281234567890", "Siti", user_id=user)
    assert contact["message"]["contact"] == {"phone_number": "+6281234567890", "first_name": "Siti", "user_id": user}
    location = await client.send_location(user, -6.12, 106.15)
    assert location["message"]["location"] == {"latitude": -6.12, "longitude": 106.15}
    reply = await client.say(user, "ini jawabannya", reply_to=1)
    assert reply["message"]["reply_to_message"]["text"] == "/start"
    updates = await api.ok("getUpdates")
    assert [u["message"]["message_id"] for u in updates] == [1, 2, 3, 4]
    with pytest.raises(SandboxError) as caught:
        await client.say(user, "x", from_id=777)
    assert caught.value.status == 400


async def test_history_shows_edits_deletes_and_keyboards(api: BotApiCaller, client: SandboxClient, user: int) -> None:
    first = await api.ok("sendMessage", chat_id=user, text="Pertanyaan 1", reply_markup=KEYBOARD)
    await api.ok("editMessageText", chat_id=user, message_id=first["message_id"], text="Pertanyaan 1 ✓")
    reply_keyboard = {"keyboard": [[{"text": "Bagikan nomor", "request_contact": True}]], "one_time_keyboard": True}
    second = await api.ok("sendMessage", chat_id=user, text="Nomor?", reply_markup=reply_keyboard)
    assert "reply_markup" not in second  # Telegram echoes only inline keyboards
    await api.ok("deleteMessage", chat_id=user, message_id=second["message_id"])
    history = (await client.messages(user))["messages"]
    assert [(m["message_id"], m["from_bot"]) for m in history] == [(1, False), (2, True), (3, True)]
    edited = history[1]
    assert edited["text"] == "Pertanyaan 1 ✓" and edited["reply_markup"] is None and edited["edit_date"]
    assert edited["edits"] == [{"text": "Pertanyaan 1", "entities": None, "reply_markup": KEYBOARD, "edit_date": None}]
    assert history[2]["deleted"] is True and history[2]["reply_markup"] == reply_keyboard
    assert (await client.chat(user))["keyboard"] == reply_keyboard
    await client.say(user, "oke")  # one-time keyboards hide after the user answers
    assert (await client.chat(user))["keyboard"] is None
    assert [m["message_id"] for m in (await client.messages(user, after=2))["messages"]] == [3, 4]


async def test_wait_cursor_sees_new_messages_and_edits(api: BotApiCaller, client: SandboxClient, user: int) -> None:
    cursor = (await client.messages(user))["cursor"]
    waiting = asyncio.create_task(client.wait(user, after=cursor, timeout=5))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    sent = await api.ok("sendMessage", chat_id=user, text="satu", reply_markup=KEYBOARD)
    result = await waiting
    assert [(e["kind"], e["message"]["text"]) for e in result["events"]] == [("bot_message", "satu")]
    assert result["events"][0]["message"]["reply_markup"] == KEYBOARD
    cursor = result["cursor"]
    # two things happen before the next wait: both are returned, in order, each as it was then
    await api.ok("editMessageReplyMarkup", chat_id=user, message_id=sent["message_id"])
    await api.ok("sendMessage", chat_id=user, text="dua")
    result = await client.wait(user, after=cursor, timeout=5)
    assert [(e["kind"], e["message"]["text"]) for e in result["events"]] == [("edited", "satu"), ("bot_message", "dua")]
    assert result["events"][0]["message"]["reply_markup"] is None
    assert result["cursor"] > cursor
    started = time.monotonic()
    empty = await client.wait(user, after=result["cursor"], timeout=0.3)
    assert empty == {"events": [], "cursor": result["cursor"]}
    assert time.monotonic() - started >= 0.25
    # user messages move the cursor but do not wake a wait for the bot
    said = await client.say(user, "halo")
    assert said["cursor"] > result["cursor"]
    assert (await client.wait(user, after=result["cursor"], timeout=0.2))["events"] == []


async def test_wait_all_watches_every_chat(api: BotApiCaller, client: SandboxClient) -> None:
    for user_id in (1, 2, 3):
        await client.create_user(user_id, f"U{user_id}")
    for user_id in (3, 1, 2):
        await api.ok("sendMessage", chat_id=user_id, text=f"untuk {user_id}")
    result = await client.wait_all(after=0, timeout=1)
    assert [e["chat_id"] for e in result["events"]] == [3, 1, 2]
    assert (await client.wait_all(after=result["cursor"], timeout=0.1))["events"] == []


async def test_button_press_and_callback_answer(api: BotApiCaller, client: SandboxClient, user: int) -> None:
    sent = await api.ok("sendMessage", chat_id=user, text="Hadir?", reply_markup=KEYBOARD)
    with pytest.raises(SandboxError) as caught:
        await client.press(user, sent["message_id"], "maybe")
    assert caught.value.status == 400  # no such button
    pressed = await client.press(user, sent["message_id"], "ya")
    answer = asyncio.create_task(client.callback(pressed["callback_query_id"], timeout=5))
    await asyncio.sleep(0.05)
    await api.ok(
        "answerCallbackQuery", callback_query_id=pressed["callback_query_id"], text="Tersimpan", show_alert=True
    )
    view = await answer
    assert view["answered"] and view["answer"] == {
        "text": "Tersimpan",
        "show_alert": True,
        "url": None,
        "cache_time": 0,
    }
    _, description = await api.error("answerCallbackQuery", callback_query_id=pressed["callback_query_id"])
    assert description == "Bad Request: query is too old and response timeout expired or query ID is invalid"
    forced = await client.press(user, sent["message_id"], "stale-data", force=True)
    assert forced["callback_query_id"] != pressed["callback_query_id"]


async def test_calls_log_records_everything(api: BotApiCaller, client: SandboxClient, user: int) -> None:
    await api.ok("sendMessage", chat_id=user, text="hai", reply_markup=KEYBOARD)
    await api("sendMessage", chat_id=user)
    await api.form("sendPhoto", {"chat_id": str(user)}, files={"photo": ("p.png", png_bytes(), "image/png")})
    calls = (await client.calls())["calls"]
    assert [(c["method"], c["ok"]) for c in calls] == [
        ("sendMessage", True),
        ("sendMessage", False),
        ("sendPhoto", True),
    ]
    assert calls[0]["params"]["reply_markup"] == KEYBOARD and calls[0]["result"]["text"] == "hai"
    assert calls[1]["error"] == {"error_code": 400, "description": "Bad Request: message text is empty"}
    assert calls[2]["params"]["photo"] == {"upload": "p.png", "size": len(png_bytes()), "mime_type": "image/png"}
    assert [c["id"] for c in calls] == sorted(c["id"] for c in calls)
    later = await client.calls(after=calls[1]["id"])
    assert [c["method"] for c in later["calls"]] == ["sendPhoto"] and later["cursor"] == calls[2]["id"]
    only_photos = await client.calls(method="sendphoto")
    assert len(only_photos["calls"]) == 1


async def test_commands_scopes_and_menu_button(api: BotApiCaller, client: SandboxClient, user: int) -> None:
    base = [{"command": "start", "description": "Mulai"}]
    private = [{"command": "lapor", "description": "Laporan kunjungan"}]
    english = [{"command": "report", "description": "Visit report"}]
    mine = [{"command": "ringkasan", "description": "Ringkasan"}]
    await api.ok("setMyCommands", commands=base)
    await api.ok("setMyCommands", commands=private, scope={"type": "all_private_chats"})
    await api.ok("setMyCommands", commands=english, scope={"type": "all_private_chats"}, language_code="en")
    assert await api.ok("getMyCommands") == base
    assert await api.ok("getMyCommands", scope={"type": "all_private_chats"}, language_code="en") == english
    assert await api.ok("getMyCommands", scope={"type": "all_group_chats"}) == []
    assert (await client.chat(user))["commands"] == private  # user's language "id" falls back to no language
    await api.ok("setMyCommands", commands=mine, scope={"type": "chat", "chat_id": user})
    assert (await client.chat(user))["commands"] == mine
    await api.ok("deleteMyCommands", scope={"type": "chat", "chat_id": user})
    assert (await client.chat(user))["commands"] == private
    _, description = await api.error("setMyCommands", commands=[{"command": "Bad-Name", "description": "x"}])
    assert description == "Bad Request: BOT_COMMAND_INVALID"
    _, description = await api.error("setMyCommands", commands=base, scope={"type": "chat", "chat_id": 4040})
    assert description == "Bad Request: chat not found"
    _, description = await api.error("setMyCommands", commands=base, scope={"type": "planet"})
    assert "BotCommandScope" in description
    assert await api.ok("getChatMenuButton", chat_id=user) == {"type": "commands"}
    web_app = {"type": "web_app", "text": "Buka", "web_app": {"url": "https://example.org/app"}}
    await api.ok("setChatMenuButton", chat_id=user, menu_button=web_app)
    assert await api.ok("getChatMenuButton", chat_id=user) == web_app
    assert await api.ok("getChatMenuButton") == {"type": "commands"}


async def test_reset_forgets_state_but_ids_keep_increasing(api: BotApiCaller, client: SandboxClient, user: int) -> None:
    before = await api.ok("getUpdates")
    await api.ok("sendMessage", chat_id=user, text="x")
    await client.reset()
    assert await client.users() == []
    assert (await client.calls())["calls"] == []
    _, description = await api.error("sendMessage", chat_id=user, text="x")
    assert description == "Bad Request: chat not found"
    await client.create_user(user, "Siti")
    again: dict[str, Any] = await client.say(user, "/start")  # type: ignore[assignment]
    assert again["message"]["message_id"] == 1  # a fresh chat
    assert again["update_id"] > before[-1]["update_id"]  # a polling bot's old offset still sees it


async def test_get_chat_and_bot_texts(api: BotApiCaller, user: int) -> None:
    chat = await api.ok("getChat", chat_id=user)
    assert (chat["id"], chat["type"], chat["username"]) == (user, "private", "siti")
    await api.ok("setMyDescription", description="Bot pelaporan Jamsosratu")
    assert await api.ok("getMyDescription", language_code="en") == {"description": "Bot pelaporan Jamsosratu"}
    assert await api.ok("close") is True
