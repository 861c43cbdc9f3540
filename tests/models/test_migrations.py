"""Migrations go up and down on whichever backend the run uses, and leave reference data in place."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from models import migrate
from models.db import Database
from models.tables import Base, Programme, Region


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


@pytest.fixture
async def scratch_db(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    """A separate empty database so going down does not disturb the shared one."""
    if database_url.startswith("sqlite"):
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'scratch.db'}")
        yield database
        await database.dispose()
        return
    from tests.conftest import admin_execute

    name = f"scratch_{uuid.uuid4().hex[:10]}"
    await admin_execute(database_url, f'CREATE DATABASE "{name}"')
    database = Database(database_url.rsplit("/", 1)[0] + f"/{name}")
    yield database
    await database.dispose()
    await admin_execute(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_upgrade_creates_every_table_and_downgrade_removes_them(scratch_db: Database) -> None:
    await migrate.upgrade(scratch_db)
    assert set(Base.metadata.tables) <= await _tables(scratch_db)
    assert await migrate.is_current(scratch_db)

    await migrate.downgrade(scratch_db, "base")
    assert await _tables(scratch_db) <= {"alembic_version"}
    assert await migrate.current_revision(scratch_db) is None

    await migrate.upgrade(scratch_db)
    assert await migrate.is_current(scratch_db)


async def test_upgrade_loads_all_banten_regions_and_both_programmes(db: Database) -> None:
    async with db.session() as session:
        counts = dict((await session.execute(select(Region.level, func.count()).group_by(Region.level))).all())
        programmes = set(await session.scalars(select(Programme.code)))
    assert counts == {1: 1, 2: 8, 3: 155, 4: 1552}
    assert programmes == {"JAMSOSRATU", "JSCM"}


async def test_upgrade_twice_changes_nothing(db: Database) -> None:
    from models.reference import sync_reference_data

    assert await sync_reference_data(db) == (0, 0)
