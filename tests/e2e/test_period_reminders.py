"""The period close's reminders reach Telegram: the koordinator of an unsigned kabupaten/kota on the first working
day after the close, the admin three working days later — through the outbox, the real sender and the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from handlers.callbacks_supervisor import PayoutViewButton
from models.calendar import JAKARTA, WorkCalendar
from models.db import Database
from models.period import Period
from models.tables import Role
from scheduler.planner import plan
from tests.e2e.conftest import BotUnderTest, PersonFactory
from tests.e2e.harness import BotReply
from tests.factories import make_household, make_user
from tests.scheduler.helpers import deliver

CAL = WorkCalendar()


def wib(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=JAKARTA).astimezone(UTC)


async def _plan_and_send(bot: BotUnderTest, db: Database) -> int:
    """Plan and deliver everything due (the weekly digest goes too); how many period-close reminders were new."""
    async with db.session() as session:
        counts = (await plan(session, bot.clock(), CAL)).counts
    assert bot.application is not None
    await deliver(db, bot.application.bot, bot.clock)
    return counts.get("period_signoff", 0) + counts.get("period_unsigned", 0)


def about_the_list(reply: BotReply) -> list[dict[str, Any]]:
    return [m for m in reply.messages if "penyaluran" in str(m.get("text"))]


async def test_sign_off_reminder_then_the_admins_notice_arrive_once(
    bot: BotUnderTest, db: Database, person: PersonFactory
) -> None:
    async with db.session() as s:
        await make_user(s, Role.KOORDINATOR, "36.02", telegram_id=3101, name="Pak Dedi")
        await make_user(s, Role.ADMIN, "36", telegram_id=3102, name="Ibu Ratna")
        await make_household(s, await make_user(s, area="36.02.01"), "36.02.01.2002")
    koordinator = await person(3101, "Dedi")
    admin = await person(3102, "Ratna")

    bot.clock.set(wib(6, 9))  # Friday: October's deadline, the list is not due yet
    assert await _plan_and_send(bot, db) == 0
    assert about_the_list(await koordinator.collect()) == []
    bot.clock.set(wib(9, 9))  # Monday: the first working day after the close
    assert await _plan_and_send(bot, db) == 1
    (asked,) = about_the_list(await koordinator.collect())
    assert "Daftar penyaluran periode Oktober 2026 belum ditandatangani" in asked["text"]
    assert "Kabupaten Lebak" in asked["text"] and "/penyaluran 2026-10" in asked["text"]
    assert BotReply([asked]).buttons() == ["📋 Buka daftar penyaluran", "⏰ Tunda 1 hari"]
    assert await _plan_and_send(bot, db) == 0  # a second run the same day sends nothing
    assert about_the_list(await koordinator.collect()) == []
    assert about_the_list(await admin.collect()) == []

    bot.clock.set(wib(12, 9))  # Thursday, three working days later
    assert await _plan_and_send(bot, db) == 1
    (told,) = about_the_list(await admin.collect())
    assert "1 kabupaten/kota belum menandatangani daftar penyaluran periode Oktober 2026" in told["text"]
    assert "• Kabupaten Lebak" in told["text"] and "Senin, 9 November 2026" in told["text"]
    assert await _plan_and_send(bot, db) == 0
    assert about_the_list(await admin.collect()) == []
    assert about_the_list(await koordinator.collect()) == []


async def test_the_reminders_button_opens_the_list_and_a_forged_one_is_refused(
    bot: BotUnderTest, db: Database, person: PersonFactory
) -> None:
    async with db.session() as s:
        await make_user(s, Role.KOORDINATOR, "36.02", telegram_id=3201, name="Pak Dedi")
        await make_user(s, Role.KOORDINATOR, "36.02.01", telegram_id=3203, name="Bu Kecamatan")
        await make_user(s, Role.ADMIN, "36", telegram_id=3202, name="Ibu Ratna")
        await make_household(s, await make_user(s, area="36.02.01"), "36.02.01.2002")
        await make_household(s, await make_user(s, area="36.03.01"), "36.03.01.2003")
    koordinator, kecamatan, admin = await person(3201, "Dedi"), await person(3203, "Kec"), await person(3202, "Ratna")

    bot.clock.set(wib(9, 9))  # Monday after October's close: the koordinators are asked
    await _plan_and_send(bot, db)
    (asked,) = about_the_list(await koordinator.collect())
    assert "📋 Buka daftar penyaluran" in BotReply([asked]).buttons()
    opened = await koordinator.press("Buka daftar penyaluran")
    text = opened.text
    assert "Daftar penyaluran — Kabupaten Lebak" in text and "Periode Oktober 2026" in text, text
    assert "❔ Belum terverifikasi: 1" in text and "Tangerang" not in text
    for forged in (PayoutViewButton("36.03", Period(2026, 10)).pack(), PayoutViewButton("36", Period(2026, 10)).pack()):
        refused = await koordinator.press_data(asked["message_id"], forged)
        assert "Tangerang" not in refused.text and "seluruh provinsi" not in refused.text, forged
        assert any(w in refused.text for w in ("tidak ditemukan", "di luar wilayah")), (forged, refused.text)

    (theirs,) = about_the_list(await kecamatan.collect())  # a kecamatan's koordinator: their own area's list
    assert "ditandatangani koordinator kabupaten/kota" in theirs["text"]
    own = await kecamatan.press("Buka daftar penyaluran")
    assert "Daftar penyaluran — Malingping" in own.text and "Periode Oktober 2026" in own.text, own.text
    assert not any("Tandatangani" in b for b in own.buttons())

    bot.clock.set(wib(12, 9))  # Thursday: the admin is told, and the button opens the province board
    await _plan_and_send(bot, db)
    (told,) = about_the_list(await admin.collect())
    assert BotReply([told]).buttons() == ["📋 Buka daftar penyaluran", "⏰ Tunda 1 hari"]
    board = await admin.press("Buka daftar penyaluran")
    assert "Daftar penyaluran — seluruh provinsi" in board.text, board.text
    assert "Kabupaten Lebak" in board.text and "Kabupaten Tangerang" in board.text
