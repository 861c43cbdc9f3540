"""getUpdates long polling: offsets, limits, allowed_updates and the conflicts Telegram reports."""

from __future__ import annotations

import asyncio
import time

from bot.sandbox.client import SandboxClient
from tests.sandbox.conftest import BotApiCaller


async def test_long_poll_returns_as_soon_as_an_update_arrives(api: BotApiCaller, client: SandboxClient) -> None:
    await client.create_user(7, "Budi")
    started = time.monotonic()
    poll = asyncio.create_task(api.ok("getUpdates", timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()  # nothing to deliver yet: it waits
    sent = await client.say(7, "/start")
    updates = await asyncio.wait_for(poll, timeout=2)
    assert time.monotonic() - started < 2
    assert [u["update_id"] for u in updates] == [sent["update_id"]]
    message = updates[0]["message"]
    assert message["text"] == "/start"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["chat"] == {"id": 7, "type": "private", "first_name": "Budi"}
    assert message["from"]["is_bot"] is False


async def test_timeout_without_updates_returns_empty(api: BotApiCaller) -> None:
    started = time.monotonic()
    assert await api.ok("getUpdates", timeout=1) == []
    assert 0.9 < time.monotonic() - started < 3


async def test_offset_confirms_and_limit_pages(api: BotApiCaller, client: SandboxClient) -> None:
    await client.create_user(7, "Budi")
    ids = [int((await client.say(7, f"m{index}"))["update_id"] or 0) for index in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5 and ids[0] > 0
    first = await api.ok("getUpdates", limit=2)
    assert [u["update_id"] for u in first] == ids[:2]
    assert [u["update_id"] for u in await api.ok("getUpdates", limit=2)] == ids[:2]  # not confirmed yet
    rest = await api.ok("getUpdates", offset=ids[1] + 1)
    assert [u["update_id"] for u in rest] == ids[2:]
    assert [u["update_id"] for u in await api.ok("getUpdates")] == ids[2:]
    assert [u["update_id"] for u in await api.ok("getUpdates", offset=-1)] == ids[-1:]  # forget all but last
    assert await api.ok("getUpdates", offset=ids[-1] + 1) == []
    # message ids increase per chat; update ids globally
    await client.create_user(8, "Cici")
    other = await client.say(8, "hai")
    assert other["message"]["message_id"] == 1 and other["update_id"] == ids[-1] + 1


async def test_allowed_updates_filters_new_updates(api: BotApiCaller, client: SandboxClient) -> None:
    await client.create_user(7, "Budi")
    bot_message = await api.ok(
        "sendMessage",
        chat_id=7,
        text="pilih",
        reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
    )
    await api.ok("getUpdates", allowed_updates=["callback_query"])
    await client.say(7, "ignored")
    pressed = await client.press(7, bot_message["message_id"], "a")
    updates = await api.ok("getUpdates")
    assert [u["update_id"] for u in updates] == [pressed["update_id"]]
    query = updates[0]["callback_query"]
    assert query["data"] == "a" and query["message"]["message_id"] == bot_message["message_id"]
    assert query["from"]["id"] == 7 and query["chat_instance"]


async def test_second_poller_terminates_the_first_with_409(api: BotApiCaller) -> None:
    first = asyncio.create_task(api("getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(api("getUpdates", timeout=1))
    status, body = await asyncio.wait_for(first, timeout=2)
    assert status == 409
    assert body["description"] == (
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    )
    assert (await second)[0] == 200


async def test_get_updates_conflicts_with_an_active_webhook(api: BotApiCaller) -> None:
    assert await api.ok("setWebhook", url="http://127.0.0.1:9/hook") is True
    status, description = await api.error("getUpdates")
    assert status == 409
    assert description == (
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
    )
    assert await api.ok("deleteWebhook") is True
    assert await api.ok("getUpdates") == []


async def test_delete_webhook_can_drop_pending_updates(api: BotApiCaller, client: SandboxClient) -> None:
    await client.create_user(7, "Budi")
    await client.say(7, "lama")
    await api.ok("deleteWebhook", drop_pending_updates=False)
    assert len(await api.ok("getUpdates")) == 1
    await api.ok("deleteWebhook", drop_pending_updates=True)
    assert await api.ok("getUpdates") == []
    info = await api.ok("getWebhookInfo")
    assert info == {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
