"""The ``jsika`` command: one Typer app; each command group lives in its own module."""

from __future__ import annotations

import typer

from bot.cli import db

app = typer.Typer(
    name="jsika",
    help="JSiKa Bot — pelaporan pendampingan Jamsosratu lewat Telegram.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")


def _register_optional() -> None:
    """Command groups added by feature modules; each module registers itself on ``app``."""
    import importlib

    for name in (
        "bot.cli.run",
        "bot.cli.importing",
        "bot.cli.seed",
        "bot.cli.people",
        "bot.cli.apikey",
        "bot.cli.backup",
        "bot.cli.remind",
        "bot.cli.bench",
    ):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        module.register(app)


_register_optional()


def main() -> None:
    app()
