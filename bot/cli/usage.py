"""A command typed wrongly: one line saying what is wrong, one saying where the help is, exit code 2.

Typer (its own copy of Click) words its usage errors in English over four lines ("Usage: …", "Try 'jsika --help'
for help.", a blank line, "Error: No such option: --x") and lets pydantic word a wrong value ("Input should be a
valid integer"). ``bot.cli.main`` runs the app without Typer's own error printing and hands a usage error here,
which says the same in the configured language. The exception classes carry what is needed (the option, the
parameter, pydantic's error); the few errors Click only raises as text are recognised by their wording, which
tests/cli/test_cli_usage.py pins for the locked Typer version.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from typer._click.exceptions import (
    BadParameter,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)

from handlers.i18n import N_, gettext

# Click's wording of the errors it raises as plain text → our words; groups fill the placeholders.
TEXT_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^No such command '(?P<name>.*)'\. Did you mean (?P<like>.+)\?$"), N_("perintah {name} tidak ada; maksudnya {like}?")),
    (re.compile(r"^No such command '(?P<name>.*)'\.$"), N_("perintah {name} tidak ada")),
    (re.compile(r"^Missing command\.$"), N_("perintahnya belum disebut")),
    (re.compile(r"^Got unexpected extra argument\(s\) \((?P<extra>.*)\)$"), N_("argumen berlebih: {extra}")),
    (re.compile(r"^Option '(?P<name>.*)' requires an argument\.$"), N_("opsi {name} perlu nilai")),
    (re.compile(r"^Option '(?P<name>.*)' requires (?P<count>\d+) arguments\.$"), N_("opsi {name} perlu {count} nilai")),
    (re.compile(r"^Option '(?P<name>.*)' does not take a value\.$"), N_("opsi {name} tidak menerima nilai")),
    (re.compile(r"^Argument '(?P<name>.*)' takes (?P<count>\d+) values\.$"), N_("argumen {name} perlu {count} nilai")),
    (re.compile(r"^(?:Path|File|Directory) '(?P<path>.*)' does not exist\.$"), N_("{path} tidak ada")),
    (re.compile(r"^(?:Path|File|Directory) '(?P<path>.*)' is a directory\.$"), N_("{path} adalah folder, bukan berkas")),
    (re.compile(r"^(?:Path|File|Directory) '(?P<path>.*)' is a file\.$"), N_("{path} adalah berkas, bukan folder")),
    (re.compile(r"^(?:Path|File|Directory) '(?P<path>.*)' is not readable\.$"), N_("{path} tidak bisa dibaca")),
    (re.compile(r"^(?:Path|File|Directory) '(?P<path>.*)' is not writable\.$"), N_("{path} tidak bisa ditulis")),
)  # fmt: skip


def _words(message: str, t: Callable[[str], str]) -> str:
    for pattern, words in TEXT_ERRORS:
        found = pattern.match(message.strip())
        if found:
            return t(words).format(**{key: value.strip("'") for key, value in found.groupdict().items()})
    return message.strip()


def _parameter(error: BadParameter) -> str:
    """``--households / -n``, or an argument's name: what the person typed, without Click's quotes."""
    if error.param_hint is not None:
        hint = error.param_hint if isinstance(error.param_hint, str) else " / ".join(error.param_hint)
    elif error.param is not None:
        hint = error.param.get_error_hint()
    else:
        hint = ""
    return hint.replace("'", "").replace('"', "")


def problem(error: UsageError, lang: str) -> str:
    """What is wrong, in words, without the command's name."""

    def t(message: str) -> str:
        return gettext(message, lang)

    if isinstance(error, MissingParameter):
        return t(N_("{name} wajib diisi")).format(name=_parameter(error))
    if isinstance(error, BadParameter):
        cause = error.__cause__
        errors = getattr(cause, "errors", None)
        if callable(errors) and errors():
            from bot.config import describe_pydantic_error

            item = errors()[0]
            reason = describe_pydantic_error(item, lang)
            value = item.get("input")
            if isinstance(value, str):
                reason += t(N_(" (sekarang: {value})")).format(value=repr(value))
        else:
            reason = _words(error.message, t)
        return t(N_("nilai {name} salah: {reason}")).format(name=_parameter(error), reason=reason)
    if isinstance(error, NoSuchOption):
        words = t(N_("opsi {name} tidak dikenal")).format(name=error.option_name)
        if error.possibilities:
            words += t(N_("; maksudnya {like}?")).format(like=", ".join(sorted(error.possibilities)))
        return words
    return _words(error.message, t)  # BadOptionUsage and plain UsageError: Click's words only


def describe(error: UsageError, lang: str) -> list[str]:
    """The lines to print: ``jsika seed: nilai -n / --households salah: …`` and where the help is."""
    command = error.ctx.command_path if error.ctx is not None else "jsika"  # the parser's errors carry no context
    return [
        f"{command}: {problem(error, lang)}",
        gettext(N_("Bantuan: {command} --help"), lang).format(command=command),
    ]


def show(error: UsageError, lang: str) -> None:
    """Print the usage error; ``jsika`` or ``jsika db`` alone still print the help page, as asked."""
    import sys

    if isinstance(error, NoArgsIsHelpError):
        error.show()
        return
    sys.stderr.write("\n".join(describe(error, lang)) + "\n")
