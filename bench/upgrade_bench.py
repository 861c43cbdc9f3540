"""Benchmark: upgrading an existing database through migration 0018 (``household.last_visited_on``'s backfill).

    uv run python bench/upgrade_bench.py postgresql       # the province of bench/summaries.py (650k KPM, ≈ 15M visits)
    uv run python bench/upgrade_bench.py sqlite --households 50000

0018 adds ``household.last_visited_on`` and fills it from the visits already recorded. On a province-size
database that backfill once ran for more than 30 minutes without finishing (issue 22): a statement trigger on
``household`` compared every pair of rows of its transition tables. This benchmark takes a database at 0017 with
a province's history, runs ``jsika db upgrade``'s code (``models.migrate.upgrade``) and prints the time, next to
its peer in the same run: the grouping the backfill needs, alone (``SELECT household_id, max(visited_on) FROM
visit GROUP BY household_id``) — the least any backfill has to read.

PostgreSQL: the database ``bench/summaries.py --keep`` generated is taken down to 0017 (only ``last_visited_on``
and 0019's columns go) and upgraded again; its registry is untouched. SQLite: a file is generated at 0017 with
``--households`` households × 24 periods of visits (one per household and period, row triggers on, as the bot
wrote them) and kept under ``bench/.cache/`` for the next run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.results import Figure, record, scale_of  # noqa: E402
from models import migrate  # noqa: E402
from models.db import Database  # noqa: E402
from models.reference import sync_reference_data  # noqa: E402

BEFORE = "0017"  # the revision before ``last_visited_on``
SUMMARIES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/jsika_bench_summaries"
CACHE = ROOT / "bench" / ".cache"
GROUPING = "SELECT count(*), max(m) FROM (SELECT household_id, max(visited_on) AS m FROM visit GROUP BY household_id) g"
TARGET_S = 300  # "a real upgrade finishes in minutes"


def load() -> float:
    return round(os.getloadavg()[0], 2)


async def counts(db: Database) -> tuple[int, int]:
    async with db.session() as s:
        households = int(await s.scalar(text("SELECT count(*) FROM household")) or 0)
        visits = int(await s.scalar(text("SELECT count(*) FROM visit")) or 0)
    return households, visits


async def sqlite_at_0017(households: int) -> Database:
    """A SQLite file at 0017 holding ``households`` households with 24 periods of visits (kept between runs)."""
    CACHE.mkdir(exist_ok=True)
    path, done = CACHE / f"upgrade_{households}.db", CACHE / f"upgrade_{households}.done"
    db = Database(f"sqlite+aiosqlite:///{path}")
    if done.exists():
        await migrate.downgrade(db, BEFORE)
        return db
    for stale in CACHE.glob(f"upgrade_{households}.db*"):
        stale.unlink()
    await migrate.upgrade(db, BEFORE, reference_data=False)
    await sync_reference_data(db)
    started = time.perf_counter()
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO app_user (id, name, phone, role, area_code, active, language, created_at) "
                "VALUES (1, 'Pendamping', '+6281000000001', 'pendamping', '36.02', 1, 'id', '2026-01-01')"
            )
        )
        await conn.execute(
            text(
                """INSERT INTO household (id, programme_code, kk, head_name, address, desa_code, pendamping_id,
                                          status, created_at, updated_at)
                WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < :households),
                desa AS (SELECT code, row_number() OVER (ORDER BY code) - 1 AS i FROM region WHERE level = 4)
                SELECT n, 'JAMSOSRATU', printf('36%014d', n), 'KPM ' || n, '', desa.code, 1, 'aktif',
                       '2026-01-01', '2026-01-01'
                FROM g JOIN desa ON desa.i = n % (SELECT count(*) FROM desa)"""
            ),
            {"households": households},
        )
    for month in range(24):  # one statement per period: the row triggers keep the rollups as the bot would
        year, m = 2024 + month // 12, month % 12 + 1
        period = f"{year}-{m:02d}"
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    """INSERT INTO visit (id, household_id, pendamping_id, period, visited_on, submitted_at, met,
                                          condition, welfare, deprivation_score, location_flagged, late,
                                          review_status)
                    SELECT lower(hex(randomblob(16))), id, 1, :period, date(:start, '+' || (id % 20) || ' days'),
                           :start || ' 03:00:00', 1, '{}', '{}', id % 9, 0, 0, 'disetujui'
                    FROM household WHERE (id * 31 + :index * 17) % 100 < 96"""
                ),
                {"period": period, "start": f"{period}-01", "index": month},
            )
        print(f"  visits {period}  ({time.perf_counter() - started:.0f} s so far)", flush=True)
    done.write_text("complete\n")
    return db


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["postgresql", "sqlite"])
    parser.add_argument("--url", default=os.environ.get("JSIKA_BENCH_DATABASE_URL", SUMMARIES_URL))
    parser.add_argument("--households", type=int, default=50_000, help="SQLite only")
    args = parser.parse_args()
    if args.kind == "postgresql":
        db = Database(args.url)
        await migrate.downgrade(db, BEFORE)
    else:
        db = await sqlite_at_0017(args.households)
    try:
        households, visits = await counts(db)
        print(f"{args.kind}: {households:,} households, {visits:,} visits, at {await migrate.current_revision(db)}")
        load_before = load()
        started = time.perf_counter()
        await migrate.upgrade(db)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        async with db.session() as s:
            await s.execute(text(GROUPING))
        grouping = time.perf_counter() - started
        print(
            f"upgrade {BEFORE} → {await migrate.current_revision(db)}: {seconds:.1f} s; the grouping alone "
            f"{grouping:.1f} s ({seconds / grouping:.2f}×); load {load_before} before, {load()} after"
        )
        record(
            "migration-0018-upgrade",
            [
                Figure(
                    f"upgrade {BEFORE} → head ({households:,} households, {visits:,} visits)",
                    round(seconds, 1),
                    "s",
                    target=f"< {TARGET_S} s",
                    met=seconds < TARGET_S,
                    peer="GROUP BY household_id, max(visited_on) over the visits, alone",
                    peer_value=round(grouping, 1),
                    ratio=round(seconds / grouping, 2),
                    note="includes 0019 (two ADD COLUMNs); reference data synced after",
                )
            ],
            scale=scale_of(households),
            database=args.kind,
            params={"households": households, "visits": visits},
            load_before=load_before,
        )
    finally:
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
