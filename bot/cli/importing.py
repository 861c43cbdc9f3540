"""``jsika import …``: load the household registry and the staff roster from CSV/XLSX, or write a template.

Only argument parsing, the progress bar and the tables live here; the work is ``models.importing``.
Exit codes: 0 every row loaded (or would load, with ``--dry-run``); 1 some rows did not load (they are in the
error file); 2 the file as a whole could not be read, or the database needs ``jsika db upgrade`` first.
"""

from __future__ import annotations

import getpass
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import JsikaGroup, JsikaTyper, console, fail, real_console, run_with_db, settings, tr

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID
    from rich.table import Table

    from models.db import Database
    from models.importing import Counts, ImportResult, Issue

# models.importing's defaults, spelled here so that loading the command does not load the importer (and
# openpyxl, SQLAlchemy); tests/cli/test_cli_errors.py keeps them equal.
DEFAULT_PROGRAMME = "JAMSOSRATU"
DEFAULT_BATCH = 5_000
DEFAULT_TEMPLATE = "jsika-template.xlsx"
SHOW_ERRORS = 30
SHOW_WARNINGS = 15
DryRun = Annotated[bool, typer.Option("--dry-run", help="Periksa saja, tanpa menyimpan / validate without writing")]


class _ImportGroup(JsikaGroup):
    """Lets ``--template`` go without a value (``jsika import --template``), which typer's parser cannot."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        args = list(args)
        if "--template" in args:
            at = args.index("--template")
            following = args[at + 1] if at + 1 < len(args) else None
            if following is None or following.startswith("-") or following in self.commands:
                args[at] = f"--template={DEFAULT_TEMPLATE}"
        return super().parse_args(ctx, args)


import_app = JsikaTyper(
    cls=_ImportGroup,
    help="Impor data dari spreadsheet CSV/XLSX / import registry and roster spreadsheets.",
    invoke_without_command=True,
)


@import_app.callback()
def main(
    ctx: typer.Context,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            help=f"Tulis templat XLSX kosong; tanpa nama: {DEFAULT_TEMPLATE} / write an empty XLSX template.",
        ),
    ] = None,
) -> None:
    """Impor rumah tangga (households) atau petugas (users); --template menulis templat XLSX."""
    if template is not None:
        _write_template(template)
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        console.print(ctx.get_help())
        raise typer.Exit()


@import_app.command("template")
def template_command(
    path: Annotated[Path, typer.Argument(help="Berkas XLSX yang ditulis / output file")] = Path(DEFAULT_TEMPLATE),
) -> None:
    """Tulis templat XLSX kosong: lembar rumah tangga, lembar petugas, dan petunjuk."""
    _write_template(path)


def _write_template(path: Path) -> None:
    from models.importing import write_template

    if not path.parent.is_dir():  # a typo more often than a wish: say so and create nothing
        raise fail(
            tr("Folder {folder} tidak ada; buat dulu (mkdir -p {folder}) atau pilih nama lain.").format(
                folder=path.parent
            ),
            2,
        )
    if path.is_dir():
        raise fail(
            tr("{path} adalah folder; beri nama berkas, mis. {path}/{name}.").format(path=path, name=DEFAULT_TEMPLATE),
            2,
        )
    written = write_template(path)
    console.print(
        tr(
            "Templat ditulis: {path} (lembar Rumah Tangga, Petugas, Petunjuk; hapus baris contoh sebelum impor)."
        ).format(path=written),
        highlight=False,
    )


@import_app.command("households")
def households(
    file: Annotated[Path, typer.Argument(help="Berkas .csv atau .xlsx, satu baris per anggota keluarga")],
    dry_run: DryRun = False,
    program: Annotated[
        str, typer.Option("--program", help="Program untuk baris yang kolom program-nya kosong / default programme")
    ] = DEFAULT_PROGRAMME,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=50, max=20000, help="Keluarga per transaksi / households per batch")
    ] = DEFAULT_BATCH,
) -> None:
    """Impor daftar rumah tangga (KPM) dan anggotanya; baris salah ditulis ke <berkas>.errors.csv/.xlsx."""
    from models.importing import import_households

    config = settings()
    today = datetime.now(config.tz).date()

    def work(db: Database, bar: _Bar) -> Awaitable[ImportResult]:
        return import_households(
            db,
            file,
            today=today,
            dry_run=dry_run,
            default_programme=program,
            actor=_actor(),
            batch_size=batch_size,
            progress=bar.update,
        )

    result = _with_progress(work)
    _print(result, tr("Rumah tangga"), [(tr("Rumah tangga"), result.households), (tr("Anggota"), result.members)])


@import_app.command("users")
def users(
    file: Annotated[Path, typer.Argument(help="Berkas .csv atau .xlsx: nama, telepon, peran, wilayah")],
    dry_run: DryRun = False,
) -> None:
    """Impor daftar petugas (pendamping, koordinator, admin); nomor HP yang sama diperbarui."""
    from models.importing import import_users

    def work(db: Database, bar: _Bar) -> Awaitable[ImportResult]:
        return import_users(db, file, dry_run=dry_run, actor=_actor(), progress=bar.update)

    result = _with_progress(work)
    _print(result, tr("Petugas"), [(tr("Petugas"), result.users)])


# -- plumbing ---------------------------------------------------------------------------------------------------


def _actor() -> str:
    try:
        return getpass.getuser()[:60]
    except (KeyError, OSError):
        return "cli"


class _Bar:
    """Adapts the importer's ``progress(phase, done, total)`` to a rich progress bar (thread-safe)."""

    LABELS = {"baca": "Membaca berkas", "muat": "Memeriksa & memuat"}

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def update(self, phase: str, done: int, total: int | None) -> None:
        task = self.tasks.get(phase)
        if task is None:
            task = self.progress.add_task(tr(self.LABELS.get(phase, phase)), total=total)
            self.tasks[phase] = task
        self.progress.update(task, completed=done, total=total)


