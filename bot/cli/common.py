"""What every CLI command needs: settings, a database, a console, and a way to run async code.

Nothing heavy is imported at module level (pydantic, SQLAlchemy, rich, the models): ``jsika --help`` loads only
this module and Typer, so it answers at once; each command pays for the libraries it uses when it runs.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

import typer
from typer._click.core import Context as ClickContext
from typer._click.formatting import HelpFormatter
from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:
    from rich.console import Console

    from bot.config import Settings
    from models.db import Database

T = TypeVar("T")


class _LazyConsole:
    """A rich ``Console`` made on first use: importing rich costs a fifth of a second ``--help`` does not need."""

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def real(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


_console = _LazyConsole(stderr=False)
_err_console = _LazyConsole(stderr=True)
console = cast("Console", _console)
err_console = cast("Console", _err_console)


def real_console() -> Console:
    """The console itself, for rich objects that keep a reference to it (progress bars)."""
    return _console.real()


def settings() -> Settings:
    from bot.config import SettingsError, get_settings

    try:
        return get_settings()
    except SettingsError as error:
        err_console.print(f"[bold red]{error}[/]", highlight=False, soft_wrap=True, markup=True)
        raise typer.Exit(2) from None


def tr(message: str) -> str:
    """Translate a CLI message into the configured language."""
    from handlers.i18n import translator

    return translator(settings().language)(message)


def check_database(config: Settings) -> None:
    """A SQLite file in a folder that does not exist: say so before aiosqlite's worker thread fails on it (its
    failure would outlive the event loop and print a thread traceback after the one line)."""
    if not config.is_sqlite:
        return
    from pathlib import Path

    from sqlalchemy.engine import make_url

    database = make_url(config.database_url).database
    if database and database != ":memory:" and not Path(database).expanduser().parent.is_dir():
        from bot.cli.errors import sqlite_folder_missing

        raise fail(sqlite_folder_missing(database, config.language))


def run_with_db(work: Callable[[Database], Awaitable[T]], *, migration_log: bool = False) -> T:
    """Open the configured database, run ``work``, and always close the engine.

    alembic's INFO lines ("Context impl SQLiteImpl.") would print before the command's answer; only ``db upgrade``
    and ``db downgrade`` show them (``migration_log``), where each line is a migration being applied."""
    import asyncio
    import logging

    from bot.config import configure_logging
    from models.db import Database

    config = settings()
    check_database(config)
    configure_logging(config)
    if not migration_log and config.log_level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)

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


HELP_TEXT = "Tampilkan bantuan ini lalu keluar / show this help and exit."

# Typer's own words on a help page (headings, usage pieces, value kinds, the notes in brackets), in Indonesian.
HEADINGS = {"Options": "Opsi / options", "Commands": "Perintah / commands", "Arguments": "Argumen / arguments"}
USAGE_PIECES = {"[OPTIONS]": "[OPSI]", "COMMAND [ARGS]...": "PERINTAH [ARGUMEN]..."}
VALUE_KINDS = {
    "<int range>": "<bilangan>",
    "<int>": "<bilangan>",
    "<float range>": "<angka>",
    "<float>": "<angka>",
    "<str>": "<teks>",
    "<path>": "<berkas>",
}
NOTES = {"required": "wajib", "default": "bawaan", "env var": "variabel"}
_NOTE = re.compile(r"\[([^\[\]]*)\]$")


def _note(part: str) -> str:
    word, colon, rest = part.partition(": ")
    return f"{NOTES.get(word, word)}{colon}{rest}" if colon else NOTES.get(part, part)


def indonesian_row(term: str, help_text: str) -> tuple[str, str]:
    """One line of the options table: ``<int range>`` → ``<bilangan>``, ``[default: 1; required]`` → ``[bawaan:
    1; wajib]``."""
    for english, indonesian in VALUE_KINDS.items():
        term = term.replace(english, indonesian)
    note = _NOTE.search(help_text)
    if note:
        translated = "; ".join(_note(part) for part in note.group(1).split("; "))
        help_text = help_text[: note.start()] + f"[{translated}]"
    return term, help_text


class JsikaFormatter(HelpFormatter):
    """Click's help formatter with Indonesian headings, usage prefix and option notes."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, indonesian in USAGE_PIECES.items():
            args = args.replace(english, indonesian)
        super().write_usage(prog, args, prefix="Pemakaian / usage: " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(HEADINGS.get(heading, heading))

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([indonesian_row(term, text) for term, text in rows], col_max, col_spacing)


class JsikaContext(typer.Context):
    formatter_class = JsikaFormatter


class _Indonesian:
    """Typer's own words in the help pages, in Indonesian: the help option and the formatter's words."""

    context_class: type[ClickContext] = JsikaContext

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP_TEXT
        return option

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Click's parser raises "option -n requires a value" without a context; give it this command's, so the
        message names ``jsika seed`` rather than ``jsika``."""
        from typer._click.exceptions import UsageError

        try:
            return super().parse_args(ctx, args)  # type: ignore[misc]
        except UsageError as error:
            if error.ctx is None:
                error.ctx, error.cmd = ctx, ctx.command
            raise


class JsikaCommand(_Indonesian, TyperCommand):
    pass


class JsikaGroup(_Indonesian, TyperGroup):
    pass


class JsikaTyper(typer.Typer):
    """``typer.Typer`` whose commands and groups speak Indonesian in ``--help``; plain help (no rich panels),
    which also keeps rich out of ``jsika --help``."""

    def __init__(self, *, cls: type[TyperGroup] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("rich_markup_mode", None)
        super().__init__(cls=cls or JsikaGroup, **kwargs)

    def command(self, *args: Any, cls: type[TyperCommand] | None = None, **kwargs: Any) -> Any:
        return super().command(*args, cls=cls or JsikaCommand, **kwargs)
