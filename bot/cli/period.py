"""``jsika period close | export``: a period's verdicts and the disbursement list Dinas Sosial pays from.

``close`` computes the verdicts (``models/period_close.py``) per kabupaten/kota; ``--dry-run`` prints what would be
stored and stores nothing; without it the run is idempotent (decided and signed lists are left alone). ``export``
writes the list as XLSX. See docs/period-close.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.cli.common import JsikaTyper, console, fail, run_with_db, settings

if TYPE_CHECKING:
    from models.db import Database
    from models.period import Period
    from models.period_close import CloseReport

period_app = JsikaTyper(
    help="Tutup periode dan daftar penyaluran / period close and disbursement list.", no_args_is_help=True
)


def parse_period(text: str) -> Period:
    from models.period import Period

    try:
        return Period.parse(text)
    except ValueError as error:
        raise fail(str(error)) from None


def _print(report: CloseReport) -> None:
    from rich.table import Table

    from handlers.i18n import translator
    from handlers.render.period_close import VERDICT_ORDER, verdict_label

    lang = settings().language
    _ = translator(lang)
    title = _("Periode {period}: putusan per kabupaten/kota").format(period=report.period)
    if report.dry_run:
        title += " " + _("(uji coba, tidak disimpan)")
    table = Table(title=title)
    table.add_column(_("wilayah"))
    for verdict in VERDICT_ORDER:
        table.add_column(verdict_label(verdict, lang), justify="right")
    table.add_column(_("status"))
    totals = dict.fromkeys(VERDICT_ORDER, 0)
    for area in report.areas:
        status = _("ditandatangani, tidak diubah") if area.signed else _("dihitung")
        for verdict in VERDICT_ORDER:
            totals[verdict] += area.counts.get(verdict, 0)
        table.add_row(area.name, *(f"{area.counts.get(v, 0):,}".replace(",", ".") for v in VERDICT_ORDER), status)
    table.add_row(_("Jumlah"), *(f"{totals[v]:,}".replace(",", ".") for v in VERDICT_ORDER), "")
    console.print(table)
    console.print(
        _(
            "Putusan baru {added}, diganti {removed} (yang sudah diputuskan koordinator tidak diubah) — {seconds} s"
        ).format(added=report.added, removed=report.removed, seconds=f"{report.seconds:.1f}"),
        highlight=False,
    )


@period_app.command("close")
def close(
    period: str = typer.Option(..., "--period", help="Periode TTTT-BB, mis. 2026-10"),
    area: str = typer.Option("36", "--area", help="Kode kabupaten/kota, mis. 36.02 (bawaan: seluruh provinsi)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Hanya hitung dan tampilkan; tidak ada yang disimpan"),
) -> None:
    """Hitung putusan penyaluran periode itu (layak salur, direkomendasikan ditangguhkan, belum terverifikasi)."""
    from handlers.render.period_close import problem
    from models.period_close import PeriodCloseError, close_period
    from models.regions import RegionCodeError, normalize_region_code

    config = settings()
    the_period = parse_period(period)
    try:
        code = normalize_region_code(area)
    except RegionCodeError as error:
        raise fail(str(error)) from None

    async def work(db: Database) -> CloseReport:
        return await close_period(
            db, the_period, config.work_calendar(), datetime.now(UTC), area=code, dry_run=dry_run, actor_id="cli"
        )

    try:
        report = run_with_db(work)
    except PeriodCloseError as error:
        raise fail(problem(error.code, error.detail, config.language)) from None
    _print(report)


@period_app.command("export")
def export(
    period: str = typer.Option(..., "--period", help="Periode TTTT-BB, mis. 2026-10"),
    output: Path = typer.Option(..., "-o", "--output", help="Berkas .xlsx yang ditulis"),
    include_unsigned: bool = typer.Option(
        False, "--include-unsigned", help="Sertakan kabupaten/kota yang belum menandatangani (ditandai)"
    ),
) -> None:
    """Tulis daftar penyaluran periode itu (satu baris per keluarga, lembar ringkasan) ke berkas XLSX."""
    from handlers.i18n import translator
    from handlers.render.period_close import list_texts
    from models.period_export import ListFile, write_list

    config = settings()
    the_period = parse_period(period)
    if output.suffix.lower() != ".xlsx":
        raise fail(translator(config.language)("Nama berkas harus berakhiran .xlsx, mis. daftar-2026-10.xlsx"))
    if not output.expanduser().resolve().parent.is_dir():
        raise fail(translator(config.language)("Folder {folder} tidak ada.").format(folder=output.parent))

    target = str(output.expanduser())

    async def work(db: Database) -> ListFile:
        texts = list_texts(config.language, the_period, datetime.now(UTC), config.tz, include_unsigned)
        async with db.read_session() as session:
            return await write_list(
                session,
                the_period,
                target,
                include_unsigned=include_unsigned,
                tz=config.tz,
                texts=texts,
            )

    made = run_with_db(work)
    _ = translator(config.language)
    console.print(
        _("{rows} keluarga ditulis ke {path} ({size:.1f} MB).").format(
            rows=f"{made.rows:,}".replace(",", "."), path=made.path, size=made.size / 1_048_576
        ),
        highlight=False,
    )
    if made.unsigned:
        note = (
            _("Belum ditandatangani (ditandai di daftar): {areas}")
            if include_unsigned
            else _("Belum ditandatangani (tidak disertakan; pakai --include-unsigned): {areas}")
        )
        console.print(note.format(areas=", ".join(made.unsigned)), highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(period_app, name="period")
