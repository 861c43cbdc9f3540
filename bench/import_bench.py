"""Benchmark: ``jsika import households`` against a raw bulk load of the same rows.

    uv run python bench/import_bench.py --households 50000 --db sqlite
    uv run python bench/import_bench.py --households 650000 --db postgresql \\
        --url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

Generates a synthetic household CSV with ``models.seeding.household_file`` (the tests' generator too: N
households, ≈4 members each, NIKs consistent with a real Banten kecamatan, birth date and sex; KKs with a real
issue date; ``--workdir`` keeps it between runs), imports it into a fresh, migrated database (PostgreSQL: named
``jsika_bench_import_*``, dropped at the end) with the importer's own function (validation, batching, error file,
audit rows — everything the CLI does except drawing), and then loads the same member rows the fastest raw way:

- PostgreSQL: COPY through ``models.pg_copy.copy_records`` (the seed's and the importer's COPY writer)
  into a scratch table created ``LIKE member``: UNLOGGED with the member table's indexes (``INCLUDING ALL``),
  UNLOGGED with no index, and an ordinary logged table with the indexes (what the real, durable table costs
  even with COPY);
- SQLite: ``executemany`` into a plain table with the member columns, in one transaction.

Ceilings time the database only (records built beforehand, fed in chunks); the first one is also timed end to
end from the CSV file (reading without checks + one streamed COPY) — that one is the peer of the ratio target
(≥ 0.3×), since any loader of the file has to read it. It also prints the CPU the importer and the database
server used per row, and the load average: on a shared machine, wall time says little on its own. Ratios are
import rows/s ÷ ceiling rows/s. ``--reimport`` also times a second run of the same file (everything
unchanged). Not a test: it prints figures and records them with ``bench.results.record`` (import seconds,
rows/s, the ratio to raw COPY / executemany) in ``bench/results/import-<scale>-<database>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.results import Figure, record, scale_of  # noqa: E402
from models import migrate  # noqa: E402
from models.db import Database  # noqa: E402
from models.importing import DEFAULT_BATCH, import_households  # noqa: E402
from models.pg_copy import copy_records  # noqa: E402
from models.seeding.household_file import TODAY, write_household_file  # noqa: E402
from models.seeding.writer import MEMBER_COLUMNS  # noqa: E402
from models.tables import Audit, Household, Member  # noqa: E402

TARGET_SECONDS = 180.0  # the province (650k households) on PostgreSQL: the import target in docs/performance.md
TARGET_RATIO = 0.3

# -- databases ------------------------------------------------------------------------------------------------------


async def fresh_database(kind: str, url: str | None, workdir: Path) -> tuple[Database, Any]:
    """A migrated, empty database; returns it and a cleanup coroutine function."""
    if kind == "sqlite":
        path = workdir / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)  # noqa: ASYNC240 - set-up, not the measured part
        db = Database(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(db)

        async def cleanup() -> None:
            await db.dispose()

        return db, cleanup
    if not url:
        raise SystemExit("--url is required for --db postgresql")
    name = f"jsika_bench_import_{uuid.uuid4().hex[:8]}"
    admin = Database(url, isolation_level="AUTOCOMMIT")
    async with admin.engine.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(make_url(url).set(database=name).render_as_string(hide_password=False))

    async def drop() -> None:
        await db.dispose()
        async with admin.engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()

    try:
        await migrate.upgrade(db)
    except BaseException:
        await drop()
        raise
    return db, drop


# -- the raw ceiling ------------------------------------------------------------------------------------------------


def _day(text_value: str) -> date | None:
    if not text_value:
        return None
    day, month, year = text_value.split("-")
    return date(int(year), int(month), int(day))


def member_records(path: Path) -> Iterator[tuple[Any, ...]]:
    """The member rows of the file as table tuples, with no checks: what a bare loader would send."""
    now = datetime.now(UTC)
    household = 0
    last_kk = None
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for number, row in enumerate(reader, start=1):
            if row[0] != last_kk:
                household += 1
                last_kk = row[0]
            yield (
                number,
                household,
                row[1],
                row[2],
                row[3],
                row[4],
                _day(row[5]),
                _day(row[10]),
                row[11] or None,
                row[12] or None,
                row[13] == "Y",
                "aktif",
                now,
                now,
            )


COLUMNS = list(MEMBER_COLUMNS)  # every member column: the file's rows as the table stores them


def chunks(path: Path, size: int = 100_000) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for member in member_records(path):
        chunk.append(member)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def copy_ceiling_pg(db: Database, path: Path) -> dict[str, float]:
    """Seconds to COPY the member rows (records built beforehand, fed in chunks; only the COPY is timed):

    - ``copy_unlogged_indexed``: UNLOGGED ``LIKE member INCLUDING ALL`` (same columns and indexes) — the ceiling
      the target is defined against; also timed end to end from the CSV file (``…_from_file``);
    - ``copy_unlogged_bare``: the same without any index;
    - ``copy_logged_indexed``: an ordinary (WAL-logged) table ``LIKE member INCLUDING ALL`` — what a durable,
      indexed table costs the server even with COPY, i.e. the ceiling for any loader of the real table.
    """
    figures: dict[str, float] = {}
    variants = (
        ("copy_unlogged_indexed", "UNLOGGED", "INCLUDING ALL", True),
        ("copy_unlogged_bare", "UNLOGGED", "INCLUDING DEFAULTS", False),
        ("copy_logged_indexed", "", "INCLUDING ALL", False),
    )
    async with db.engine.connect() as conn:
        # The same COPY writer as the seed and the importer's PostgreSQL path (models/seeding/writer.py).
        for label, logged, like, from_file in variants:
            await conn.execute(text("DROP TABLE IF EXISTS bench_member_copy"))
            await conn.execute(text(f"CREATE {logged} TABLE bench_member_copy (LIKE member {like})"))
            await conn.commit()
            await conn.execute(text("CHECKPOINT"))
            spent = 0.0
            for chunk in chunks(path):
                started = time.perf_counter()
                await copy_records(conn, "bench_member_copy", COLUMNS, chunk)
                await conn.commit()
                spent += time.perf_counter() - started
            figures[label] = spent
            if from_file:
                await conn.execute(text("TRUNCATE bench_member_copy"))
                await conn.commit()
                started = time.perf_counter()
                await copy_records(conn, "bench_member_copy", COLUMNS, member_records(path))  # one streamed COPY
                await conn.commit()
                figures[label + "_from_file"] = time.perf_counter() - started
        await conn.execute(text("DROP TABLE IF EXISTS bench_member_copy"))
        await conn.commit()
    return figures


async def server_cpu(db: Database) -> float:
    """CPU seconds used so far by this database's server processes (same host only; 0 when unreadable)."""
    if db.is_sqlite:
        return 0.0
    async with db.engine.connect() as conn:
        pids = (
            await conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'"
                )
            )
        ).scalars()
        total = 0.0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()  # noqa: ASYNC240
            except OSError:
                return 0.0
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total


