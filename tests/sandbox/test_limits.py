"""Flood limits (429 with retry_after) and users who blocked the bot (403), as Telegram answers them."""

from __future__ import annotations

import asyncio

import pytest

from bot.sandbox.client import SandboxClient
from bot.sandbox.config import SandboxConfig
from bot.sandbox.ratelimit import RateLimiter
from tests.sandbox.conftest import BotApiCaller


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    # The global bucket refills slowly here so that a slow machine cannot sneak an extra message through.
    return SandboxConfig(rate_limits=True, global_rate=0.2, global_burst=30, chat_rate=1, chat_burst=3)


async def test_per_chat_limit_allows_a_burst_then_429(api: BotApiCaller, user: int) -> None:
    for index in range(3):
        await api.ok("sendMessage", chat_id=user, text=f"burst {index}")
    status, body = await api("sendMessage", chat_id=user, text="one too many")
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    # edits count as sending too; getUpdates, answerCallbackQuery and chat actions do not
    status, _ = await api("editMessageText", chat_id=user, message_id=2, text="changed")
    assert status == 429
    assert await api.ok("sendChatAction", chat_id=user, action="typing") is True
    assert await api.ok("getUpdates") is not None
    await asyncio.sleep(1.05)  # one token refills per second
    await api.ok("sendMessage", chat_id=user, text="after the wait")
    status, _ = await api("sendMessage", chat_id=user, text="and again too fast")
    assert status == 429


async def test_a_refused_call_sends_nothing(api: BotApiCaller, client: SandboxClient, user: int) -> None:
    for _ in range(5):
        await api("sendMessage", chat_id=user, text="spam")
    sent = [m for m in (await client.messages(user))["messages"] if m["from_bot"]]
    assert len(sent) == 3
    assert [m["message_id"] for m in sent] == [2, 3, 4]  # no ids consumed by refused calls


async def test_global_limit_across_chats(client: SandboxClient, api: BotApiCaller) -> None:
    for user_id in range(1, 41):
        await client.create_user(user_id, f"U{user_id}")
    answers = [await api("sendMessage", chat_id=user_id, text="broadcast") for user_id in range(1, 41)]
    statuses = [status for status, _ in answers]
    assert statuses.count(200) == 30  # the global burst
    assert set(statuses[30:]) == {429}
    assert answers[-1][1]["parameters"]["retry_after"] == 5  # one token per 5 s at 0.2/s


def test_token_bucket_retry_after_grows_with_debt() -> None:
    now = [0.0]
    limiter = RateLimiter(SandboxConfig(chat_rate=0.25, chat_burst=1), clock=lambda: now[0])
    limiter.charge(7)
    with pytest.raises(Exception) as caught:
        limiter.charge(7)
    assert getattr(caught.value, "retry_after", None) == 4  # one message per 4 s
    now[0] = 4.0
    limiter.charge(7)
    limiter.enabled = False
    for _ in range(100):
        limiter.charge(7)


async def test_blocked_user_gets_403_and_bot_gets_my_chat_member(
    api: BotApiCaller, client: SandboxClient, user: int
) -> None:
    updates = await api.ok("getUpdates")
    offset = updates[-1]["update_id"] + 1
    await client.block(user)
    status, description = await api.error("sendMessage", chat_id=user, text="reminder")
    assert (status, description) == (403, "Forbidden: bot was blocked by the user")
    status, description = await api.error("sendPhoto", chat_id=user, photo="anything")
    assert status == 403
    updates = await api.ok("getUpdates", offset=offset)
    assert updates[0]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(Exception, match="409"):
        await client.say(user, "hello?")  # a blocked user cannot write without unblocking
    await client.unblock(user)
    await api.ok("sendMessage", chat_id=user, text="welcome back")


async def test_unknown_chat_is_400(api: BotApiCaller) -> None:
    status, description = await api.error("sendMessage", chat_id=424242, text="x")
    assert (status, description) == (400, "Bad Request: chat not found")
