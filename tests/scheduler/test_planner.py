"""The planner decides which reminders exist, on real Indonesian dates, and never twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from models.actor import Actor
from models.calendar import JAKARTA, WorkCalendar
from models.db import Database
from models.period import Period
from models.queries import reminder_content as content
from models.rules import age_in_months, applies, shipped_programmes
from models.tables import CheckResult, FormSession, Outbox, ReminderSetting, ReviewStatus, Role, SchoolLevel, Sex
from scheduler.planner import PlannerConfig, age_band, latest_birth, plan, rule_band
from tests.factories import make_household, make_user, make_visit, members_of

CAL = WorkCalendar()
NOV = Period(2026, 11)


def wib(year: int, month: int, day: int, hour: int = 5, minute: int = 50) -> datetime:
    """A moment in Jakarta time (default 05:50, when the hourly planner runs before the digest)."""
    return datetime(year, month, day, hour, minute, tzinfo=JAKARTA).astimezone(UTC)


async def rows(db: Database, kind: str | None = None) -> list[Outbox]:
    async with db.session() as s:
        stmt = select(Outbox).order_by(Outbox.id)
        if kind is not None:
            stmt = stmt.where(Outbox.kind == kind)
        return list(await s.scalars(stmt))


async def run(db: Database, now: datetime, config: PlannerConfig | None = None) -> dict[str, int]:
    async with db.session() as s:
        return (await plan(s, now, CAL, config)).counts


async def test_digest_goes_only_to_reachable_pendamping_with_something_to_do(db: Database) -> None:
    async with db.session() as s:
        busy = await make_user(s, telegram_id=1001, name="Siti")
        done = await make_user(s, telegram_id=1002, name="Budi")
        drafting = await make_user(s, telegram_id=1003, name="Rina")
        returned = await make_user(s, telegram_id=1004, name="Yusuf")
        no_telegram = await make_user(s, name="Tanpa Telegram")
        blocked = await make_user(s, telegram_id=1006, name="Memblokir")
        inactive = await make_user(s, telegram_id=1007, name="Nonaktif", active=False)
        await make_household(s, busy)
        for person in (done, drafting, returned):
            await make_visit(s, await make_household(s, person), period=NOV)
        returned_visit = await make_visit(s, await make_household(s, returned), period=Period(2026, 10))
        returned_visit.review_status = ReviewStatus.RETURNED
        await make_visit(s, await make_household(s, returned), period=NOV)
        s.add(FormSession(id="draft1", user_id=drafting.id, form="kunjungan", step="tanggal"))
        for person in (no_telegram, blocked, inactive):
            await make_household(s, person)
        s.add(ReminderSetting(user_id=blocked.id, unreachable_since=wib(2026, 11, 20)))

    counts = await run(db, wib(2026, 11, 24))

    digests = await rows(db, "digest")
    assert counts["digest"] == 3
    assert {r.chat_id for r in digests} == {1001, 1003, 1004}
    assert all(r.not_before == wib(2026, 11, 24, 7, 0) for r in digests)
    assert {r.dedupe_key for r in digests} == {f"digest:{u.id}:-:2026-11-24" for u in (busy, drafting, returned)}


async def test_second_run_and_concurrent_planners_add_nothing(db: Database, database_url: str) -> None:
    async with db.session() as s:
        for n in range(6):
            pendamping = await make_user(s, telegram_id=2000 + n)
            await make_household(s, pendamping, members=[{"age": 30, "sex": Sex.P, "pregnancy_edd": date(2026, 12, 1)}])
        await make_user(s, Role.KOORDINATOR, "36.01", telegram_id=2100)
    now = wib(2026, 11, 23)  # a Monday: digests, birth events and the weekly digest

    first = await run(db, now)
    assert first == {**first, "digest": 6, "event_birth": 6, "weekly": 1}
    assert await run(db, now) == dict.fromkeys(first, 0)
    assert await run(db, now + timedelta(hours=1)) == dict.fromkeys(first, 0)

    # Two planners (own engines, as two processes would have) on a fresh day, at the same moment.
    tuesday = wib(2026, 11, 24)
    others = [Database(database_url) for _ in range(2)]
    try:
        results = await asyncio.gather(*(run(other, tuesday) for other in others))
    finally:
        for other in others:
            await other.dispose()
    assert results[0]["digest"] + results[1]["digest"] == 6
    keys = [r.dedupe_key for r in await rows(db)]
    assert len(keys) == len(set(keys)) == sum(first.values()) + 6


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 11, 28),  # Saturday
        date(2026, 11, 29),  # Sunday
        date(2026, 12, 25),  # Natal
        date(2026, 12, 24),  # cuti bersama Natal
        date(2026, 8, 17),  # Hari Kemerdekaan
    ],
)
async def test_nothing_is_planned_on_weekends_and_holidays(db: Database, day: date) -> None:
    async with db.session() as s:
        await make_household(s, await make_user(s, telegram_id=3001))
        await make_user(s, Role.KOORDINATOR, "36.01", telegram_id=3002)
    async with db.session() as s:
        report = await plan(s, wib(day.year, day.month, day.day), CAL)
    assert report.working_day is False and report.total == 0
    assert await rows(db) == []


async def test_digest_hour_setting_and_late_start(db: Database) -> None:
    async with db.session() as s:
        early = await make_user(s, telegram_id=4001)
        late = await make_user(s, telegram_id=4002)
        await make_household(s, early)
        await make_household(s, late)
        s.add(ReminderSetting(user_id=late.id, digest_hour=10))

    # At 11:00 the 07:00 digest is past its 3-hour catch-up window; the 10:00 one is due now.
    await run(db, wib(2026, 11, 24, 11, 0))
    digests = await rows(db, "digest")
    assert [(r.chat_id, r.not_before) for r in digests] == [(4002, wib(2026, 11, 24, 11, 0))]

    await run(db, wib(2026, 11, 25, 5, 50))
    by_chat = {r.chat_id: r.not_before for r in await rows(db, "digest") if r.dedupe_key.endswith("2026-11-25")}
    assert by_chat == {4001: wib(2026, 11, 25, 7, 0), 4002: wib(2026, 11, 25, 10, 0)}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 30), [("JAMSOSRATU", 5), ("JSCM", 3)]),  # Nov closes Mon 7 Dec (JSCM: Thu 3 Dec)
        (date(2026, 12, 1), []),
        (date(2026, 12, 2), [("JSCM", 1)]),
        (date(2026, 12, 4), [("JAMSOSRATU", 1)]),
    ],
)
async def test_deadline_reminders_follow_each_programmes_working_days(
    db: Database, day: date, expected: list[tuple[str, int]]
) -> None:
    async with db.session() as s:
        both = await make_user(s, telegram_id=5001)
        reported = await make_user(s, telegram_id=5002)
        await make_household(s, both)
        await make_household(s, both, desa="36.72.01.1001", programme="JSCM")
        await make_visit(s, await make_household(s, reported), period=NOV)
    await run(db, wib(day.year, day.month, day.day))
    found = sorted((r.payload["programme"], r.payload["working_days_left"]) for r in await rows(db, "deadline"))
    assert found == expected
    for row in await rows(db, "deadline"):
        assert row.chat_id == 5001 and row.payload["period"] == "2026-11"


async def test_birth_reminder_within_fourteen_days_once_per_expected_date(db: Database) -> None:
    async with db.session() as s:
        pendamping = await make_user(s, telegram_id=6001)
        muted = await make_user(s, telegram_id=6002)
        s.add(ReminderSetting(user_id=muted.id, mute_events=True))
        soon = await make_household(
            s, pendamping, members=[{"name": "Ani", "sex": Sex.P, "pregnancy_edd": date(2026, 12, 3)}]
        )
        await make_household(
            s, pendamping, members=[{"name": "Later", "sex": Sex.P, "pregnancy_edd": date(2026, 12, 20)}]
        )
        await make_household(s, muted, members=[{"name": "Muted", "sex": Sex.P, "pregnancy_edd": date(2026, 12, 1)}])
        ani = (await members_of(s, soon))[0]
    await run(db, wib(2026, 11, 24))
    await run(db, wib(2026, 11, 25))
    events = await rows(db, "event_birth")
    assert [(r.chat_id, r.payload["member_id"], r.dedupe_key) for r in events] == [
        (6001, ani.id, f"event_birth:{pendamping.id}:m{ani.id}:2026-12-03")
    ]
    await run(db, wib(2026, 12, 7))  # Later's date (20 Dec) is now 13 days away
    assert len(await rows(db, "event_birth")) == 2


async def test_vitamin_a_reminder_in_february_for_toddlers_only(db: Database) -> None:
    async with db.session() as s:
        with_toddler = await make_user(s, telegram_id=7001)
        with_baby = await make_user(s, telegram_id=7002)
        await make_household(s, with_toddler, members=[{"age": 30}, {"name": "Dodi", "birth_date": date(2025, 1, 10)}])
        await make_household(s, with_baby, members=[{"age": 30}, {"name": "Bayi", "birth_date": date(2026, 12, 1)}])
    await run(db, wib(2027, 1, 5))
    assert await rows(db, "event_month") == []
    await run(db, wib(2027, 2, 1))
    await run(db, wib(2027, 2, 2))
    events = await rows(db, "event_month")
    assert [(r.chat_id, r.payload["commitment"], r.payload["period"]) for r in events] == [
        (7001, "balita_vitamin_a", "2027-02")
    ]
    async with db.session() as s:
        actor = Actor.of(with_toddler)
        band = content.birth_range((events[0].payload["born_after"], events[0].payload["born_on_or_before"]))
        listed = await content.month_event(s, actor, "JAMSOSRATU", band)
    assert [m.member_name for m in listed.items] == ["Dodi"]


async def test_school_year_reminder_in_july_lists_starters_and_level_changes(db: Database) -> None:
    async with db.session() as s:
        pendamping = await make_user(s, telegram_id=8001)
        other = await make_user(s, telegram_id=8002)
        await make_household(
            s,
            pendamping,
            members=[
                {"age": 35},
                {"name": "Putri", "birth_date": date(2021, 3, 1)},  # 6 in July 2027, no school yet
                {"name": "Bayu", "birth_date": date(2015, 2, 1), "school_level": SchoolLevel.SD},  # 12, SD → SMP
                {"name": "Rizki", "birth_date": date(2018, 2, 1), "school_level": SchoolLevel.SD},  # 9, stays in SD
            ],
        )
        await make_household(
            s,
            other,
            members=[{"age": 35}, {"name": "Adi", "birth_date": date(2018, 1, 1), "school_level": SchoolLevel.SD}],
        )
    await run(db, wib(2027, 6, 30))
    assert await rows(db, "event_school") == []
    await run(db, wib(2027, 7, 1))
    events = await rows(db, "event_school")
    assert [r.chat_id for r in events] == [8001]
    async with db.session() as s:
        p = events[0].payload
        changes = await content.school(
            s,
            Actor.of(pendamping),
            content.birth_range(p["starting"]),
            content.birth_range(p["sd_to_smp"]),
            content.birth_range(p["smp_to_sma"]),
        )
    assert [m.member_name for m in changes.starting.items] == ["Putri"]
    assert [m.member_name for m in changes.sd_to_smp.items] == ["Bayu"]
    assert changes.smp_to_sma.total == 0


async def test_elderly_yearly_check_reminder_a_month_before_it_falls_due(db: Database) -> None:
    async with db.session() as s:
        due = await make_user(s, telegram_id=9001)
        fresh = await make_user(s, telegram_id=9002)
        for person, checked in ((due, Period(2025, 12)), (fresh, Period(2026, 3))):
            household = await make_household(s, person, members=[{"name": "Mbah", "age": 70}])
            mbah = (await members_of(s, household))[0]
            await make_visit(s, household, period=checked, checks=[(mbah, "lansia_pemeriksaan", CheckResult.MET)])
    await run(db, wib(2026, 11, 24))  # late in the month: monthly kinds were planned in its first days
    assert await rows(db, "event_yearly") == []
    await run(db, wib(2026, 11, 4))  # the third working day of November
    events = await rows(db, "event_yearly")
    assert [(r.chat_id, r.payload["last_met"]) for r in events] == [(9001, "2025-12")]


async def test_visit_escalation_goes_to_the_koordinators_of_the_area_after_the_deadline(db: Database) -> None:
    async with db.session() as s:
        pendamping = await make_user(s, telegram_id=10001)
        kabupaten = await make_user(s, Role.KOORDINATOR, "36.01", telegram_id=10002)
        kecamatan = await make_user(s, Role.KOORDINATOR, "36.01.01", telegram_id=10003)
        elsewhere = await make_user(s, Role.KOORDINATOR, "36.02", telegram_id=10004)
        await make_household(s, pendamping)  # never visited: October and November missed
        visited = await make_household(s, pendamping, desa="36.02.01.2002")
        await make_visit(s, visited, period=Period(2026, 10))
    await run(db, wib(2026, 12, 7))  # November closes today: not yet
    assert await rows(db, "escalation_visit") == []
    await run(db, wib(2026, 12, 8))
    await run(db, wib(2026, 12, 9))
    escalations = await rows(db, "escalation_visit")
    assert sorted(r.chat_id for r in escalations) == [10002, 10003]
    assert all(r.payload["period"] == "2026-11" for r in escalations)
    async with db.session() as s:
        listed = await content.unvisited_for_two(s, Actor.of(kabupaten), NOV, wib(2026, 10, 1, 0, 0))
        nothing = await content.unvisited_for_two(s, Actor.of(elsewhere), NOV, wib(2026, 10, 1, 0, 0))
    assert listed.total == 1 and nothing.total == 0
    del kecamatan


async def test_households_registered_since_the_earlier_period_began_are_not_escalated(db: Database) -> None:
    """A first import in October must not flood the koordinator at November's close: those households were in
    the registry for one period, not two."""
    async with db.session() as s:
        pendamping = await make_user(s, telegram_id=10201)
        koordinator = await make_user(s, Role.KOORDINATOR, "36.01", telegram_id=10202)
        await make_household(s, pendamping, registered=wib(2026, 10, 1, 0, 30))  # the first half hour of October
        await make_household(s, pendamping, registered=wib(2026, 11, 20))
    await run(db, wib(2026, 12, 9))
    assert await rows(db, "escalation_visit") == []
    async with db.session() as s:
        await make_household(s, pendamping, registered=wib(2026, 9, 30, 23, 30))  # still September in Jakarta
    await run(db, wib(2026, 12, 10))
    assert [r.chat_id for r in await rows(db, "escalation_visit")] == [10202]
    async with db.session() as s:
        listed = await content.unvisited_for_two(s, Actor.of(koordinator), NOV, wib(2026, 10, 1, 0, 0))
    assert listed.total == 1


@pytest.mark.parametrize(("day", "planned"), [(date(2026, 12, 10), 1), (date(2026, 12, 11), 0)])
async def test_escalation_is_planned_only_in_the_first_three_working_days_after_the_close(
    db: Database, day: date, planned: int
) -> None:
    async with db.session() as s:
        await make_household(s, await make_user(s, telegram_id=10101))
        await make_user(s, Role.KOORDINATOR, "36.01", telegram_id=10102)
    counts = await run(db, wib(day.year, day.month, day.day))  # November closed Mon 7 Dec
    assert counts.get("escalation_visit", 0) == planned


async def test_commitment_escalation_levels_pendamping_sees_all_koordinator_from_level_two(db: Database) -> None:
    async with db.session() as s:
        pendamping = await make_user(s, telegram_id=11001)
        koordinator = await make_user(s, Role.KOORDINATOR, "36.01", telegram_id=11002)
        household = await make_household(
            s,
            pendamping,
            members=[
                {"name": "Hidayat", "age": 40},
                {"name": "Rizky", "age": 10, "school_level": SchoolLevel.SD},
                {"name": "Dodi", "age": 2},
            ],
        )
        _, rizky, dodi = await members_of(s, household)
        for month in (9, 10, 11):
            checks = [(rizky, "pendidikan_kehadiran", CheckResult.NOT_MET)]
            result = CheckResult.NOT_MET if month == 11 else CheckResult.MET
            checks.append((dodi, "balita_penimbangan", result))
            await make_visit(s, household, period=Period(2026, month), checks=checks)
    await run(db, wib(2026, 12, 8))
    assert sorted(r.chat_id for r in await rows(db, "escalation_commitment")) == [11001, 11002]
    async with db.session() as s:
        mine = await content.missed_commitments(s, Actor.of(pendamping), NOV, min_level=1)
        area = await content.missed_commitments(s, Actor.of(koordinator), NOV, min_level=2)
    assert mine.by_level == {3: 1, 1: 1}
    assert [(i.member_name, i.level) for i in mine.items] == [("Rizky", 3), ("Dodi", 1)]
    assert area.by_level == {3: 1} and [i.member_name for i in area.items] == ["Rizky"]


async def test_weekly_digest_on_the_first_working_day_of_the_week_at_half_past_seven(db: Database) -> None:
    async with db.session() as s:
        await make_user(s, Role.KOORDINATOR, "36.01", telegram_id=12001)
        await make_user(s, Role.KOORDINATOR, "36.03", telegram_id=12002)  # no households there
        await make_household(s, await make_user(s, telegram_id=12003))
    await run(db, wib(2026, 11, 23))  # Monday
    await run(db, wib(2026, 11, 24))
    weekly = await rows(db, "weekly")
    assert [(r.chat_id, r.not_before) for r in weekly] == [(12001, wib(2026, 11, 23, 7, 30))]


async def test_escalation_planned_in_quiet_hours_waits_until_six(db: Database) -> None:
    async with db.session() as s:
        await make_household(s, await make_user(s, telegram_id=13001))
        await make_user(s, Role.KOORDINATOR, "36.01", telegram_id=13002)
    await run(db, wib(2026, 12, 8, 22, 0))
    (escalation,) = await rows(db, "escalation_visit")
    assert escalation.not_before == wib(2026, 12, 9, 6, 0)
    assert await rows(db, "digest") == []  # 07:00 + 3 h has long passed


def test_age_bands_agree_with_the_rules_module() -> None:
    """The SQL birth-date ranges select exactly the members ``rules.applies`` would."""
    rules = shipped_programmes()["JAMSOSRATU"]
    vitamin_a, education = rules.commitment("balita_vitamin_a"), rules.commitment("pendidikan_kehadiran")
    period = Period(2027, 2)
    band = rule_band(vitamin_a, period.start)
    school = rule_band(education, period.start)
    from models.rules import MemberFacts

    birth = date(2020, 1, 1)
    while birth < date(2027, 3, 1):
        facts = MemberFacts(birth_date=birth, school_level="SD")
        in_band = (band.born_after is None or birth > band.born_after) and birth <= (band.born_on_or_before or birth)
        assert in_band == applies(vitamin_a, facts, period), birth
        in_school = (school.born_after is None or birth > school.born_after) and birth <= (
            school.born_on_or_before or birth
        )
        assert in_school == applies(education, facts, period), birth
        birth += timedelta(days=1)
    assert age_in_months(latest_birth(date(2026, 3, 31), 1), date(2026, 3, 31)) == 1
    assert age_band(date(2027, 7, 1), 72, 83).born_on_or_before == date(2021, 7, 1)


async def test_every_planned_kind_composes_a_message_with_buttons_in_both_languages(db: Database) -> None:
    """What the planner writes is enough for the sender: each kind renders (Indonesian, English) with actions."""
    async with db.session() as s:
        siti = await make_user(s, telegram_id=14001, name="Siti")
        koordinator = await make_user(s, Role.KOORDINATOR, "36.01", telegram_id=14002, name="Dedi", language="en")
        household = await make_household(
            s,
            siti,
            members=[
                {"name": "Hidayat", "age": 70},
                {"name": "Ani", "sex": Sex.P, "age": 25, "pregnancy_edd": date(2027, 2, 10)},
                {"name": "Dodi", "birth_date": date(2025, 6, 1)},
            ],
        )
        mbah, _, dodi = await members_of(s, household)
        await make_visit(s, household, period=Period(2026, 3), checks=[(mbah, "lansia_pemeriksaan", CheckResult.MET)])
        for period in (Period(2026, 12), Period(2027, 1)):
            await make_visit(s, household, period=period, checks=[(dodi, "balita_penimbangan", CheckResult.NOT_MET)])
        s.add(ReminderSetting(user_id=koordinator.id, digest_hour=None))
    await run(db, wib(2027, 2, 1))  # Monday: digest, birth, vitamin A, yearly check, weekly
    await run(db, wib(2027, 2, 9))  # January closed on 8 February (Imlek moved it): escalation, levels 1 and 2
    planned = await rows(db)
    assert {r.kind for r in planned} == {
        "digest",
        "event_birth",
        "event_month",
        "event_yearly",
        "weekly",
        "escalation_commitment",
        "period_signoff",  # January's list is not signed: its koordinator is asked on the first day after the close
    }
    from handlers.reminder_composer import compose
    from models.outbox import Message

    english: dict[str, str] = {}
    async with db.session() as s:
        for row in planned:
            message = Message(row.id, row.kind, row.user_id, row.chat_id, row.payload, 0, row.dedupe_key)
            composed = await compose(s, message, wib(2027, 2, 9, 7, 0), CAL)
            assert composed is not None, row.kind
            assert composed["text"] and composed["parse_mode"] == "HTML"
            labels = [b.text for line in composed["reply_markup"].inline_keyboard for b in line]
            assert any("Tunda" in label or "Snooze" in label for label in labels) or row.chat_id == 14002, row.kind
            if row.chat_id == 14002:  # the koordinator reads English: every reminder text is in the catalogue
                english[row.kind] = composed["text"]
    assert "📊 <b>Weekly summary of" in english["weekly"] and "Ringkasan" not in english["weekly"]
    assert "🚩 <b>Commitment escalation</b> for January 2027" in english["escalation_commitment"]
    assert "Keluarga" not in english["escalation_commitment"] and "Family" in english["escalation_commitment"]
    assert "is not signed yet" in english["period_signoff"]
    del koordinator