@contextmanager
def _progress() -> Iterator[_Bar]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(tr("baris")),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=real_console(), transient=True, disable=not console.is_terminal) as progress:
        yield _Bar(progress)


def _with_progress(work: Callable[[Database, _Bar], Awaitable[ImportResult]]) -> ImportResult:
    from models import migrate
    from models.importing import ImportFileError

    async def go(db: Database) -> ImportResult:
        if not await migrate.is_current(db):  # the import relies on the schema it was written for (e.g. 0013)
            raise fail(
                tr(
                    "Basis data belum diperbarui ke versi program ini. "
                    "Jalankan `jsika db upgrade` dulu, lalu impor lagi."
                ),
                2,
            )
        with _progress() as bar:
            return await work(db, bar)

    try:
        return run_with_db(go)
    except ImportFileError as error:
        raise fail(str(error), 2) from None


def _counts(counts: Counts) -> str:
    from handlers.i18n.format import number

    return tr("{new} baru, {changed} diubah, {unchanged} tidak berubah").format(
        new=number(counts.new), changed=number(counts.changed), unchanged=number(counts.unchanged)
    )


def _issues_table(title: str, issues: list[Issue], limit: int, style: str) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_lines=False, header_style=f"bold {style}")
    table.add_column(tr("Baris"), justify="right", no_wrap=True)
    table.add_column(tr("Kolom"), no_wrap=True)
    table.add_column(tr("Nilai"), overflow="fold", max_width=24)
    table.add_column(tr("Masalah"), overflow="fold")
    for issue in issues[:limit]:
        table.add_row(str(issue.row), issue.column, issue.value, issue.message)
    return table


def _print(result: ImportResult, what: str, counts: list[tuple[str, Counts]]) -> None:
    from handlers.i18n.format import number

    name = result.path.name
    if result.dry_run:
        console.print(tr("Uji coba {file}: tidak ada yang disimpan.").format(file=name), style="bold", highlight=False)
    for label, count in counts:
        console.print(f"{label}: {_counts(count)}", highlight=False)
    console.print(
        tr("Baris: {rows} dibaca, {loaded} {verb}, {failed} tidak dimuat.").format(
            rows=number(result.rows),
            loaded=number(result.rows_loaded),
            verb=tr("lolos pemeriksaan") if result.dry_run else tr("dimuat"),
            failed=number(result.rows_failed),
        ),
        highlight=False,
    )
    if not result.changed_anything and not result.error_count and result.rows:
        console.print(tr("Tidak ada yang berubah: semua data sudah sama dengan basis data."), highlight=False)
    if result.error_count:
        console.print(
            _issues_table(
                tr("Kesalahan ({count})").format(count=number(result.error_count)), result.errors, SHOW_ERRORS, "red"
            )
        )
        if result.error_count > SHOW_ERRORS:
            console.print(
                tr("… dan {more} kesalahan lain.").format(more=number(result.error_count - SHOW_ERRORS)),
                highlight=False,
            )
    if result.warning_count:
        console.print(
            _issues_table(
                tr("Peringatan ({count}) — baris tetap dimuat").format(count=number(result.warning_count)),
                result.warnings,
                SHOW_WARNINGS,
                "yellow",
            )
        )
        if result.warning_count > SHOW_WARNINGS:
            console.print(
                tr("… dan {more} peringatan lain.").format(more=number(result.warning_count - SHOW_WARNINGS)),
                highlight=False,
            )
    if result.error_file is not None:
        console.print(
            tr("Baris yang tidak dimuat ada di {path} (kolom kesalahan). Perbaiki berkas itu lalu impor lagi.").format(
                path=result.error_file
            ),
            style="bold",
            highlight=False,
        )
    rate = result.rows / result.seconds if result.seconds else 0.0
    console.print(
        tr("{what}: selesai dalam {seconds} detik ({rate} baris/detik).").format(
            what=what, seconds=number(round(result.seconds, 1)), rate=number(int(rate))
        ),
        style="dim",
        highlight=False,
    )
    if result.error_count:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
