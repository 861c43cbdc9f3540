"""A pendamping's morning: the digest arrives with buttons, "tunda 1 hari" brings it back tomorrow — once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.sandbox.client import SandboxClient
from models.calendar import JAKARTA, WorkCalendar
from models.db import Database
from models.tables import Outbox, OutboxStatus, ReminderSetting, Role
from scheduler.planner import plan
from tests.e2e.conftest import BotUnderTest, PersonFactory
from tests.e2e.harness import update_id
from tests.factories import make_household, make_user
from tests.scheduler.helpers import deliver

CAL = WorkCalendar()


def wib(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=JAKARTA).astimezone(UTC)


async def _plan_and_send(bot: BotUnderTest, db: Database) -> int:
    async with db.session() as session:
        await plan(session, bot.clock(), CAL)
    assert bot.application is not None
    report = await deliver(db, bot.application.bot, bot.clock)
    return report.sent


async def test_digest_arrives_and_snooze_brings_it_back_tomorrow_once(
    bot: BotUnderTest, db: Database, person: PersonFactory, sandbox_client: SandboxClient
) -> None:
    async with db.session() as s:
        siti = await make_user(s, telegram_id=1001, name="Siti Aminah")
        await make_household(s, siti, members=[{"name": "Hidayat", "age": 41}])
        await make_household(s, siti, members=[{"name": "Sukardi", "age": 50}])
    chat = await person(1001, "Siti")

    assert await _plan_and_send(bot, db) == 1  # Tuesday 09:00 WIB: within the 07:00 digest's catch-up
    digest = await chat.collect()
    assert "Selamat pagi, Siti Aminah" in digest.text
    assert "2 keluarga belum dikunjungi" in digest.text
    assert {"📝 Lapor: Hidayat", "📝 Lapor: Sukardi", "📋 Lihat daftar", "⏰ Tunda 1 hari"} <= set(digest.buttons())
    _, report_button = chat.find_button("Lapor: Hidayat")
    assert str(report_button["callback_data"]).startswith("lapor:")

    message_id, snooze_button = chat.find_button("Tunda 1 hari")
    pressed = await sandbox_client.press(chat.id, message_id, str(snooze_button["callback_data"]), from_id=chat.id)
    await bot.tracker.wait_done(update_id(pressed))
    answer = (await sandbox_client.callback(pressed["callback_query_id"]))["answer"]
    assert (
        answer is not None
        and "Diingatkan lagi" in str(answer["text"])
        and "Rabu, 25 November 2026 pukul 09.00" in str(answer["text"])
    )
    edited = await chat.collect()
    assert "⏰ Tunda 1 hari" not in edited.buttons() and "📋 Lihat daftar" in edited.buttons()

    again = await sandbox_client.press(
        chat.id, message_id, str(snooze_button["callback_data"]), from_id=chat.id, force=True
    )
    await bot.tracker.wait_done(update_id(again))
    assert "sudah ditunda" in str((await sandbox_client.callback(again["callback_query_id"]))["answer"])
    async with db.session() as s:
        copies = list(await s.scalars(select(Outbox).where(Outbox.dedupe_key.like("snooze:%"))))
    assert [(c.kind, c.not_before, c.status) for c in copies] == [("digest", wib(25, 9), OutboxStatus.QUEUED)]

    bot.clock.set(wib(25, 8))
    assert bot.application is not None
    assert (await deliver(db, bot.application.bot, bot.clock)).sent == 0
    bot.clock.set(wib(25, 9))
    assert (await deliver(db, bot.application.bot, bot.clock)).sent == 1
    tomorrow = await chat.collect()
    assert "Selamat pagi" in tomorrow.text and "⏰ Tunda 1 hari" not in tomorrow.buttons()


async def test_pendamping_picks_digest_hour_and_mutes_event_reminders(
    bot: BotUnderTest, db: Database, person: PersonFactory
) -> None:
    async with db.session() as s:
        siti = await make_user(s, telegram_id=1002, name="Siti")
    chat = await person(1002, "Siti")
    shown = await chat.say("/pengaturan")
    assert "pukul 07.00" in shown.text
    changed = await chat.press("09.00")
    assert "pukul 09.00" in changed.text
    muted = await chat.press("Matikan pengingat komitmen")
    assert "dimatikan" in muted.text and "Nyalakan" in " ".join(muted.buttons())
    async with db.session() as s:
        setting = await s.get(ReminderSetting, siti.id)
        assert setting is not None and (setting.digest_hour, setting.mute_events) == (9, True)
    forged = await chat.press_data(next(iter(chat.bot_messages)), "atur:jam:23")
    assert forged.messages == []  # refused with a toast, nothing changed
    async with db.session() as s:
        assert (await s.get(ReminderSetting, siti.id)).digest_hour == 9  # type: ignore[union-attr]


async def test_admin_sees_counts_by_kind_and_blocking_stops_reminders(
    bot: BotUnderTest, db: Database, person: PersonFactory, sandbox_client: SandboxClient
) -> None:
    async with db.session() as s:
        await make_user(s, Role.ADMIN, telegram_id=1003, name="Admin Dinsos")
        siti = await make_user(s, telegram_id=1004, name="Siti")
        await make_household(s, siti)
    admin = await person(1003, "Admin")
    await person(1004, "Siti")
    assert await _plan_and_send(bot, db) == 1
    counts = await admin.say("/pengingat")
    assert "ringkasan pagi: 1 terkirim" in counts.text

    await sandbox_client.block(1004)
    async with asyncio.timeout(10):  # the my_chat_member update is handled in the background
        while True:
            async with db.session() as s:
                setting = await s.get(ReminderSetting, siti.id)
                if setting is not None and setting.unreachable_since is not None:
                    break
            await asyncio.sleep(0.02)
    bot.clock.advance(days=1)
    async with db.session() as s:
        report = await plan(s, bot.clock() - timedelta(hours=2), CAL)
    assert report.counts["digest"] == 0


async def test_report_button_on_a_reminder_opens_the_visit_report(
    bot: BotUnderTest, db: Database, person: PersonFactory
) -> None:
    async with db.session() as s:
        siti = await make_user(s, telegram_id=1005, name="Siti")
        await make_household(s, siti, members=[{"name": "Hidayat", "age": 41}])
    chat = await person(1005, "Siti")
    assert await _plan_and_send(bot, db) == 1
    await chat.collect()
    opened = await chat.press("Lapor: Hidayat")
    assert "Hidayat" in opened.text and opened.buttons()
