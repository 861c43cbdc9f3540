"""``jsika run`` and ``jsika demo``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from bot.cli.common import fail, settings, tr

if TYPE_CHECKING:
    from bot.config import Settings


def run(
    workers: int | None = typer.Option(
        None, "--workers", min=1, max=64, help="Jumlah proses bot (lebih dari 1: PostgreSQL). Bawaan: JSIKA_WORKERS"
    ),
) -> None:
    """Jalankan bot. Tanpa TELEGRAM_BOT_TOKEN: demo sandbox lokal di http://127.0.0.1:8080."""
    from bot.config import configure_logging

    config = settings()
    configure_logging(config)
    count = workers or config.workers
    if count > 1:
        from bot.workers import WorkersRefused, supervise

        try:
            raise typer.Exit(supervise(config, count))
        except WorkersRefused as error:
            raise fail(str(error), 2) from None
    _serve(config)


def _serve(config: Settings) -> None:
    from bot import aio
    from bot.cli.common import check_database
    from bot.demo import DemoRefused
    from bot.service import serve

    check_database(config)
    try:
        aio.run(serve(config))
    except DemoRefused as refused:
        raise fail(tr(str(refused)), 2) from None


def demo() -> None:
    """Jalankan demo sandbox lokal (tanpa Telegram), walau token sudah diatur."""
    from bot.config import configure_logging

    config = settings().model_copy(update={"telegram_bot_token": None})
    configure_logging(config)
    _serve(config)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("demo")(demo)
