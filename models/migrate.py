"""Schema migrations (Alembic) and the reference data that must follow them.

Called by ``jsika db upgrade`` and by ``jsika run`` on start-up, so a fresh install needs no separate step.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from models.db import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revisions() -> set[str]:
    """Every head: features may branch from a common revision and are merged later (``alembic merge``)."""
    heads = set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
    assert heads, "no migrations found"
    return heads


async def current_revisions(db: Database) -> set[str]:
    def _current(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async with db.engine.connect() as conn:
        return await conn.run_sync(_current)


async def current_revision(db: Database) -> str | None:
    """The applied revisions as one readable string (``None`` for an empty database)."""
    revisions = await current_revisions(db)
    return ", ".join(sorted(revisions)) if revisions else None


async def _run(db: Database, action: str, revision: str) -> None:
    config = alembic_config(db.url)

    def _apply(connection: Connection) -> None:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(_apply)


async def upgrade(db: Database, revision: str = "heads", *, reference_data: bool = True) -> None:
    """Apply pending migrations, then make regions and programmes match the shipped files."""
    await _run(db, "upgrade", revision)
    if reference_data and revision in ("head", "heads"):
        from models.reference import sync_reference_data

        await sync_reference_data(db)


async def downgrade(db: Database, revision: str = "base") -> None:
    await _run(db, "downgrade", revision)


async def is_current(db: Database) -> bool:
    return await current_revisions(db) == head_revisions()
