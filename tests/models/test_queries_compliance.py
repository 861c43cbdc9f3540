"""Compliance gaps and escalation levels on the hand-counted world (tests/supervisor_world.py)."""

from __future__ import annotations

import pytest

from models.db import Database
from models.period import Period
from models.queries import compliance
from tests.supervisor_world import World, actor, build

NOV = Period(2026, 11)


@pytest.fixture
async def world(db: Database) -> World:
    return await build(db)


async def test_levels_count_consecutive_periods_of_not_meeting(db: Database, world: World) -> None:
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        gaps = await compliance.gaps_by_commitment(s, dedi, "36.02", NOV)
    assert [(g.commitment, g.by_level) for g in gaps] == [
        ("pendidikan_kehadiran", {3: 1}),  # Rizky: Sep, Oct, Nov
        ("balita_penimbangan", {2: 1}),  # Dodi: Oct, Nov (met in Sep)
        ("balita_imunisasi", {1: 1}),  # Dodi: Nov only
    ]
    assert gaps[0].label == "kehadiran sekolah ≥ 85%"


async def test_a_met_period_ends_the_run(db: Database, world: World) -> None:
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        october = await compliance.gaps_by_commitment(s, dedi, "36.02", Period(2026, 10))
    assert {g.commitment: g.by_level for g in october} == {
        "pendidikan_kehadiran": {2: 1},
        "balita_penimbangan": {1: 1},
    }


async def test_member_list_is_highest_level_first_and_scoped(db: Database, world: World) -> None:
    dedi, admin, joko = [await actor(db, world, k) for k in ("dedi", "admin", "joko")]
    async with db.session() as s:
        rows, total = await compliance.gap_members(s, dedi, "36.02", NOV, "pendidikan_kehadiran")
        province, province_total = await compliance.gap_members(s, admin, "36", NOV, "pendidikan_kehadiran")
        foreign, foreign_total = await compliance.gap_members(s, joko, "36.02", NOV, "pendidikan_kehadiran")
    assert total == 1 and [(r.member_name, r.level, r.head_name, r.reason) for r in rows] == [
        ("Rizky", 3, "Hidayat", "sakit")
    ]
    assert province_total == 2 and [(r.member_name, r.level) for r in province] == [("Rizky", 3), ("Bayu", 1)]
    assert foreign_total == 0 and foreign == []
