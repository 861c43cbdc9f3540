"""``jsika bench …``: the benchmark suite of a source checkout (``python -m bench``), from the same command.

The benchmarks are not part of the installed package — they need the checkout's ``bench/`` folder, the sandbox
and a PostgreSQL server — so this command only finds that folder and hands the arguments over unchanged.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

from bot.cli.common import fail

CHECKOUT = Path(__file__).resolve().parents[2]


def bench(context: typer.Context) -> None:
    """Jalankan benchmark dan tulis docs/performance.md (list | run [nama…] --scale jamsosratu|province | report)."""
    if not (CHECKOUT / "bench" / "__main__.py").is_file():
        raise fail("Benchmark hanya tersedia dari salinan kode sumber (folder bench/ tidak ditemukan).")
    arguments = list(context.args) or ["--help"]
    raise typer.Exit(subprocess.call([sys.executable, "-m", "bench", *arguments], cwd=CHECKOUT))


def register(app: typer.Typer) -> None:
    app.command(
        "bench",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
    )(bench)
