"""``models.revision`` answers what Alembic answers — heads from the version files, applied revisions from the
database — so ``jsika db current``, the import's schema check and ``/readyz`` can skip importing Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from models import migrate, revision
from models.db import Database
from tests.models.test_migrations import scratch_db  # noqa: F401  (fixture)


def alembic_heads(directory: Path | None = None) -> set[str]:
    config = migrate.alembic_config("sqlite://")
    if directory is not None:
        config.set_main_option("script_location", str(directory.parent))
    return set(ScriptDirectory.from_config(config).get_heads())


def test_heads_read_from_the_files_are_alembics_heads() -> None:
    read = revision.head_revisions()
    assert read is not None
    assert set(read) == alembic_heads()
    assert migrate.head_revisions() == alembic_heads()


def write_version(folder: Path, name: str, body: str) -> None:
    (folder / f"{name}.py").write_text(f'"""{name}"""\n\n{body}\n\ndef upgrade():\n    pass\n', encoding="utf-8")


def test_branches_and_merges_give_the_same_heads_as_alembic(tmp_path: Path) -> None:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (tmp_path / "migrations" / "script.py.mako").write_text("", encoding="utf-8")
    write_version(versions, "a", 'revision = "a"\ndown_revision = None')
    write_version(versions, "b", 'revision: str = "b"\ndown_revision: str | None = "a"')
    write_version(versions, "c", 'revision = "c"\ndown_revision = "a"\nbranch_labels = None')
    write_version(versions, "d", 'revision = "d"\ndown_revision = "a"')
    write_version(versions, "m", 'revision = "m"\ndown_revision = ("b", "c")')
    read = revision.head_revisions(versions)
    assert read is not None
    assert set(read) == alembic_heads(versions) == {"m", "d"}


def test_a_file_it_cannot_read_leaves_the_answer_to_alembic(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    write_version(versions, "a", 'revision = "a"\ndown_revision = None')
    write_version(versions, "b", 'revision = "b"\ndown_revision = "a"\ndepends_on = "a"')
    assert revision.head_revisions(versions) is None
    computed = tmp_path / "computed"
    computed.mkdir()
    write_version(computed, "a", 'revision = "a".upper()\ndown_revision = None')
    assert revision.head_revisions(computed) is None


async def test_applied_revisions_match_alembic_at_every_step(scratch_db: Database) -> None:  # noqa: F811
    def both(connection: Connection) -> tuple[set[str], set[str]]:
        return revision.applied_revisions(connection), set(MigrationContext.configure(connection).get_current_heads())

    async def compare() -> set[str]:
        async with scratch_db.engine.connect() as conn:
            ours, theirs = await conn.run_sync(both)
        assert ours == theirs
        return ours

    assert await compare() == set()  # never migrated: no alembic_version table
    await migrate.upgrade(scratch_db, "0005", reference_data=False)  # a branch point: several applied revisions
    await migrate.upgrade(scratch_db, "0006", reference_data=False)
    assert await compare() == {"0005", "0006"}
    await migrate.upgrade(scratch_db)
    assert await compare() == set(migrate.head_revisions())
    assert await migrate.is_current(scratch_db)
    await migrate.downgrade(scratch_db, "base")
    assert await compare() == set()  # the table stays, empty
