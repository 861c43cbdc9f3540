"""Issue 18: someone whose number is not on the roster is told whom to contact — once; for a day after that the
bot stays silent to them (held in the database: across a restart too), and they can still get in once added."""

from __future__ import annotations

import pytest

from models import users
from models.db import Database
from models.tables import Role
from tests.e2e.conftest import BotUnderTest, PersonFactory
from tests.e2e.harness import Clock

PHONE = "6281377700001"  # as Telegram sends it


async def test_a_refused_stranger_is_told_whom_to_contact_once_then_left_in_peace(
    person: PersonFactory, db: Database, bot: BotUnderTest, clock: Clock
) -> None:
    chat = await person(8851, "Rina")
    assert "Bagikan nomor" in (await chat.say("/start")).buttons()[0]
    refused = await chat.share_contact(PHONE)
    assert "belum terdaftar" in refused.text
    assert "hubungi koordinator Jamsosratu di Dinas Sosial kabupaten/kota Anda" in refused.text
    assert "Ketik /start" not in refused.text
    _, button = chat.find_button("Bagikan nomor")  # the way back in stays at hand
    assert button.get("request_contact") is True

    for said in ("/kpm Siti", "halo", "/start", "/bantuan", "/lapor", "/tidakada", "/bahasa"):
        assert (await chat.say(said)).messages == [], said
    assert (await chat.share_contact(PHONE)).messages == []  # refused again: not told again
    await bot.restart()  # the silence is in the database, not in a process
    clock.advance(hours=23)
    assert (await chat.say("/kpm Siti")).messages == []

    clock.advance(hours=1, minutes=1)  # a day later the bot answers once more
    assert "belum terdaftar" in (await chat.say("/kpm Siti")).text


async def test_added_to_the_roster_the_same_day_the_stranger_gets_in(person: PersonFactory, db: Database) -> None:
    chat = await person(8852, "Rina")
    assert "belum terdaftar" in (await chat.share_contact(PHONE)).text
    assert (await chat.say("/jadwal")).messages == []
    async with db.session() as session:
        await users.add_user(session, name="Rina Marlina", phone="0" + PHONE[2:], role=Role.PENDAMPING, area="36.02.05")
    welcome = await chat.share_contact(PHONE)
    assert "Rina Marlina" in welcome.text
    assert "Jadwal" in (await chat.say("/jadwal")).text


async def test_the_configured_admin_contact_is_named(
    person: PersonFactory, bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JSIKA_ADMIN_CONTACT", "Ibu Ratna <Dinsos Banten>, 0812-0000-1111")
    await bot.restart()  # settings are read when the application is built
    chat = await person(8853, "Rina")
    refused = (await chat.share_contact(PHONE)).text
    assert "Untuk didaftarkan, hubungi Ibu Ratna <Dinsos Banten>, 0812-0000-1111." in refused
