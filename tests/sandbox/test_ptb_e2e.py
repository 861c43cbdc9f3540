"""Smoke test: the real python-telegram-bot Application answers /start through the sandbox.

Polling and webhook mode both, with an inline keyboard, a button press and an edit, so PTB's own request
encoding (form data with JSON-encoded fields) and object decoding are exercised end to end.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.sandbox.apispec import load_spec
from bot.sandbox.client import SandboxClient
from bot.sandbox.runner import SandboxHandle

USER = 6281


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_user is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Daftar", callback_data="register")]])
    await update.effective_message.reply_html(
        f"Selamat datang, <b>{update.effective_user.first_name}</b>!", reply_markup=keyboard
    )


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Tercatat")
    await query.edit_message_text(f"Pilihan: {query.data}")


def build_app(sandbox: SandboxHandle) -> Application:
    app = (
        ApplicationBuilder()
        .token("123456:TEST")
        .base_url(sandbox.bot_api_base_url)
        .base_file_url(sandbox.file_base_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def converse(client: SandboxClient) -> None:
    """/start → greeting with a button → press → the greeting is edited and the press answered."""
    await client.create_user(USER, "Rina", language_code="id")
    said = await client.say(USER, "/start")
    result = await client.wait(USER, after=said["cursor"], timeout=10)
    assert len(result["events"]) == 1, result
    greeting = result["events"][0]["message"]
    assert greeting["text"] == "Selamat datang, Rina!"
    assert greeting["entities"] == [{"type": "bold", "offset": 16, "length": 4}]
    assert greeting["reply_to_message_id"] is None
    assert greeting["reply_markup"] == {"inline_keyboard": [[{"text": "Daftar", "callback_data": "register"}]]}
    press = await client.press(USER, greeting["message_id"], "register")
    edited = await client.wait(USER, after=result["cursor"], timeout=10)
    assert [(e["kind"], e["message"]["text"]) for e in edited["events"]] == [("edited", "Pilihan: register")]
    answer = await client.callback(press["callback_query_id"], timeout=5)
    assert answer["answer"] is not None and answer["answer"]["text"] == "Tercatat"


@pytest.fixture
async def app(sandbox: SandboxHandle) -> AsyncIterator[Application]:
    application = build_app(sandbox)
    async with application:
        yield application
        if application.running:
            await application.stop()


async def test_polling(app: Application, client: SandboxClient) -> None:
    assert app.bot.username == "jsika_sandbox_bot"  # getMe went through the sandbox
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        await converse(client)
    finally:
        await app.updater.stop()
    methods = [call["method"] for call in (await client.calls())["calls"]]
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage", "answerCallbackQuery", "editMessageText"} <= set(
        methods
    )
    assert all(call["ok"] for call in (await client.calls())["calls"] if call["method"] != "getUpdates")


async def test_webhook(app: Application, client: SandboxClient) -> None:
    port = free_port()
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="telegram",
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        secret_token="rahasia-123",
    )
    try:
        info = await client.webhook()
        assert info["url"] == f"http://127.0.0.1:{port}/telegram" and info["secret_token_set"]
        await converse(client)
        assert (await client.webhook())["delivered"] == 2
    finally:
        await app.updater.stop()


async def test_ptb_bot_methods_decode_what_the_sandbox_returns(
    app: Application,
    client: SandboxClient,
) -> None:
    """PTB's own calls and object decoding for the rest of the surface the bot uses."""
    from telegram import BotCommand, BotCommandScopeChat, MenuButtonCommands

    from tests.sandbox.conftest import png_bytes

    await client.create_user(USER, "Rina")
    bot = app.bot
    picture = png_bytes(5, 4)
    photo = await bot.send_photo(USER, photo=picture, caption="foto")
    assert photo.photo[-1].width == 5 and photo.caption == "foto"
    downloaded = await (await bot.get_file(photo.photo[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == picture
    document = await bot.send_document(USER, document=b"a,b\n", filename="data.csv")
    assert document.document is not None and document.document.file_name == "data.csv"
    location = await bot.send_location(USER, latitude=-6.12, longitude=106.15)
    assert location.location is not None and location.location.latitude == -6.12
    assert await bot.send_chat_action(USER, "typing")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(USER, "pilih", reply_markup=keyboard)
    edited = await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=None)
    assert not isinstance(edited, bool) and edited.reply_markup is None and edited.edit_date is not None
    assert await bot.delete_message(USER, sent.message_id)
    scope = BotCommandScopeChat(USER)
    assert await bot.set_my_commands([BotCommand("lapor", "Laporan")], scope=scope)
    assert [c.command for c in await bot.get_my_commands(scope=scope)] == ["lapor"]
    assert await bot.set_chat_menu_button(USER, MenuButtonCommands())
    assert isinstance(await bot.get_chat_menu_button(USER), MenuButtonCommands)
    assert (await bot.get_chat(USER)).first_name == "Rina"
    assert await bot.set_webhook("")  # an empty URL removes the webhook, as in Telegram
    assert (await bot.get_webhook_info()).url == ""
    await client.say(USER, "/start")
    await client.block(USER)
    assert len(await bot.get_updates()) == 2  # the message and my_chat_member, both decoded by PTB
    # every result the sandbox gave is a valid object of the type the spec declares for that method
    spec = load_spec()
    calls = (await client.calls())["calls"]
    assert len(calls) >= 17
    for call in calls:
        assert call["ok"], call
        method = spec.method(call["method"])
        assert method is not None
        spec.check_result(method, call["result"])
