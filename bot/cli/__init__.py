"""The ``jsika`` command: one Typer app; each command group lives in its own module.

The modules import only Typer at load time (the libraries a command needs are imported when it runs), so
``jsika --help`` answers in a fraction of a second. :func:`main` turns any failure into one line
(``bot/cli/errors.py``); ``--debug`` shows the traceback too.
"""

from __future__ import annotations

import importlib
import sys

import typer

from bot.cli.common import JsikaTyper

app = JsikaTyper(
    name="jsika",
    help="JSiKa Bot — pelaporan pendampingan Jamsosratu lewat Telegram.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    debug: bool = typer.Option(
        False, "--debug", help="Tampilkan jejak lengkap (traceback) saat gagal / show the traceback on failure"
    ),
) -> None:
    """JSiKa Bot — pelaporan pendampingan Jamsosratu lewat Telegram."""


COMMAND_MODULES = (
    "bot.cli.db",
    "bot.cli.run",
    "bot.cli.importing",
    "bot.cli.seed",
    "bot.cli.people",
    "bot.cli.apikey",
    "bot.cli.backup",
    "bot.cli.remind",
    "bot.cli.period",
    "bot.cli.bench",
)


def _register() -> None:
    """Command groups added by feature modules; each module registers itself on ``app``."""
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        module.register(app)


_register()


def main() -> None:
    """The ``jsika`` entry point: a usage error is two lines and exit 2 (``bot/cli/usage.py``), any other failure
    one line and exit 1 (``bot/cli/errors.py``); the command's own exit code passes through."""
    from typer._click.exceptions import UsageError

    try:
        code = app(standalone_mode=False)
    except UsageError as error:
        from bot.cli.errors import configured_language
        from bot.cli.usage import show

        show(error, configured_language())
        sys.exit(error.exit_code)
    except typer.Abort:
        sys.stderr.write("\n")
        sys.exit(1)
    except Exception as error:
        from bot.cli.errors import debug_requested, explain

        if debug_requested(sys.argv[1:]):
            import traceback

            traceback.print_exception(error)
        line = explain(error)
        sys.stderr.write(line + "\n")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
