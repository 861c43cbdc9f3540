"""``jsika db …``: schema migrations and reference data."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from bot.cli.common import JsikaTyper, console, run_with_db, tr

if TYPE_CHECKING:
    from models.db import Database

app = JsikaTyper(help="Skema basis data (migrasi) / database schema.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("heads", help="Target revisi / target revision")) -> None:
    """Terapkan migrasi yang tertunda dan muat data wilayah & program."""
    from models import migrate

    async def work(db: Database) -> str | None:
        await migrate.upgrade(db, revision)
        return await migrate.current_revision(db)

    current = run_with_db(work, migration_log=True)
    console.print(tr("Basis data pada revisi {revision}.").format(revision=current))


@app.command()
def downgrade(revision: str = typer.Argument(..., help="Target revisi, mis. base")) -> None:
    """Mundurkan skema ke revisi tertentu (hati-hati: data bisa hilang)."""
    from models import migrate

    async def work(db: Database) -> str | None:
        await migrate.downgrade(db, revision)
        return await migrate.current_revision(db)

    current = run_with_db(work, migration_log=True)
    console.print(tr("Basis data pada revisi {revision}.").format(revision=current or "base"))


@app.command()
def current() -> None:
    """Tampilkan revisi skema saat ini dan apakah sudah terbaru."""
    from models import migrate

    async def work(db: Database) -> tuple[str | None, bool]:
        return await migrate.current_revision(db), await migrate.is_current(db)

    revision, up_to_date = run_with_db(work)
    state = tr("terbaru") if up_to_date else tr("ada migrasi tertunda")
    console.print(f"{revision or 'base'} ({state})")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="db")
