"""The tables the code declares are the tables the migrations build, on SQLite and on PostgreSQL.

A column, index or constraint added to ``models/tables`` without a migration (or the other way round) shows up
here as a difference reported by Alembic's autogenerate comparison, before it shows up in production.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import ForeignKeyConstraint
from sqlalchemy.engine import Connection

from models.db import Database
from models.tables import Base

# Migration 0013 makes this key deferrable on PostgreSQL only: there the importer COPYs a batch's members before
# its households. SQLite's importer writes households first, so its key stays as 0001 made it.
POSTGRESQL_ONLY_DEFERRABLE = "fk_member_household_id_household"


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _is_sqlite_deferrable_gap(diff: Any, dialect: str) -> bool:
    return (
        dialect == "sqlite"
        and isinstance(diff, tuple)
        and diff[0] in ("remove_fk", "add_fk")
        and isinstance(diff[1], ForeignKeyConstraint)
        and diff[1].name == POSTGRESQL_ONLY_DEFERRABLE
    )


async def test_orm_metadata_matches_the_migrated_schema(db: Database) -> None:
    async with db.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    dialect = db.engine.dialect.name
    assert [d for d in differences if not _is_sqlite_deferrable_gap(d, dialect)] == []


async def test_the_deferrable_member_key_is_declared_as_migration_0013_built_it(db: Database) -> None:
    key = next(
        c
        for c in Base.metadata.tables["member"].constraints
        if isinstance(c, ForeignKeyConstraint) and c.name == POSTGRESQL_ONLY_DEFERRABLE
    )
    assert key.deferrable is True and key.initially == "IMMEDIATE"
