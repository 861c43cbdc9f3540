"""Bad input never breaks the bot: whatever a client (or a forger) sends, the running bot answers politely or
stays silent where Telegram's conventions expect silence, never shows a traceback, and still answers /bantuan.

Everything goes through the sandbox over HTTP to the real PTB application. Updates the simulated clients cannot
produce (edited messages, channel posts, stickers, voice notes) are queued raw with ``SandboxClient.inject``.
The error handler's log line (``handler failed for update``) is the crash detector: any exception in a handler
ends up there, and the person would see the "Maaf, terjadi gangguan" sentence.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from bot.sandbox.client import SandboxClient
from models.db import Database
from models.tables import Role
from tests.e2e.conftest import PersonFactory
from tests.e2e.harness import BotReply, Chat, update_id
from tests.e2e.test_report import TG, _form, _world
from tests.factories import make_user

SORRY = "Maaf, terjadi gangguan"
LEAKS = ("Traceback", "Exception", "Error:", 'File "', "sqlalchemy", "asyncpg", "aiosqlite", "telegram.error")

# Every callback prefix a handler matches (grep "pattern=" handlers/), plus none at all.
PREFIXES = [
    "lang:",
    "rl:ok:",
    "sv:ek:",
    "sv:tg:",
    "sv:um:",
    "sv:tj:",
    "sv:tj:dc:",
    "sv:dc:",
    "sv:rj:",
    "sv:kp:",
    "sv:gd:",
    "sv:pd:",
    "sv:pl:",
    "sv:rk:",
    "sv:gr:",
    "sv:py:",
    "sv:py:v:",
    "sv:py:d:ok:",
    "sv:py:s:ya:",
    "sv:py:e:",
    "hh:",
    "riwayat:",
    "rv:",
    "lapor:",
    "f:",
    "jadwal:",
    "snooze:",
    "atur:",
    "",
]
GARBAGE = [
    "",
    "x",
    "-1",
    "99999999999999999999",  # overflows SQLite's INTEGER and PostgreSQL's int4
    "²",  # str.isdigit() says yes, int() says no
    "a:b:c:d:e",
    "ZZZZZZZZ:9:ya",
    "\u200f😀\x00%s{0}",
]
ODD_TEXTS = [
    "x" * 4096,
    "\u200f\u202eعكس النص\u202c",  # RTL mark + override
    "👨\u200d👩\u200d👧\u200d👦 keluarga",  # zero-width joiners
    "\u200b\u200c\u2060\ufeff",  # nothing but invisible characters
    "nul\x00\x01\x07\x1b[31mmerah",  # NUL-ish controls and an ANSI escape
    "<b>tebal</b> *md* _x_ [a](http://x) `kode`",  # markup the bot must not interpret
    "\ud7ff\ue000\U0010ffff",  # edges of the code space
    "   ",
    "/",
    "/lapor@bot_lain",
    "/bantuan " + "ü" * 3000,
]


def _user(chat: Chat) -> dict[str, Any]:
    return {"id": chat.id, "is_bot": False, "first_name": chat.user["first_name"], "language_code": "id"}


def _private(chat: Chat) -> dict[str, Any]:
    return {"id": chat.id, "type": "private", "first_name": chat.user["first_name"]}


class Sweep:
    """Sends bad input and checks every bot message that follows it."""

    def __init__(self, chat: Chat, client: SandboxClient, caplog: pytest.LogCaptureFixture) -> None:
        self.chat, self.client, self.caplog = chat, client, caplog
        self.message_id = 10_000

    def check(self, reply: BotReply, what: str) -> BotReply:
        for message in reply.messages:
            text = str(message.get("text") or message.get("caption") or "")
            assert SORRY not in text, f"{what}: the bot failed on it"
            for leak in LEAKS:
                assert leak not in text, f"{what}: internals shown to the person: {text[:300]!r}"
        failures = [r for r in self.caplog.records if r.levelno >= logging.ERROR]
        assert not failures, f"{what}: {failures[0].getMessage()}"
        return reply

    async def say(self, text: str) -> BotReply:
        return self.check(await self.chat.say(text), f"text {text[:40]!r}")

    async def raw(self, kind: str, payload: dict[str, Any], *, force: bool = False) -> BotReply:
        sent = await self.client.inject(kind, payload, force=force)
        if sent["update_id"] is None:  # filtered out by allowed_updates, as Telegram does
            return BotReply()
        await self.chat.tracker.wait_done(update_id(sent))
        return self.check(await self.chat.collect(), f"raw {kind} {str(payload)[:60]}")

    def message(self, **content: Any) -> dict[str, Any]:
        self.message_id += 1
        return {
            "message_id": self.message_id,
            "from": _user(self.chat),
            "chat": _private(self.chat),
            "date": int(time.time()),
            **content,
        }

    async def still_helps(self) -> None:
        reply = await self.say("/bantuan")
        assert reply.messages, "the bot no longer answers /bantuan"


async def _non_message_updates(sweep: Sweep, chat: Chat) -> None:
    """Edited messages, channel posts, stickers, voice, video notes, polls, dice: silence or a hint, no crash."""
    said = await chat.client.say(chat.id, "/bantuan", from_id=chat.id)
    await chat.tracker.wait_done(update_id(said))
    await chat.collect()
    original = dict(said["message"])
    edited = {**original, "text": "/lapor", "edit_date": int(time.time())}
    edited["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]
    assert not (await sweep.raw("edited_message", edited)).messages  # an edit is not a new command
    edited_text = {**original, "text": "teks diubah", "edit_date": int(time.time())}
    edited_text.pop("entities", None)
    assert not (await sweep.raw("edited_message", edited_text)).messages

    channel = {"id": -1001234567890, "type": "channel", "title": "Kanal Dinsos"}
    post = {"message_id": 7, "sender_chat": channel, "chat": channel, "date": int(time.time()), "text": "/bantuan"}
    assert (await chat.client.inject("channel_post", post))["update_id"] is None  # not in allowed_updates
    assert not (
        await sweep.raw("channel_post", post, force=True)
    ).messages  # delivered anyway (an old webhook's filters)
    assert not (await sweep.raw("edited_channel_post", {**post, "edit_date": int(time.time())}, force=True)).messages

    sticker = {
        "file_id": "CAACAgIAAxkBAAIBZ2VtZXN0aWNrZXI",
        "file_unique_id": "AgADstik",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
    }
    voice = {"file_id": "AwACAgIAAxkBAAIBvoice", "file_unique_id": "AgADvoice", "duration": 3, "mime_type": "audio/ogg"}
    for content in (
        {"sticker": sticker},
        {"voice": voice},
        {"video_note": {"file_id": "DQACvn", "file_unique_id": "AgADvn", "length": 240, "duration": 2}},
        {"dice": {"emoji": "🎲", "value": 4}},
        {"text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}], "via_bot": _user(chat)},
        {"new_chat_title": "judul"},
        {"text": "tanpa pengirim"},
    ):
        payload = sweep.message(**content)
        if "tanpa pengirim" in str(content):
            payload.pop("from")
        reply = await sweep.raw("message", payload)
        assert len(reply.messages) <= 1, f"{content}: answered more than once"
    reaction = {
        "chat": _private(chat),
        "message_id": 1,
        "user": _user(chat),
        "date": int(time.time()),
        "old_reaction": [],
        "new_reaction": [{"type": "emoji", "emoji": "👍"}],
    }
    await sweep.raw("message_reaction", reaction, force=True)


async def test_odd_updates_and_texts_from_a_guest_get_a_hint_or_silence(
    person: PersonFactory, sandbox_client: SandboxClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    chat = await person(8801, "Tamu")
    sweep = Sweep(chat, sandbox_client, caplog)
    await _non_message_updates(sweep, chat)
    for text in ODD_TEXTS:
        reply = await sweep.say(text)
        assert len(reply.messages) <= 1, f"{text[:30]!r}: answered more than once"
    reply = sweep.check(await chat.share_contact("6281299990000", own=False, owner_id=4444), "foreign contact")
    assert "nomor Anda sendiri" in reply.text
    reply = sweep.check(await chat.send_location(-6.1, 106.1), "location")
    document = await sandbox_client.send_document(chat.id, b"%PDF-1.4 x", filename="a.pdf", from_id=chat.id)
    await chat.tracker.wait_done(update_id(document))
    sweep.check(await chat.collect(), "document")
    await sweep.still_helps()


async def test_odd_input_inside_an_open_report_never_breaks_it(
    person: PersonFactory, db: Database, sandbox_client: SandboxClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    await _world(db)
    chat = await person(TG, "Siti")
    sweep = Sweep(chat, sandbox_client, caplog)
    await chat.say("/lapor")
    await chat.press("Hidayat")
    for text in ODD_TEXTS[:7]:  # at the date question: each refused with the question asked again
        reply = await sweep.say(text)
        assert "Tanggal kunjungan?" in reply.text, f"{text[:30]!r}: {reply.text[:200]!r}"
    assert "tanggal" not in (await _form(db)).answers
    sweep.check(await chat.send_location(-6.1, 106.1), "location at a date question")
    sweep.check(await chat.share_contact("6281299990000", own=False, owner_id=4444), "foreign contact in a report")
    document = await sandbox_client.send_document(chat.id, b"x", filename="foto.heic", from_id=chat.id)
    await chat.tracker.wait_done(update_id(document))
    sweep.check(await chat.collect(), "document in a report")
    await _non_message_updates(sweep, chat)

    await chat.press("Hari ini")
    await chat.press("Tidak", exact=True)
    reply = await chat.press("Tidak ada di rumah")
    assert "Catatan tambahan" in reply.text
    reply = await sweep.say("panjang " * 490)
    assert "Jawaban terlalu panjang" in reply.text and "Catatan tambahan" in reply.text
    reply = await sweep.say("catatan\x00dengan NUL \u200f\u200d 👨\u200d👩\u200d👧 <b>" + "panjang " * 115)
    assert "Ringkasan laporan" in reply.text  # the longest note fits: the summary was sent, not refused
    notes = (await _form(db)).answers
    assert any("catatan" in str(v) for v in notes.values())
    reply = await chat.press("Kirim laporan")
    assert "Laporan terkirim" in reply.text
    await sweep.still_helps()


@pytest.mark.parametrize("role", [Role.PENDAMPING, Role.KOORDINATOR])
async def test_forged_callback_data_for_every_prefix_is_answered_and_changes_nothing(
    role: Role,
    person: PersonFactory,
    db: Database,
    sandbox_client: SandboxClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR)
    if role is Role.PENDAMPING:
        await _world(db)
    else:
        async with db.session() as s:
            await make_user(s, Role.KOORDINATOR, "36.01", telegram_id=TG, name="Pak Dedi")
    chat = await person(TG, "Orang")
    sweep = Sweep(chat, sandbox_client, caplog)
    reply = await chat.say("/bantuan")
    target = int(reply.last["message_id"])
    before = reply.last["text"]
    sent = {}
    for prefix in PREFIXES:  # queued all at once, then waited for: the bot takes them one by one, in order
        for junk in GARBAGE:
            data = (prefix + junk).encode()[:64].decode(errors="ignore")
            pressed = await sandbox_client.press(chat.id, target, data, from_id=chat.id, force=True)
            sent[update_id(pressed)] = (data, pressed["callback_query_id"])
    for pressed_id in sent:
        await chat.tracker.wait_done(pressed_id)
    failed = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failed, (failed[:3], {u: d for u, (d, _) in sent.items() if f"update {u}" in " ".join(failed)})
    sweep.check(await chat.collect(), "forged callbacks")
    unanswered = [data for data, query in sent.values() if not (await sandbox_client.callback(query))["answered"]]
    assert not unanswered, f"buttons left spinning: {unanswered[:10]}"
    messages = (await sandbox_client.messages(chat.id))["messages"]
    shown = next(m for m in messages if m["message_id"] == target)
    assert shown["text"] == before and not shown["deleted"]  # no forged press rewrote the help message
    await sweep.still_helps()
