"""Schema migrations (Alembic) and the reference data that must follow them.

Called by ``jsika db upgrade`` and by ``jsika run`` on start-up, so a fresh install needs no separate step.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from models import revision as revision_files
from models.db import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """Alembic's configuration for our scripts; Alembic is imported only by what changes the schema (and by
    :func:`head_revisions` when ``models.revision`` cannot read a version file)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revisions() -> set[str]:
    """Every head: features may branch from a common revision and are merged later (``alembic merge``)."""
    read = revision_files.head_revisions()
    if read is not None:
        return set(read)
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
    assert heads, "no migrations found"
    return heads


async def current_revisions(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return await conn.run_sync(revision_files.applied_revisions)


async def current_revision(db: Database) -> str | None:
    """The applied revisions as one readable string (``None`` for an empty database)."""
    applied = await current_revisions(db)
    return ", ".join(sorted(applied)) if applied else None


async def _run(db: Database, action: str, revision: str) -> None:
    from alembic import command

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
