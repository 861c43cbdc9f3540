"""Benchmark: ``jsika import households`` against a raw bulk load of the same rows.

    uv run python bench/import_bench.py --households 50000 --db sqlite
    uv run python bench/import_bench.py --households 650000 --db postgresql \\
        --url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

Generates a synthetic household CSV (N households, ≈4 members each, NIKs consistent with a real Banten
kecamatan, birth date and sex; KKs with a real issue date), imports it into a fresh, migrated database with
the importer's own function (validation, batching, audit rows — everything the CLI does except drawing), and
then loads the same member rows the fastest raw way as a ceiling:

- PostgreSQL: asyncpg ``copy_records_to_table`` into a scratch table created ``LIKE member``: UNLOGGED with the
  member table's indexes (``INCLUDING ALL``, the same shape — the reference for the target), UNLOGGED with no
  index, and an ordinary logged table with the indexes (what the real, durable table costs even with COPY);
- SQLite: ``executemany`` into a plain table with the member columns, in one transaction.

Ceilings time the database only (records built beforehand, fed in chunks); the first one is also timed end to
end from the CSV file (parsing without validation + COPY). It also prints the CPU the importer and the database
server used per row, and the load average: on a shared machine, wall time says little on its own. Ratios are
import rows/s ÷ ceiling rows/s. Not a test: it prints figures. ``--reimport`` also times a second run of the
same file (everything unchanged).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from models import migrate  # noqa: E402
from models.db import Database  # noqa: E402
from models.importing import import_households  # noqa: E402
from models.regions import shipped_regions  # noqa: E402
from models.tables import Audit, Household, Member  # noqa: E402

TODAY = date(2025, 11, 24)
HEADER = [
    "no_kk",
    "nik",
    "nama",
    "hubungan",
    "jenis_kelamin",
    "tanggal_lahir",
    "kode_desa",
    "alamat",
    "telepon",
    "program",
    "hamil_hpl",
    "jenjang_sekolah",
    "nama_sekolah",
    "disabilitas_berat",
    "pendamping_telepon",
]
MEN = ["Ahmad", "Budi", "Dedi", "Eko", "Hendra", "Iwan", "Joko", "Rudi", "Agus", "Asep", "Ujang", "Dadang", "Yayan"]
WOMEN = ["Siti", "Ani", "Dewi", "Rina", "Sri", "Yuni", "Nur", "Euis", "Neneng", "Imas", "Lilis", "Enung", "Fitri"]
FAMILY = ["Hidayat", "Saputra", "Setiawan", "Kurniawan", "Rahman", "Hasan", "Suryana", "Permana", "Nugraha", "Wijaya"]


# -- synthetic registry -------------------------------------------------------------------------------------------


class Generator:
    """Valid, unique NIKs without remembering them: a per-kecamatan counter gives the serial, and when the
    counter wraps past 9999 the birth day is shifted so that (kecamatan, date, serial) never repeats."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.desa = [r.code for r in shipped_regions() if r.level == 4]
        self.per_kecamatan: dict[str, int] = {}

    def nik(self, kecamatan: str, born: date, sex: str) -> tuple[str, date]:
        count = self.per_kecamatan.get(kecamatan, 0)
        self.per_kecamatan[kecamatan] = count + 1
        serial, wrap = count % 9999 + 1, count // 9999
        if wrap >= 7:
            raise SystemExit("too many people in one kecamatan for the generator's NIK scheme")
        day = born.day - (born.day % 7) + wrap  # day ≡ wrap (mod 7)
        if day < 1:
            day += 7
        while True:
            try:
                born = born.replace(day=day)
                break
            except ValueError:
                day -= 7
        code = born.day + (40 if sex == "P" else 0)
        return f"{kecamatan.replace('.', '')}{code:02d}{born:%m%y}{serial:04d}", born

    def birth(self, age_min: int, age_max: int) -> date:
        days = self.rng.randint(age_min * 365 + 8, age_max * 365 + 300)  # ≥ 8 days: the day shift stays in the past
        return TODAY - timedelta(days=days)

    def households(self, count: int) -> Iterator[list[str]]:
        rng = self.rng
        for index in range(count):
            desa = self.desa[index % len(self.desa)]
            kecamatan = desa.rsplit(".", 1)[0]
            issued = date(2000 + (index // 336) % 25, 1 + (index // 28) % 12, 1 + index % 28)
            kk = f"{kecamatan.replace('.', '')}{issued:%d%m%y}{index // 8400 + 1:04d}"
            family = rng.choice(FAMILY)
            address = f"Kp. {rng.choice(FAMILY)} RT {rng.randint(1, 15):03d}/{rng.randint(1, 9):03d}"
            phone = f"08{rng.choice('1235789')}{rng.randint(10_000_000, 999_999_999)}" if rng.random() < 0.7 else ""
            head_age = rng.randint(25, 70)
            people: list[tuple[str, str, date, str]] = [
                ("kepala keluarga", "L", self.birth(head_age, head_age), f"{rng.choice(MEN)} {family}")
            ]
            if rng.random() < 0.85:
                age = max(18, head_age - rng.randint(0, 8))
                people.append(("istri", "P", self.birth(age, age), f"{rng.choice(WOMEN)} {rng.choice(FAMILY)}"))
            for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4))):
                sex = rng.choice("LP")
                age_max = max(0, min(20, head_age - 18))
                names = MEN if sex == "L" else WOMEN
                people.append(("anak", sex, self.birth(0, age_max), f"{rng.choice(names)} {family}"))
            if rng.random() < 0.15:
                people.append(("orang tua", "P", self.birth(60, 85), f"{rng.choice(WOMEN)} {rng.choice(FAMILY)}"))
            for relation, sex, born, name in people:
                nik, born = self.nik(kecamatan, born, sex)
                age = (TODAY - born).days // 365
                pregnant = relation == "istri" and age < 40 and rng.random() < 0.08
                edd = (TODAY + timedelta(days=rng.randint(10, 250))).strftime("%d-%m-%Y") if pregnant else ""
                level = "SD" if 6 <= age <= 12 else "SMP" if 13 <= age <= 15 else "SMA" if 16 <= age <= 18 else ""
                school = f"{level}N {rng.randint(1, 9)} {desa[-4:]}" if level else ""
                disabled = "Y" if rng.random() < 0.02 else "T"
                first = relation == "kepala keluarga"
                yield [
                    kk,
                    nik,
                    name,
                    relation,
                    sex,
                    born.strftime("%d-%m-%Y"),
                    desa if first else "",
                    address if first else "",
                    phone if first else "",
                    "",
                    edd,
                    level,
                    school,
                    disabled,
                    "",
                ]