def executemany_ceiling_sqlite(workdir: Path, path: Path) -> dict[str, float]:
    import sqlite3

    figures: dict[str, float] = {}
    for label, from_file in (("executemany", False), ("executemany_from_file", True)):
        target = workdir / f"ceiling_{label}.db"
        target.unlink(missing_ok=True)
        conn = sqlite3.connect(target)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(
            "CREATE TABLE member_copy (id INTEGER PRIMARY KEY, household_id INTEGER, nik VARCHAR(16), name VARCHAR(120),"
            " relation VARCHAR(20), sex VARCHAR(1), birth_date DATE, pregnancy_edd DATE, school_level VARCHAR(3),"
            " school_name VARCHAR(120), severe_disability BOOLEAN, status VARCHAR(9), created_at DATETIME,"
            " updated_at DATETIME)"
        )
        insert = f"INSERT INTO member_copy VALUES ({', '.join('?' * len(COLUMNS))})"

        def adapt(records: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
            return [
                (*r[:6], r[6].isoformat(), r[7].isoformat() if r[7] else None, *r[8:12], str(r[12]), str(r[13]))
                for r in records
            ]

        spent = 0.0
        if from_file:
            started = time.perf_counter()
            with conn:
                for chunk in chunks(path):
                    conn.executemany(insert, adapt(chunk))
            spent = time.perf_counter() - started
        else:
            for chunk in chunks(path):
                prepared = adapt(chunk)
                started = time.perf_counter()
                with conn:
                    conn.executemany(insert, prepared)
                spent += time.perf_counter() - started
        conn.close()
        figures[label] = spent
    return figures


# -- main ----------------------------------------------------------------------------------------------------------


async def count(db: Database, model: Any) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:>10,.0f} rows/s  {seconds:8.1f} s" if seconds else "n/a"


# The peer the ratio target is read against, per database: the file's member rows loaded the fastest raw way,
# end to end (reading the CSV without checks, then COPY / executemany), as any loader of this file must.
PEERS = {
    "postgresql": (
        "copy_unlogged_indexed_from_file",
        "raw COPY of the file's member rows (CSV read + COPY into UNLOGGED LIKE member INCLUDING ALL)",
    ),
    "sqlite": ("executemany_from_file", "raw executemany of the file's member rows (CSV read + one transaction)"),
}


