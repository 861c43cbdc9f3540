"""Databases for benchmarks: a fresh one per run, or a seeded one kept between runs.

Seeding 650,000 households takes minutes, and several benchmarks read the same synthetic province, so
:func:`seeded_database` keeps what ``models.seed`` wrote — a PostgreSQL database named after its options, or a
SQLite file under ``bench/.cache/`` — and hands it back next time. A copy is reused only when it was seeded to
the end (a marker written last: a comment on the PostgreSQL database, a sidecar file beside the SQLite one); a
half-seeded copy from a killed run is dropped and seeded again. Pending migrations are applied on reuse, so a
cached copy follows the schema.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from models import migrate
from models.db import Database
from models.seed import SeedOptions, seed_database

CACHE = Path(__file__).resolve().parent / ".cache"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
SEED_DAY = date(2026, 11, 30)  # September and October visited, November under way

Drop = Callable[[], Awaitable[None]]


def _on(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _admin(url: str, statement: str) -> list[tuple[object, ...]]:
    admin = Database(_on(url, "postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.engine.connect() as conn:
            result = await conn.execute(text(statement))
            return [tuple(row) for row in result.all()] if result.returns_rows else []
    finally:
        await admin.dispose()


async def fresh_database(kind: str, url: str = DEFAULT_PG, prefix: str = "jsika_bench") -> tuple[Database, Drop]:
    """A new, migrated database (a temp SQLite file, or a new PostgreSQL database) and a coroutine that drops it."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="jsika-bench-"))
        db = Database(f"sqlite+aiosqlite:///{folder / 'bench.db'}")

        async def drop_sqlite() -> None:
            await db.dispose()
            await asyncio.to_thread(shutil.rmtree, folder, True)

        await migrate.upgrade(db)
        return db, drop_sqlite
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    await _admin(url, f'CREATE DATABASE "{name}"')
    db = Database(_on(url, name))

    async def drop_pg() -> None:
        await db.dispose()
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    await migrate.upgrade(db)
    return db, drop_pg


def seed_key(options: SeedOptions) -> str:
    return f"seed_{options.households}_s{options.seed}_m{options.visits_months}"


async def seeded_database(kind: str, options: SeedOptions, url: str = DEFAULT_PG) -> Database:
    """A database holding ``models.seed``'s synthetic province for ``options``, seeded once and kept (see above).

    Benchmarks may add rows of their own (API keys, outbox rows) but must not change the seeded registry.
    """
    key = seed_key(options)
    marker = f"jsika-bench {key} complete"
    if kind == "sqlite":
        CACHE.mkdir(exist_ok=True)
        path, done = CACHE / f"{key}.db", CACHE / f"{key}.done"
        if not done.exists():
            for stale in CACHE.glob(f"{key}.db*"):
                stale.unlink()
        db = Database(f"sqlite+aiosqlite:///{path}")
        complete = done.exists()
    else:
        name = f"jsika_bench_{key}"
        rows = await _admin(
            url,
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = " + f"'{name}'",
        )
        complete = bool(rows) and rows[0][0] == marker
        if rows and not complete:
            await _admin(url, f'DROP DATABASE "{name}" WITH (FORCE)')
        if not complete:
            await _admin(url, f'CREATE DATABASE "{name}"')
        db = Database(_on(url, name))
    await migrate.upgrade(db)
    if complete:
        print(f"› seeded database reused: {key} ({kind})", flush=True)
        return db
    print(f"› seeding {options.households:,} households on {kind} (kept for later runs) …", flush=True)
    started = time.perf_counter()
    seeded = await seed_database(db, options, today=SEED_DAY)
    async with db.engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    print(
        f"  {seeded.households:,} households, {seeded.members:,} members, {seeded.visits:,} visits, "
        f"{seeded.pendamping:,} pendamping in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    if kind == "sqlite":
        (CACHE / f"{key}.done").write_text(marker + "\n")
    else:
        await _admin(url, f"COMMENT ON DATABASE \"jsika_bench_{key}\" IS '{marker}'")
    return db
