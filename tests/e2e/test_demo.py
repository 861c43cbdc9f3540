"""``jsika demo``: seeding an empty database once, the page's roster endpoint, and who a visitor can be."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Date, DateTime, func, select

from bot.config import Settings
from bot.demo import DEMO_HOUSEHOLDS, demo_services
from bot.demo.people import DEMO_TELEGRAM_BASE, area_label, demo_people, demo_telegram_id, spread_over_areas
from models import users
from models.base import Base
from models.db import Database
from models.tables import Audit, Household, Member, Role, User

TODAY = date(2026, 11, 24)


async def _households(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Household)) or 0)


async def test_demo_seeds_an_empty_database_once_and_serves_the_page_and_roster(db: Database) -> None:
    settings = Settings(database_url=db.url)
    async with demo_services(settings, db, port=0, today=TODAY) as demo:
        assert demo.seeded
        async with httpx.AsyncClient(base_url=demo.sandbox.url) as client:
            page = await client.get("/")
            script = await client.get("/demo/static/app.js")
            roster = (await client.get("/demo/people")).json()
    assert await _households(db) == DEMO_HOUSEHOLDS
    assert page.status_code == 200 and "JSiKa Bot" in page.text and 'lang="id"' in page.text
    assert script.status_code == 200 and "/sandbox/chats/" in script.text and "messages.js" in page.text

    people = roster["people"]
    roles = Counter(person["role"] for person in people)
    assert roles["admin"] == 1
    assert roles["koordinator"] == 8  # one per kabupaten/kota of Banten
    assert 2 <= roles["pendamping"] <= 30
    pendamping = [p for p in people if p["role"] == "pendamping"]
    assert len({p["area_code"][:5] for p in pendamping}) >= 3  # spread over the province, not one corner
    assert all(p["telegram_id"] == DEMO_TELEGRAM_BASE + p["user_id"] for p in people)
    assert all(p["phone"].startswith("+62") and p["area_name"] for p in people)
    assert all(-7.1 < p["location"]["latitude"] < -5.8 for p in people)

    async with demo_services(settings, db, port=0, today=TODAY) as again:
        assert not again.seeded
    assert await _households(db) == DEMO_HOUSEHOLDS
    await _nothing_after_today_and_varied_nik_serials(db)


async def _nothing_after_today_and_varied_nik_serials(db: Database) -> None:
    """What the demo seeded: no date or time after the demo's today in any table (a pregnancy's expected delivery
    excepted), and NIK serials that vary as real ones do (not 0001, 0002 … in every household). The one row
    written at the real clock is the demo's own mark on the database (audit ``demo.database``), not data."""
    start_of_today = datetime.combine(TODAY, time(0), ZoneInfo("Asia/Jakarta"))
    checked = 0
    for table in (t for t in Base.metadata.sorted_tables if t.name not in {"programme", "region"}):
        for column in table.columns:
            kind = getattr(column.type, "impl", column.type)
            if (table.name, column.name) == ("member", "pregnancy_edd") or not isinstance(kind, (Date, DateTime)):
                continue
            latest_of = select(func.max(column))
            if table.name == "audit":
                latest_of = latest_of.where(Audit.action != "demo.database")
            async with db.session() as session:
                latest = await session.scalar(latest_of)
            if latest is None:
                continue
            checked += 1
            if isinstance(latest, datetime):
                assert (latest if latest.tzinfo else latest.replace(tzinfo=UTC)) < start_of_today, (table, column)
            else:
                assert latest < TODAY, (table.name, column.name, latest)
    assert checked >= 10
    async with db.session() as session:
        serials = [nik[-4:] for nik in await session.scalars(select(Member.nik))]
    assert len(set(serials)) > len(serials) // 2 and sum(s.startswith("00") for s in serials) < len(serials) // 5


async def test_linked_people_keep_their_telegram_id_and_inactive_or_phoneless_are_left_out(db: Database) -> None:
    async with db.session() as session:
        linked = await users.add_user(
            session, name="Siti Aminah", phone="081234567890", role=Role.PENDAMPING, area="36.02.05"
        )
        fresh = await users.add_user(session, name="Asep", phone="081234567891", role=Role.PENDAMPING, area="36.01.01")
        gone = await users.add_user(session, name="Ujang", phone="081234567892", role=Role.PENDAMPING, area="36.01.01")
        linked.telegram_id = 5551234
        gone.active = False
        session.add(User(name="Tanpa Telepon", role=Role.KOORDINATOR, area_code="36.02"))
    async with db.session() as session:
        people = {p.name: p for p in await demo_people(session)}
    assert set(people) == {"Siti Aminah", "Asep"}
    assert people["Siti Aminah"].telegram_id == 5551234 and people["Siti Aminah"].linked
    assert people["Asep"].telegram_id == demo_telegram_id(fresh.id, None) and not people["Asep"].linked
    assert people["Siti Aminah"].area_name == "Kec. Muncang, Kabupaten Lebak"


def _user(user_id: int, area: str) -> User:
    return User(id=user_id, name=f"P{user_id}", role=Role.PENDAMPING, area_code=area, phone=f"+62812{user_id:08d}")


def test_pendamping_are_taken_round_robin_over_kabupaten() -> None:
    crowd = [_user(i, "36.03.01") for i in range(1, 41)] + [_user(100, "36.02.05"), _user(101, "36.72.01")]
    picked = spread_over_areas(crowd, 5)
    assert len(picked) == 5
    assert {u.area_code[:5] for u in picked} == {"36.02", "36.03", "36.72"}
    assert spread_over_areas(crowd[:2], 30) == sorted(crowd[:2], key=lambda u: (u.area_code, u.name, u.id))


def test_area_labels_read_as_people_say_them() -> None:
    names = {"36": "Banten", "36.02": "Kabupaten Lebak", "36.02.05": "Muncang", "36.02.05.2001": "Sukanagara"}
    assert area_label("36", names) == "Banten"
    assert area_label("36.02", names) == "Kabupaten Lebak"
    assert area_label("36.02.05", names) == "Kec. Muncang, Kabupaten Lebak"
    assert area_label("36.02.05.2001", names) == "Desa/Kel. Sukanagara, Kec. Muncang"
