"""Test fixtures shared by the whole suite.

The database backend is chosen by ``JSIKA_TEST_DATABASE_URL``: unset → a temporary SQLite file; a PostgreSQL URL →
a fresh database created beside the given one for this run and dropped afterwards, so runs never see each
other's rows. Migrations run once per session; each test starts from empty tables with the reference data
(regions, programmes) in place.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from models import migrate
from models.db import Database
from models.tables import Base

REFERENCE_TABLES = {"region", "programme", "alembic_version"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        default=False,
        help="also run the tests marked slow (fault injection with real processes, PostgreSQL restart); "
        "`--slow -m slow` runs only those",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow tests are left out (deselected, not skipped) unless ``--slow`` is given: .ci/run runs them in CI."""
    if config.getoption("--slow"):
        return
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item.get_closest_marker("slow") is None]


async def admin_execute(url: str, statement: str) -> None:
    """Run CREATE/DROP DATABASE, which PostgreSQL refuses inside a transaction."""
    db = Database(url, isolation_level="AUTOCOMMIT")
    async with db.engine.connect() as conn:
        await conn.execute(text(statement))
    await db.dispose()


def _admin_execute(url: str, statement: str) -> None:
    asyncio.run(admin_execute(url, statement))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("JSIKA_TEST_DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        path = Path(tmp_path_factory.mktemp("db")) / "test.db"
        url = f"sqlite+aiosqlite:///{path}"
        asyncio.run(_migrate(url))
        yield url
        return
    base = make_url(configured)
    name = f"jsika_test_{uuid.uuid4().hex[:10]}"
    _admin_execute(configured, f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        asyncio.run(_migrate(url))
        yield url
    finally:
        _admin_execute(configured, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _migrate(url: str) -> None:
    db = Database(url)
    await migrate.upgrade(db)
    await db.dispose()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        await _empty_tables(database)
        await database.dispose()


async def _empty_tables(database: Database) -> None:
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    async with database.engine.begin() as conn:
        if database.is_sqlite:
            for table in tables:
                await conn.execute(table.delete())
        else:
            names = ", ".join(f'"{t.name}"' for t in tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def sync_db(database_url: str) -> Iterator[Callable[..., Any]]:
    """For synchronous tests (CLI via CliRunner, which runs its own event loop): ``sync_db(fn)`` runs
    ``await fn(session)`` in a fresh loop and returns its result; tables are emptied afterwards."""

    def run(work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        async def go() -> Any:
            database = Database(database_url)
            try:
                async with database.session() as session:
                    return await work(session)
            finally:
                await database.dispose()

        return asyncio.run(go())

    yield run

    async def cleanup() -> None:
        database = Database(database_url)
        await _empty_tables(database)
        await database.dispose()

    asyncio.run(cleanup())
