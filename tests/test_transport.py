"""The bot's Bot API transport (``bot/transport.py``): PTB over aiohttp, against the sandbox and bad networks.

Everything the bot sends goes through it, so each kind of request it makes is sent here for real: plain
parameters, an inline keyboard, a photo and a document as multipart uploads; and each way the network can fail
must reach PTB as PTB's own errors, which the outbox and the poller already know how to handle.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot import transport
from bot.sandbox.client import SandboxClient
from bot.sandbox.config import SandboxConfig
from bot.sandbox.runner import SandboxHandle, run_sandbox
from bot.transport import AiohttpRequest, bot_api_request

TOKEN = "123456:TRANSPORT"
CHAT = 4242
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxHandle]:
    async with run_sandbox(SandboxConfig(rate_limits=True)) as handle:
        yield handle


@pytest.fixture
async def people(sandbox: SandboxHandle) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as client:
        await client.create_user(CHAT, "Siti")
        yield client


@pytest.fixture
async def bot(sandbox: SandboxHandle) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=sandbox.bot_api_base_url, request=bot_api_request()) as the_bot:
        yield the_bot


async def test_messages_keyboards_and_edits_arrive_as_sent(bot: Bot, people: SandboxClient) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ya ✅", callback_data="f:ABCD:1:ya")]])
    sent = await bot.send_message(CHAT, "Bertemu dengan keluarga? — Ibu Siti & anak", reply_markup=keyboard)
    await bot.edit_message_text("Tanggal kunjungan?", chat_id=CHAT, message_id=sent.message_id)

    messages = (await people.messages(CHAT))["messages"]
    assert [m["text"] for m in messages] == ["Tanggal kunjungan?"]
    assert sent.reply_markup == keyboard  # PTB parsed the sandbox's answer into the same keyboard


async def test_photo_and_document_uploads_keep_their_bytes_name_and_caption(bot: Bot, people: SandboxClient) -> None:
    photo = await bot.send_photo(CHAT, PNG, caption="Grafik kepatuhan Lebak")
    document = await bot.send_document(
        CHAT, InputFile(b"no_kk,nik\n3601,3601\n", filename="ekspor-lebak.csv"), caption="Ekspor"
    )

    assert photo.caption == "Grafik kepatuhan Lebak"
    assert await people.file(photo.photo[-1].file_id) == PNG
    assert document.document is not None and document.document.file_name == "ekspor-lebak.csv"
    assert await people.file(document.document.file_id) == b"no_kk,nik\n3601,3601\n"


async def test_telegram_refusals_reach_ptb_as_its_own_errors(bot: Bot, people: SandboxClient) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(999_999, "chat yang tidak ada")
    with pytest.raises(RetryAfter):  # the sandbox, like Telegram, allows a short burst per chat, then 429
        for n in range(30):
            await bot.send_message(CHAT, f"pesan {n}")


async def test_a_closed_port_is_a_network_error() -> None:
    request = bot_api_request()
    await request.initialize()  # the request alone: Bot.initialize() would itself call getMe
    try:
        offline = Bot(TOKEN, base_url="http://127.0.0.1:9/bot", request=request, get_updates_request=request)
        with pytest.raises(NetworkError) as raised:
            await offline.get_me()
    finally:
        await request.shutdown()
    assert not isinstance(raised.value, TimedOut)


async def test_a_server_that_never_answers_times_out_after_the_read_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await asyncio.sleep(30)
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest(4, read_timeout=0.3, connect_timeout=1)
    try:
        bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request, get_updates_request=request)
        await request.initialize()  # the request alone: Bot.initialize() would itself call getMe
        started = asyncio.get_running_loop().time()
        with pytest.raises(TimedOut):
            await bot.get_me()
        assert asyncio.get_running_loop().time() - started < 5
    finally:
        await request.shutdown()
        server.close()


async def test_requests_go_through_the_proxy_named_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    me = {"id": 1, "is_bot": True, "first_name": "JSiKa", "username": "jsika_bot"}

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append((await reader.readline()).decode().strip())
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        body = json.dumps({"ok": True, "result": me}).encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
        writer.write(body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(proxy, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("NO_PROXY", "")
    transport._proxy_by_origin.cache_clear()
    try:
        async with Bot(TOKEN, base_url="http://api.telegram.invalid/bot", request=bot_api_request()) as proxied:
            assert proxied.username == "jsika_bot"
        assert seen and seen[0].startswith(f"POST http://api.telegram.invalid/bot{TOKEN}/getMe ")
    finally:
        transport._proxy_by_origin.cache_clear()
        server.close()


def test_no_proxy_hosts_are_reached_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.dinsos.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    transport._proxy_by_origin.cache_clear()
    try:
        assert transport._proxy_for("https://api.telegram.org/bot1:x/getMe") == "http://proxy.dinsos.invalid:3128"
        assert transport._proxy_for("https://127.0.0.1:8081/bot1:x/getMe") is None
    finally:
        transport._proxy_by_origin.cache_clear()
