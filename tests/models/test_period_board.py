"""The admin's province board (``models.queries.period_board.province_board``) on the hand-computed world
(tests/period_close_world.py): every kabupaten/kota of Banten's region table is on it, whether or not its list
was ever opened, and one nobody closed yet is told apart and counted as unsigned."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import period_close
from models.calendar import WorkCalendar
from models.db import Database
from models.queries.period_board import province_board
from models.tables import PeriodVerdict, Region, Verdict
from tests.period_close_world import CLOSED, OCT, World, actor, build

BANTEN = {
    "36.01": "Kabupaten Pandeglang",
    "36.02": "Kabupaten Lebak",
    "36.03": "Kabupaten Tangerang",
    "36.04": "Kabupaten Serang",
    "36.71": "Kota Tangerang",
    "36.72": "Kota Cilegon",
    "36.73": "Kota Serang",
    "36.74": "Kota Tangerang Selatan",
}


@pytest.fixture
async def world(db: Database) -> World:
    return await build(db)


async def test_the_board_lists_all_eight_kabupaten_kota_before_any_list_exists(db: Database, world: World) -> None:
    async with db.session() as s:
        rows = await s.execute(select(Region.code, Region.name).where(Region.level == 2))
        kabupaten = {code: name for code, name in rows.all()}
        board = await province_board(s, OCT)
    assert kabupaten == BANTEN  # the board's source, the region table, is the whole province
    assert [(a.code, a.name) for a in board] == sorted(BANTEN.items())
    assert not any(a.closed or a.signed_at or a.counts for a in board)


async def test_a_closed_and_signed_area_stands_beside_the_ones_nobody_opened(db: Database, world: World) -> None:
    await period_close.close_period(db, OCT, WorkCalendar(), CLOSED, area="36.02")
    dedi = await actor(db, world, "dedi")
    async with db.session() as s:
        row_id = await s.scalar(select(PeriodVerdict.id).where(PeriodVerdict.verdict == Verdict.RECOMMENDED))
        assert row_id is not None
        await period_close.decide(s, dedi, row_id, confirm=True, reason=None, now=CLOSED)
        await period_close.sign(s, dedi, "36.02", OCT, CLOSED)
    async with db.session() as s:
        board = {a.code: a for a in await province_board(s, OCT)}
    assert set(board) == set(BANTEN)
    lebak = board.pop("36.02")
    assert lebak.closed and lebak.signed_at is not None and lebak.signed_by == "Pak Dedi"
    assert lebak.counts == {"layak_salur": 3, "ditangguhkan": 1, "belum_terverifikasi": 3} and lebak.undecided == 0
    # Tangerang and Cilegon have households on the period's list but nobody opened it: not closed, not signed.
    assert all(not a.closed and a.signed_at is None and a.counts == {} for a in board.values())

    await period_close.close_period(db, OCT, WorkCalendar(), CLOSED, area="36")  # the admin closes the rest
    async with db.session() as s:
        board = {a.code: a for a in await province_board(s, OCT)}
    assert {code for code, a in board.items() if a.closed} == {"36.02", "36.03", "36.72"}
    assert {code for code, a in board.items() if a.signed_at is not None} == {"36.02"}
    assert board["36.03"].counts == {"layak_salur": 1} and board["36.72"].counts == {"belum_terverifikasi": 1}
