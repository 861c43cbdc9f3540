"""``jsika seed``: synthetic Banten households for demos, training and benchmarks."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import date, datetime
from typing import TYPE_CHECKING

import typer

from bot.cli.common import console, fail, real_console, run_with_db, settings, tr

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID
    from rich.table import Table

    from models.db import Database
    from models.seed import SeedResult


def seed(
    households: int = typer.Option(..., "--households", "-n", min=1, help="Jumlah keluarga (KPM) / households"),
    seed: int = typer.Option(1, "--seed", help="Benih acak: benih sama → data sama / random seed"),
    visits_months: int = typer.Option(
        3, "--visits-months", min=0, max=36, help="Bulan riwayat kunjungan sebelum bulan ini / months of visits"
    ),
    programme: str | None = typer.Option(
        None,
        "--programme",
        help="JAMSOSRATU atau JSCM; tanpa ini: JSCM di Kota Cilegon, JAMSOSRATU di tempat lain",
    ),
    append: bool = typer.Option(False, "--append", help="Tambahkan walau sudah ada keluarga / add to existing data"),
    today: str | None = typer.Option(
        None, "--today", help="Tanggal acuan TTTT-BB-HH (bawaan: hari ini) / reference date", metavar="DATE"
    ),
) -> None:
    """Isi basis data dengan keluarga sintetis, pendamping, koordinator dan riwayat kunjungan."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from handlers.i18n.format import number
    from models.seed import SeedError, SeedOptions, seed_database

    config = settings()
    if today is None:
        reference = datetime.now(config.tz).date()
    else:
        try:
            reference = date.fromisoformat(today)
        except ValueError:
            raise fail(
                tr("Tanggal {value} tidak valid; tulis TTTT-BB-HH, misalnya 2026-11-24.").format(value=today)
            ) from None
    options = SeedOptions(
        households=households,
        seed=seed,
        visits_months=visits_months,
        programme=programme.strip().upper() if programme else None,
        append=append,
    )

    async def work(db: Database) -> SeedResult:
        with ExitStack() as stack:
            # The bar appears with the first progress report, so a refusal prints nothing but its one line.
            bars: list[tuple[Progress, TaskID]] = []

            def progress(done: int, total: int) -> None:
                if not bars:
                    bar = stack.enter_context(
                        Progress(
                            TextColumn("[bold]{task.description}"),
                            BarColumn(),
                            MofNCompleteColumn(),
                            TimeElapsedColumn(),
                            TimeRemainingColumn(),
                            console=real_console(),
                        )
                    )
                    bars.append((bar, bar.add_task(tr("Keluarga"), total=total)))
                bar, task = bars[0]
                bar.update(task, completed=done, total=total)

            return await seed_database(db, options, today=reference, progress=progress)

    try:
        result = run_with_db(work)
    except SeedError as error:
        raise fail(str(error)) from None
    lang = config.language
    console.print(summary(result, lang))
    rate = result.households / result.seconds if result.seconds else 0.0
    memory = f"{number(round(result.peak_rss_kb / 1024), lang)} MB" if result.peak_rss_kb else "?"
    console.print(
        tr("Selesai dalam {seconds} detik ({rate} keluarga/detik); memori puncak {memory}.").format(
            seconds=number(round(result.seconds, 1), lang), rate=number(round(rate), lang), memory=memory
        ),
        highlight=False,
    )


def summary(result: SeedResult, lang: str = "id") -> Table:
    from rich.table import Table

    from handlers.i18n.format import number

    table = Table(title=tr("Data sintetis"), show_header=True, header_style="bold")
    table.add_column(tr("Data"))
    table.add_column(tr("Jumlah"), justify="right")
    rows = [
        (tr("Keluarga (KPM)"), result.households),
        (tr("Anggota keluarga (ART)"), result.members),
        (tr("Pendamping"), result.pendamping),
        (tr("Koordinator"), result.koordinator),
        (tr("Admin"), result.admins),
        (tr("Kunjungan"), result.visits),
        (tr("Verifikasi komitmen"), result.checks),
        (tr("Rujukan"), result.referrals),
        (tr("Usulan perubahan data"), result.changes),
    ]
    for label, count in rows:
        table.add_row(label, number(count, lang))
    for code, count in sorted(result.per_programme.items()):
        table.add_row(f"  {tr('Keluarga')} {code}", number(count, lang))
    return table


def register(app: typer.Typer) -> None:
    app.command("seed")(seed)
