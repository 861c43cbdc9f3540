"""Issue 18, Broken 1: a command followed by the longest text Telegram lets a person send is answered politely,
quoting at most a short excerpt of it — never "Maaf, terjadi gangguan" (the whole argument quoted back used to
push the answer past Telegram's 4,096 characters, and the sandbox refuses that just as Telegram does)."""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from models.db import Database
from tests.e2e.conftest import BotUnderTest, PersonFactory
from tests.e2e.harness import Chat
from tests.supervisor_world import PHONES, build

MAX_MESSAGE = 4096  # the longest text a Telegram client sends as one message


def long_message(command: str) -> str:
    words = ("kampung sukamaju " * 300).strip()
    return (f"/{command} {words}")[:MAX_MESSAGE]


async def _signed_in(person: PersonFactory, key: str, telegram_id: int) -> Chat:
    chat = await person(telegram_id, key.title())
    await chat.share_contact("62" + PHONES[key][1:])
    return chat


@pytest.mark.parametrize(
    "command", ["kpm", "pendamping", "ringkasan", "tunggakan", "kepatuhan", "grafik", "ekspor", "graduasi", "tinjau"]
)
async def test_a_command_with_a_4096_character_argument_answers_politely_with_a_short_excerpt(
    person: PersonFactory, db: Database, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    await build(db)
    dedi = await _signed_in(person, "dedi", 8101)
    message = long_message(command)
    assert len(message) == MAX_MESSAGE
    reply = await dedi.say(message)
    assert reply.messages, "the bot did not answer"
    assert "Maaf, terjadi gangguan" not in reply.text
    assert "kampung sukamaju " * 4 not in reply.text  # an excerpt of at most 60 characters, not the paste
    for sent in reply.messages:
        assert len(sent.get("text") or "") <= 4096 and len(sent.get("caption") or "") <= 1024
    # fixed where the answer is written: the last-line guard (bot/guard.py) did not have to cut anything
    assert not [r for r in caplog.records if "shortened to Telegram's limits" in r.getMessage()]


async def test_a_text_or_keyboard_built_too_big_still_arrives_shortened_not_refused(
    person: PersonFactory, bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    """The last line: whatever a handler builds, the call that leaves the bot fits (bot/guard.py) — the sandbox
    refuses a 4,097-character text or a 101st button exactly as Telegram does, so this would fail without it."""
    chat = await person(8102, "Siti")
    assert bot.application is not None
    rows = [[InlineKeyboardButton(f"{i}", callback_data=f"x:{i}")] for i in range(150)]
    lines = "".join(f"• <b>Keluarga {i}</b> — desa Muncang\n" for i in range(300))
    await bot.application.bot.send_message(chat.id, lines, parse_mode="HTML", reply_markup=InlineKeyboardMarkup(rows))
    [sent] = (await chat.collect()).messages
    assert len(sent["text"]) == 4096 and sent["text"].endswith("…")
    assert sum(len(row) for row in sent["reply_markup"]["inline_keyboard"]) == 100
    assert any("shortened to Telegram's limits" in r.getMessage() for r in caplog.records)