def generate(path: Path, households: int, seed: int) -> int:
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in Generator(seed).households(households):
            writer.writerow(row)
            rows += 1
    return rows


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
    name = f"jsika_bench_{uuid.uuid4().hex[:8]}"
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


COLUMNS = [
    "id",
    "household_id",
    "nik",
    "name",
    "relation",
    "sex",
    "birth_date",
    "pregnancy_edd",
    "school_level",
    "school_name",
    "severe_disability",
    "status",
    "created_at",
    "updated_at",
]


def chunks(path: Path, size: int = 100_000) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for record in member_records(path):
        chunk.append(record)
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
        raw = await conn.get_raw_connection()
        pg: Any = raw.driver_connection
        for label, logged, like, from_file in variants:
            await pg.execute("DROP TABLE IF EXISTS bench_member_copy")
            await pg.execute(f"CREATE {logged} TABLE bench_member_copy (LIKE member {like})")
            await pg.execute("CHECKPOINT")
            spent = 0.0
            for chunk in chunks(path):
                started = time.perf_counter()
                await pg.copy_records_to_table("bench_member_copy", records=chunk, columns=COLUMNS)
                spent += time.perf_counter() - started
            figures[label] = spent
            if from_file:
                await pg.execute("TRUNCATE bench_member_copy")
                started = time.perf_counter()
                await pg.copy_records_to_table("bench_member_copy", records=member_records(path), columns=COLUMNS)
                figures[label + "_from_file"] = time.perf_counter() - started
        await pg.execute("DROP TABLE IF EXISTS bench_member_copy")
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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", help="PostgreSQL server URL (a fresh database is created beside it)")
    parser.add_argument("--batch-size", type=int, default=2_000)
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
            rows = generate(csv_path, args.households, args.seed)
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
            if args.reimport:
                again = await import_households(db, csv_path, today=TODAY, batch_size=args.batch_size, actor="bench")
                print(
                    f"re-import:         {rate(again.rows, again.seconds)}   households {again.households.describe()}"
                )
            if args.no_ceiling:
                return
            if args.db == "postgresql":
                ceiling = await copy_ceiling_pg(db, csv_path)
            else:
                ceiling = await asyncio.to_thread(executemany_ceiling_sqlite, workdir, csv_path)
            import_rate = result.rows / result.seconds
            for label, seconds in ceiling.items():
                print(f"{label + ':':<30}{rate(rows, seconds)}   import/ceiling = {import_rate / (rows / seconds):.2f}")
        finally:
            await cleanup()


if __name__ == "__main__":
    asyncio.run(main())
