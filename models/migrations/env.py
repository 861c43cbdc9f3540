"""Alembic environment: async engine, batch mode on SQLite so ALTERs work there too."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from models.db import create_engine
from models.tables import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection | None = None, **kwargs: Any) -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    context.configure(
        connection=connection,
        url=None if connection is not None else url,
        target_metadata=target_metadata,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
        **kwargs,
    )


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as conn:
        await conn.run_sync(_run_sync)
        await conn.commit()
    await engine.dispose()


# models.migrate hands us a live connection when called from async code; the alembic CLI does not.
_connection = config.attributes.get("connection")
if context.is_offline_mode():
    _configure(literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif _connection is not None:
    _run_sync(_connection)
else:
    asyncio.run(_run_async())
