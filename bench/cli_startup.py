"""Benchmark: how long the ``jsika`` command takes to answer (targets: ``--help`` < 0.5 s, a small command < 1 s).

    uv run python bench/cli_startup.py              # 3 runs of each, median and spread
    uv run python bench/cli_startup.py --runs 15

Each run starts the installed console script afresh (``.venv/bin/jsika``), as a person at a terminal does, and
the wall time to its exit is the figure: interpreter start, imports, the command's own work. ``--help`` loads only
Typer (the command modules import their libraries when they run); ``db current`` on a migrated SQLite file opens
the database and compares its revision with the code's (``models/revision.py``, without Alembic), the smallest
command that touches everything a database command needs.
Bytecode is written on the warm-up run and reused, as on a person's machine (``PYTHONDONTWRITEBYTECODE`` is
dropped from the environment: with it, every run compiles every module from source, seconds per command). The
peer is ``python -c pass``: what any Python command costs on this machine before it does anything. The load
average before and after is recorded — on a shared 2-CPU machine it moves these figures more than any change.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.results import Figure, record, started  # noqa: E402

JSIKA = Path(sys.executable).parent / "jsika"


def timed(command: list[str], env: dict[str, str], cwd: Path, runs: int) -> list[float]:
    subprocess.run(command, env=env, cwd=cwd, capture_output=True, check=True)  # warm the page cache once
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        subprocess.run(command, env=env, cwd=cwd, capture_output=True, check=True)
        times.append(time.perf_counter() - begin)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    started()
    load_before = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        # A person's Python writes __pycache__ on the first run and reuses it; PYTHONDONTWRITEBYTECODE (set on some
        # CI machines) makes every run compile every module from source again: 3-5 s more per command.
        env = {k: v for k, v in os.environ.items() if not k.startswith("JSIKA_") and k != "PYTHONDONTWRITEBYTECODE"}
        env["JSIKA_DATABASE_URL"] = "sqlite+aiosqlite:///./jsika.db"
        subprocess.run([str(JSIKA), "db", "upgrade"], env=env, cwd=cwd, capture_output=True, check=True)
        bare = timed([sys.executable, "-c", "pass"], env, cwd, args.runs)
        help_ = timed([str(JSIKA), "--help"], env, cwd, args.runs)
        small = timed([str(JSIKA), "db", "current"], env, cwd, args.runs)
    load_after = round(os.getloadavg()[0], 2)
    bare_m, help_m, small_m = (statistics.median(t) for t in (bare, help_, small))
    print(f"{args.runs} runs each, load average {load_before} before, {load_after} after:")
    for name, times in (("python -c pass", bare), ("jsika --help", help_), ("jsika db current", small)):
        print(f"  {name:18} median {statistics.median(times):.3f} s  (min {min(times):.3f}, max {max(times):.3f})")
    note = f"median of {args.runs}, bytecode cached; load {load_before} → {load_after}"
    record(
        "cli-startup",
        [
            Figure(
                "jsika --help", round(help_m, 3), "s", target="< 0.5 s", met=help_m < 0.5,
                peer="python -c pass", peer_value=round(bare_m, 3), ratio=round(help_m / bare_m, 1), note=note,
            ),
            Figure(
                "jsika db current (SQLite)", round(small_m, 3), "s", target="< 1 s", met=small_m < 1.0,
                peer="python -c pass", peer_value=round(bare_m, 3), ratio=round(small_m / bare_m, 1),
                note=note + "; most of it is importing SQLAlchemy (the async engine loads its ORM) and pydantic",
            ),
        ],
        scale="cli",
        database="sqlite",
        params={"runs": args.runs},
        load_before=load_before,
    )  # fmt: skip


if __name__ == "__main__":
    main()
