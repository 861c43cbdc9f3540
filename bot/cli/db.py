"""``jsika db …``: schema migrations and reference data."""

from __future__ import annotations

import typer

from bot.cli.common import console, run_with_db, tr
from models import migrate
from models.db import Database

app = typer.Typer(help="Skema basis data (migrasi) / database schema.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("heads", help="Target revisi / target revision")) -> None:
    """Terapkan migrasi yang tertunda dan muat data wilayah & program."""

    async def work(db: Database) -> str | None:
        await migrate.upgrade(db, revision)
        return await migrate.current_revision(db)

    current = run_with_db(work)
    console.print(tr("Basis data pada revisi {revision}.").format(revision=current))


@app.command()
def downgrade(revision: str = typer.Argument(..., help="Target revisi, mis. base")) -> None:
    """Mundurkan skema ke revisi tertentu (hati-hati: data bisa hilang)."""

    async def work(db: Database) -> str | None:
        await migrate.downgrade(db, revision)
        return await migrate.current_revision(db)

    current = run_with_db(work)
    console.print(tr("Basis data pada revisi {revision}.").format(revision=current or "base"))


@app.command()
def current() -> None:
    """Tampilkan revisi skema saat ini dan apakah sudah terbaru."""

    async def work(db: Database) -> tuple[str | None, bool]:
        return await migrate.current_revision(db), await migrate.is_current(db)

    revision, up_to_date = run_with_db(work)
    state = tr("terbaru") if up_to_date else tr("ada migrasi tertunda")
    console.print(f"{revision or 'base'} ({state})")
