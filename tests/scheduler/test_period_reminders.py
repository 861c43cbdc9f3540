"""The period close's reminders (issue 21): koordinators asked to sign on the first working day after the close,
admins told who has not three working days later — on real Indonesian dates, once, and never for a signed list.

October 2026 closes after Friday 6 November (Jamsosratu's 5th working day; JSCM's 3rd is earlier): the
koordinators hear on Monday 9 November, the admins on Thursday 12 November.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from handlers.reminder_composer import compose
from handlers.render import period_reminders as render
from handlers.render.limits import MAX_TEXT, visible_length
from models.actor import Actor
from models.calendar import JAKARTA, WorkCalendar
from models.db import Database
from models.outbox import Message
from models.period import Period
from models.queries.period_reminders import Unsigned
from models.rules import shipped_programmes
from models.tables import Outbox, PeriodSignoff, Role, User
from scheduler.planner import PlannerConfig, plan, signoff_days
from tests.factories import make_household, make_user

CAL = WorkCalendar()
OCT = Period(2026, 10)
LEBAK, TANGERANG, SERANG = "36.02.01.2002", "36.03.01.2003", "36.04.01.2001"


def wib(year: int, month: int, day: int, hour: int = 5, minute: int = 50) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JAKARTA).astimezone(UTC)


async def rows(db: Database, kind: str) -> list[Outbox]:
    async with db.session() as s:
        return list(await s.scalars(select(Outbox).where(Outbox.kind == kind).order_by(Outbox.chat_id)))


async def run(db: Database, now: datetime, calendar: WorkCalendar = CAL, config: PlannerConfig | None = None) -> int:
    async with db.session() as s:
        counts = (await plan(s, now, calendar, config)).counts
    return counts.get("period_signoff", 0) + counts.get("period_unsigned", 0)


async def province(db: Database) -> dict[str, User]:
    """Lebak (unsigned) with a kabupaten and a kecamatan koordinator, Tangerang signed, Serang's koordinator
    without households, an admin; households in Lebak and Tangerang."""
    async with db.session() as s:
        people = {
            "lebak": await make_user(s, Role.KOORDINATOR, "36.02", telegram_id=21001, name="Pak Dedi"),
            "kecamatan": await make_user(s, Role.KOORDINATOR, "36.02.01", telegram_id=21002, name="Bu Ani"),
            "tangerang": await make_user(s, Role.KOORDINATOR, "36.03", telegram_id=21003, name="Pak Joko"),
            "serang": await make_user(s, Role.KOORDINATOR, "36.04", telegram_id=21004, name="Bu Wati"),
            "admin": await make_user(s, Role.ADMIN, "36", telegram_id=21005, name="Ibu Ratna", language="en"),
            "pendamping": await make_user(s, telegram_id=21006),
        }
        await make_household(s, people["pendamping"], LEBAK)
        await make_household(s, people["pendamping"], TANGERANG)
        s.add(
            PeriodSignoff(
                area_code="36.03", period=str(OCT), signed_by=people["tangerang"].id, signed_at=wib(2026, 11, 7)
            )
        )
    return people


def test_the_days_follow_the_last_programmes_deadline_and_skip_holidays() -> None:
    programmes = shipped_programmes()
    assert signoff_days(OCT, programmes, CAL, 3) == (date(2026, 11, 9), date(2026, 11, 12))  # the weekend skipped
    # February 2027 closes on Friday 5 March; Idul Fitri and its cuti bersama keep the office shut until the 15th.
    assert signoff_days(Period(2027, 2), programmes, CAL, 3) == (date(2027, 3, 16), date(2027, 3, 19))
    provincial = WorkCalendar(extra_holidays={date(2026, 11, 9): "libur daerah"})
    assert signoff_days(OCT, programmes, provincial, 3) == (date(2026, 11, 10), date(2026, 11, 13))
    assert signoff_days(OCT, programmes, CAL, 5)[1] == date(2026, 11, 16)


async def test_unsigned_areas_koordinators_are_reminded_once_on_the_first_working_day_after_the_close(
    db: Database,
) -> None:
    await province(db)
    for day in (5, 6, 7, 8):  # before the close, the deadline itself, the weekend
        assert await run(db, wib(2026, 11, day)) == 0
    assert await rows(db, "period_signoff") == []

    assert await run(db, wib(2026, 11, 9)) == 2
    asked = await rows(db, "period_signoff")
    assert [(r.chat_id, r.payload, r.not_before) for r in asked] == [
        (21001, {"period": "2026-10"}, wib(2026, 11, 9, 7, 0)),  # Lebak's kabupaten koordinator
        (21002, {"period": "2026-10"}, wib(2026, 11, 9, 7, 0)),  # … and its kecamatan's
    ]  # not Tangerang (signed), not Serang (no households), no admin yet
    assert all(r.dedupe_key.endswith(":2026-10:2026-11-09") for r in asked)

    # Reruns the same day, the next days of the window, a restart: nothing twice.
    for moment in (wib(2026, 11, 9), wib(2026, 11, 9, 14, 50), wib(2026, 11, 10), wib(2026, 11, 11)):
        assert await run(db, moment) == 0
    assert len(await rows(db, "period_signoff")) == 2
    assert await rows(db, "period_unsigned") == []


async def test_admins_hear_which_areas_have_not_signed_three_working_days_later(db: Database) -> None:
    people = await province(db)
    assert await run(db, wib(2026, 11, 11)) == 2  # a planner that was down on Monday catches up (koordinators)
    assert await run(db, wib(2026, 11, 12)) == 1
    assert await run(db, wib(2026, 11, 13)) == 0
    (told,) = await rows(db, "period_unsigned")
    assert (told.chat_id, told.payload) == (21005, {"period": "2026-10", "asked": "2026-11-09"})
    async with db.session() as s:
        message = Message(told.id, told.kind, told.user_id, told.chat_id, told.payload, 0, told.dedupe_key)
        composed = await compose(s, message, wib(2026, 11, 12, 7, 0), CAL)
    assert composed is not None
    assert "1 kabupaten/kota have not signed the disbursement list for October 2026" in composed["text"]
    assert "• Kabupaten Lebak" in composed["text"] and "Tangerang" not in composed["text"]
    assert "Monday, 9 November 2026" in composed["text"] and "/penyaluran 2026-10" in composed["text"]
    del people


async def test_the_admin_delay_is_a_setting(db: Database) -> None:
    await province(db)
    config = PlannerConfig(signoff_admin_working_days=5)
    await run(db, wib(2026, 11, 9), config=config)
    assert await run(db, wib(2026, 11, 12), config=config) == 0
    assert await run(db, wib(2026, 11, 16), config=config) == 1


async def test_a_provincial_holiday_moves_the_reminder_to_the_next_working_day(db: Database) -> None:
    await province(db)
    provincial = WorkCalendar(extra_holidays={date(2026, 11, 9): "libur daerah"})
    assert await run(db, wib(2026, 11, 9), provincial) == 0
    assert await run(db, wib(2026, 11, 10), provincial) == 2
    assert {r.dedupe_key.rsplit(":", 1)[1] for r in await rows(db, "period_signoff")} == {"2026-11-10"}


async def test_nothing_when_every_list_is_signed_and_a_signature_cancels_a_queued_reminder(db: Database) -> None:
    people = await province(db)
    await run(db, wib(2026, 11, 9))
    asked = await rows(db, "period_signoff")
    async with db.session() as s:
        s.add(
            PeriodSignoff(area_code="36.02", period=str(OCT), signed_by=people["lebak"].id, signed_at=wib(2026, 11, 9))
        )
    async with db.session() as s:
        for row in asked:
            message = Message(row.id, row.kind, row.user_id, row.chat_id, row.payload, 0, row.dedupe_key)
            assert await compose(s, message, wib(2026, 11, 9, 7, 0), CAL) is None
    assert await run(db, wib(2026, 11, 12)) == 0  # no admin message either: everyone signed
    assert await rows(db, "period_unsigned") == []


async def test_reminder_planned_in_quiet_hours_waits_until_six(db: Database) -> None:
    await province(db)
    await run(db, wib(2026, 11, 9, 22, 0))
    assert {r.not_before for r in await rows(db, "period_signoff")} == {wib(2026, 11, 10, 6, 0)}


async def test_koordinator_texts_say_who_signs_in_both_languages(db: Database) -> None:
    people = await province(db)
    await run(db, wib(2026, 11, 9))
    texts = {}
    async with db.session() as s:
        for row in await rows(db, "period_signoff"):
            message = Message(row.id, row.kind, row.user_id, row.chat_id, row.payload, 0, row.dedupe_key)
            composed = await compose(s, message, wib(2026, 11, 9, 7, 0), CAL)
            assert composed is not None
            texts[row.chat_id] = composed
    kabupaten, kecamatan = texts[21001], texts[21002]
    assert "Daftar penyaluran periode Oktober 2026 belum ditandatangani" in kabupaten["text"]
    assert "• Kabupaten Lebak" in kabupaten["text"]
    assert "/penyaluran 2026-10 untuk memutuskan rekomendasi penangguhan dan menandatangani" in kabupaten["text"]
    assert "ditandatangani koordinator kabupaten/kota" in kecamatan["text"]
    labels = [b.text for line in kabupaten["reply_markup"].inline_keyboard for b in line]
    assert labels == ["📋 Buka daftar penyaluran", "⏰ Tunda 1 hari"]
    english = render.signoff(OCT, [Unsigned("36.02", "Kabupaten Lebak")], True, "36.02", "en", 1, False)
    assert "The disbursement list for October 2026 is not signed yet" in english["text"]
    english_labels = [b.text for line in english["reply_markup"].inline_keyboard for b in line]
    assert english_labels == ["📋 Open the disbursement list"]  # a snoozed copy has no second snooze
    assert Actor.of(people["lebak"]).area_code == "36.02"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_long_list_of_unsigned_areas_stays_inside_telegrams_limit(lang: str) -> None:
    areas = [Unsigned(f"36.{n:02d}", f"Kabupaten <b>{'Panjang' * 30}</b> {n}") for n in range(200)]
    shown = render.unsigned(OCT, areas, date(2026, 11, 9), lang, 7, True)
    assert visible_length(shown["text"], html=True) < MAX_TEXT
    assert "<b>Panjang" not in shown["text"]  # a name is text, never markup
    assert ("… dan 170 lainnya." if lang == "id" else "… and 170 more.") in shown["text"]
    assert "200" in shown["text"].splitlines()[0]
