"""``jsika db …``: schema migrations and reference data."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from bot.cli.common import JsikaTyper, console, run_with_db, settings, tr

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


@app.command("opd-stats")
def opd_stats() -> None:
    """Hitung ulang ringkasan /stats API OPD untuk hari ini (biasanya dijalankan penjadwal tiap 5 menit)."""
    from datetime import UTC, datetime

    from models import opd_stats as rollup

    tz = settings().tz

    async def work(db: Database) -> rollup.Refreshed:
        now = datetime.now(UTC)
        async with db.session() as session:
            return await rollup.refresh(session, today=now.astimezone(tz).date(), now=now)

    done = run_with_db(work)
    message = tr("Ringkasan /stats API OPD untuk {day}: {households} keluarga dihitung ulang.")
    console.print(message.format(day=done.day.isoformat(), households=done.households))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="db")