def figures(
    args: argparse.Namespace,
    seconds: float,
    import_rate: float,
    rows: int,
    ceiling: dict[str, float],
    reimport_seconds: float | None,
) -> list[Figure]:
    """The figures that answer the import target (docs/performance.md), for ``bench.results.record``."""
    province_pg = args.db == "postgresql" and args.households >= 650_000
    found = [
        Figure(
            "import seconds",
            round(seconds, 1),
            "s",
            target="< 180 s" if province_pg else "—",
            met=seconds < TARGET_SECONDS if province_pg else None,
            note=f"{args.households:,} households, {rows:,} member rows; validation, error file, audit rows",
        ),
        Figure("import rate", round(import_rate), "rows/s"),
    ]
    label, peer = PEERS[args.db]
    if label in ceiling:
        peer_rate = rows / ceiling[label]
        ratio = import_rate / peer_rate
        found.append(
            Figure(
                "ratio to raw COPY" if args.db == "postgresql" else "ratio to raw executemany",
                round(ratio, 2),
                "×",
                target="≥ 0.3×" if args.db == "postgresql" else "—",
                met=ratio >= TARGET_RATIO if args.db == "postgresql" else None,
                peer=peer,
                peer_value=round(peer_rate),
                ratio=round(ratio, 2),
            )
        )
    strict = "copy_unlogged_indexed" if args.db == "postgresql" else "executemany"
    if strict in ceiling:
        strict_rate = rows / ceiling[strict]
        found.append(
            Figure(
                "ratio to the database side of raw COPY" if args.db == "postgresql" else "ratio to bare executemany",
                round(import_rate / strict_rate, 2),
                "×",
                peer=f"{strict}: records built beforehand, only the load timed",
                peer_value=round(strict_rate),
                ratio=round(import_rate / strict_rate, 2),
            )
        )
    if reimport_seconds is not None:
        found.append(
            Figure("re-import seconds (nothing changed)", round(reimport_seconds, 1), "s", note="same file again")
        )
    return found


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", help="PostgreSQL server URL (a fresh database is created beside it)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, help="Keep the generated CSV here (default: a temp dir)")
    parser.add_argument("--reimport", action="store_true", help="Also time a second import of the same file")
    parser.add_argument("--no-ceiling", action="store_true", help="Skip the raw COPY/executemany ceiling")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="jsika-bench-") as temp:
        workdir = args.workdir or Path(temp)
        workdir.mkdir(parents=True, exist_ok=True)
        csv_path = workdir / f"households_{args.households}.csv"
        started = time.perf_counter()
        if not csv_path.exists():
            partial = csv_path.with_suffix(".partial")  # a killed run must not leave a short file to reuse
            rows = write_household_file(partial, args.households, args.seed)
            partial.replace(csv_path)
        else:
            with csv_path.open() as handle:
                rows = sum(1 for _ in handle) - 1
        print(
            f"file: {csv_path} — {args.households:,} households, {rows:,} member rows, "
            f"{csv_path.stat().st_size / 1e6:,.0f} MB (generated in {time.perf_counter() - started:.1f} s)"
        )
        db, cleanup = await fresh_database(args.db, args.url, workdir)
        try:
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            load_before = os.getloadavg()[0]
            server_before, cpu_before = await server_cpu(db), time.process_time()
            result = await import_households(db, csv_path, today=TODAY, batch_size=args.batch_size, actor="bench")
            cpu_used, server_used = time.process_time() - cpu_before, await server_cpu(db) - server_before
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            households, members, audits = await count(db, Household), await count(db, Member), await count(db, Audit)
            print(
                f"import:            {rate(result.rows, result.seconds)}   "
                f"households {result.households.describe()}; members {result.members.describe()}; "
                f"errors {result.error_count}, warnings {result.warning_count}"
            )
            print(
                f"  in the database: {households:,} households, {members:,} members, {audits:,} audit rows; "
                f"peak RSS {rss_after / 1024:,.0f} MB (before import {rss_before / 1024:,.0f} MB)"
            )
            print(
                f"  CPU: importer {cpu_used:,.1f} s ({1e6 * cpu_used / rows:.1f} µs/row)"
                + (
                    f", database server {server_used:,.1f} s ({1e6 * server_used / rows:.1f} µs/row)"
                    if server_used
                    else ""
                )
                + f"; load average {load_before:.1f} → {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
            )
            if households != args.households or members != rows:
                print("  !! row counts do not match the file")
            again = None
            if args.reimport:
                again = await import_households(db, csv_path, today=TODAY, batch_size=args.batch_size, actor="bench")
                print(
                    f"re-import:         {rate(again.rows, again.seconds)}   households {again.households.describe()}"
                )
            ceiling: dict[str, float] = {}
            if not args.no_ceiling:
                if args.db == "postgresql":
                    ceiling = await copy_ceiling_pg(db, csv_path)
                else:
                    ceiling = await asyncio.to_thread(executemany_ceiling_sqlite, workdir, csv_path)
            import_rate = result.rows / result.seconds
            for label, seconds in ceiling.items():
                print(f"{label + ':':<30}{rate(rows, seconds)}   import/ceiling = {import_rate / (rows / seconds):.2f}")
            record(
                "import",
                figures(args, result.seconds, import_rate, rows, ceiling, again.seconds if again else None),
                scale=scale_of(args.households),
                database=args.db,
                params={"households": args.households, "rows": rows, "batch_size": args.batch_size},
                load_before=round(load_before, 2),
            )
        finally:
            await cleanup()


if __name__ == "__main__":
    asyncio.run(main())
