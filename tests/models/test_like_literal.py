"""``%`` and ``_`` typed into a search are the characters themselves, not LIKE wildcards (issue 17, Low):
/kpm (households), /pendamping and area names, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from models.actor import Actor
from models.db import Database
from models.queries.households import search_households
from models.queries.like import escape_like
from models.queries.pendamping import find_pendamping
from models.queries.regions import LookupOutcome, resolve_area
from models.tables import Role
from tests.factories import make_household, make_user


@pytest.fixture
async def koordinator(db: Database) -> Actor:
    async with db.session() as s:
        dedi = await make_user(s, Role.KOORDINATOR, "36.01", name="Dedi Koordinator")
        siti = await make_user(s, Role.PENDAMPING, "36.01.01", name="Siti Pendamping")
        await make_user(s, Role.PENDAMPING, "36.01.01", name="Usaha 100%_Maju")
        await make_household(s, siti, members=[{"name": "Siti Rahayu", "age": 40}])
        await make_household(s, siti, members=[{"name": "Warung 50%_Jaya", "age": 40}])
        return Actor.of(dedi)


async def test_wildcards_typed_in_kpm_match_only_themselves(db: Database, koordinator: Actor) -> None:
    async with db.session() as s:
        assert await search_households(s, koordinator, "%%%") == []
        assert await search_households(s, koordinator, "___") == []
        assert await search_households(s, koordinator, "Si_i") == []
        assert [h.head_name for h in await search_households(s, koordinator, "50%_j")] == ["Warung 50%_Jaya"]
        assert [h.head_name for h in await search_households(s, koordinator, "siti")] == ["Siti Rahayu"]
        assert await search_households(s, koordinator, "a\\%b") == []


async def test_wildcards_typed_in_pendamping_search_match_only_themselves(db: Database, koordinator: Actor) -> None:
    async with db.session() as s:
        assert await find_pendamping(s, koordinator, "%%%") == []
        assert await find_pendamping(s, koordinator, "S_ti") == []
        assert [h.name for h in await find_pendamping(s, koordinator, "100%_")] == ["Usaha 100%_Maju"]


async def test_wildcards_in_an_area_name_match_only_themselves(db: Database, koordinator: Actor) -> None:
    async with db.session() as s:
        for typed in ("%%%", "___", "c_m_nggu"):
            assert (await resolve_area(s, koordinator, typed)).outcome is LookupOutcome.NOT_FOUND, typed
        found = await resolve_area(s, koordinator, "cimanggu")
    assert found.outcome is LookupOutcome.FOUND and found.area is not None and found.area.name == "Cimanggu"


def test_escape_like() -> None:
    assert escape_like("50%_x\\y") == "50\\%\\_x\\\\y"
