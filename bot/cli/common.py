"""What every CLI command needs: settings, a database, a console, and a way to run async code."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console

from bot.config import Settings, SettingsError, configure_logging, get_settings
from handlers.i18n import translator
from models.db import Database

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)


def settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as error:
        err_console.print(f"[bold red]{error}[/]", highlight=False)
        raise typer.Exit(2) from None


def tr(message: str) -> str:
    """Translate a CLI message into the configured language."""
    return translator(settings().language)(message)


def run_with_db(work: Callable[[Database], Awaitable[T]]) -> T:
    """Open the configured database, run ``work``, and always close the engine."""
    config = settings()
    configure_logging(config)

    async def runner() -> T:
        db = Database(config.database_url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(runner())


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one readable line and return the Exit to raise (one line also in a log: rich must not wrap it)."""
    err_console.print(f"[bold red]{message}[/]", highlight=False, soft_wrap=True)
    return typer.Exit(code)
