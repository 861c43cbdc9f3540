"""Writers side by side never deadlock on the report tallies (migration 0011).

Two import batches, or two bot processes saving visits, add to the same ``coverage_tally`` / ``check_tally`` rows
at the same time. The triggers' grouped upserts take those rows' locks in key order, so the second writer waits
for the first instead of the two locking in opposite orders. PostgreSQL only: SQLite has one writer at a time.
"""

from __future__ import annotations

import asyncio
import itertools
import random

import pytest
from sqlalchemy import func, insert, select

from models import rollups
from models.db import Database
from models.tables import Household, HouseholdStatus, Region, RegionLevel

WRITERS = 4
STATEMENTS = 40  # per writer, one transaction each
HOUSEHOLDS = 60  # per statement, spread over a random set of desas


async def test_writers_adding_households_to_the_same_desas_side_by_side_never_deadlock(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL only: SQLite lets one writer in at a time, so its writers cannot deadlock")
    async with db.session() as s:
        desas = list(
            await s.scalars(select(Region.code).where(Region.level == RegionLevel.DESA).order_by(Region.code).limit(40))
        )
    serial = itertools.count(1)

    async def writer(seed: int) -> None:
        order = random.Random(seed)
        for _ in range(STATEMENTS):
            some = order.sample(desas, order.randint(2, len(desas)))  # key sets differ: hash order differs
            rows = [
                {
                    "programme_code": "JAMSOSRATU",
                    "kk": f"3601{next(serial):012d}",
                    "head_name": "Uji",
                    "desa_code": some[n % len(some)],
                    "status": HouseholdStatus.AKTIF,
                }
                for n in range(HOUSEHOLDS)
            ]
            async with db.session() as s:
                await s.execute(insert(Household).values(rows))  # one statement, as the import's COPY is
                # the rest of a batch's transaction (members, audit rows): the tally rows stay locked meanwhile,
                # so the other writers' upserts stop half-way, holding some rows and waiting for others
                await s.execute(select(func.pg_sleep(order.uniform(0.005, 0.02))))

    await asyncio.gather(*(writer(seed) for seed in range(WRITERS)))

    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Household)) == WRITERS * STATEMENTS * HOUSEHOLDS
        assert await rollups.drift(s) == {}
