"""The FastAPI app of a production process, on the test database, driven in-process with httpx.

``world`` is a small Banten: Pandeglang (36.01) and Lebak (36.02) households with a child out of school, a child
in school, a pregnant woman, a toddler, and referrals to every sector — enough for each sector's key to see
something, and something it must not see.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from bot.inbox import Inbox
from bot.web import WebContext, create_app
from models import api_keys
from models.db import Database
from models.tables import Referral, Relation, SchoolLevel, Sex
from tests.factories import make_household, make_member

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 09:00 WIB
TODAY = date(2026, 11, 24)
SECRET = "rahasia-webhook-uji"
PANDEGLANG_DESA = "36.01.02.2001"  # Rancapinang, Kec. Cimanggu
LEBAK_DESA = "36.02.01.2002"  # Cilangkahan, Kec. Malingping


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def context(db: Database, clock: FixedClock) -> WebContext:
    return WebContext(db=db, clock=clock, inbox=Inbox(db), webhook_secret=SECRET)


@pytest.fixture
def app(context: WebContext) -> FastAPI:
    return create_app(context)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://jsika.test") as http:
        yield http


@dataclass
class World:
    """Ids of what ``world`` made, by meaning."""

    households: dict[str, int] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)
    niks: dict[str, str] = field(default_factory=dict)
    referrals: dict[str, int] = field(default_factory=dict)


@pytest.fixture
async def world(db: Database) -> World:
    made = World()
    async with db.session() as s:
        for place, desa in (("pandeglang", PANDEGLANG_DESA), ("lebak", LEBAK_DESA)):
            household = await make_household(s, desa=desa, members=[{"name": f"Kepala {place}", "age": 45}])
            made.households[place] = household.id
            people = {
                "putus_sekolah": {"age": 13, "school_level": None},
                "bersekolah": {"age": 10, "school_level": SchoolLevel.SD},
                "hamil": {
                    "age": 28,
                    "relation": Relation.ISTRI,
                    "sex": Sex.P,
                    "pregnancy_edd": TODAY + timedelta(days=60),
                },
                "balita": {"age": 2},
                "dewasa": {"age": 25},
            }
            for label, spec in people.items():
                member = await make_member(s, household, name=f"{label} {place}", **spec)  # type: ignore[arg-type]
                made.members[f"{label}_{place}"] = member.id
                made.niks[f"{label}_{place}"] = member.nik
            for sector, need, who in (
                ("pendidikan", "Anak putus sekolah, perlu dikembalikan ke SMP", made.members[f"putus_sekolah_{place}"]),
                ("kesehatan", "Ibu hamil belum periksa kehamilan", made.members[f"hamil_{place}"]),
                ("umkm", "Modal usaha warung", None),
            ):
                referral = Referral(household_id=household.id, member_id=who, sector=sector, need=need)
                s.add(referral)
                await s.flush()
                made.referrals[f"{sector}_{place}"] = referral.id
    return made


async def new_key(
    db: Database, sector: str, area: str = "36.01", *, nik: bool = False, rate_limit: int = 1000
) -> tuple[int, str]:
    async with db.session() as s:
        key, plain = await api_keys.create_key(
            s,
            name=f"Dinas {sector}",
            sector=sector,
            area=area,
            can_see_nik=nik,
            rate_limit_per_minute=rate_limit,
            now=NOW,
        )
        return key.id, plain


def auth(plain: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plain}"}
