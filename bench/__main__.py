"""``python -m bench`` (or ``jsika bench``): run the benchmark suite and write ``docs/performance.md``.

    python -m bench list                               # what there is, per scale
    python -m bench run --scale jamsosratu             # 50k households, SQLite and PostgreSQL
    python -m bench run summaries import --scale province
    python -m bench report                             # rebuild docs/performance.md from bench/results/*.json

Each benchmark is its own script (its docstring says what it measures and against which peer); this runner only
knows which invocations make up a scale, runs them one after another under a machine-wide lock (two benchmarks
at once would measure each other), keeps each one's output in ``bench/.cache/logs/``, and goes on when one fails.
Seeded databases are cached between runs (``bench/databases.py``). The figures each script records land in
``bench/results/`` and the report is written from those files only.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import report

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LOGS = HERE / ".cache" / "logs"
LOCK = Path("/tmp/jsika-bench.lock")
PG = os.environ.get("JSIKA_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
SUMMARIES_DB = PG.rsplit("/", 1)[0] + "/jsika_bench_summaries"


@dataclass(frozen=True)
class Invocation:
    bench: str
    label: str
    argv: tuple[str, ...]


def suite(scale: str) -> list[Invocation]:
    """The invocations that make up one scale; the figures of the targets table (docs/performance.md) come from these."""
    households = 650_000 if scale == "province" else 50_000
    n = str(households)
    runs: list[Invocation] = []
    if scale == "jamsosratu":
        runs += [
            Invocation("import", "import 50k SQLite", ("import_bench.py", "--households", n, "--db", "sqlite")),
            Invocation("reminders", "planning 50k SQLite", ("reminder_bench.py", "plan", "--db", "sqlite", "--households", n, "--cache")),
        ]  # fmt: skip
    runs += [
        Invocation("import", f"import {n} PostgreSQL", ("import_bench.py", "--households", n, "--db", "postgresql", "--url", PG)),
        Invocation("reminders", f"planning {n} PostgreSQL", ("reminder_bench.py", "plan", "--db", "postgresql", "--households", n, "--cache", "--url", PG)),
        Invocation("summaries", f"supervisor reports {n} PostgreSQL", ("summaries.py", "--households", n, "--reuse", "--keep")),
        Invocation("api", f"OPD API {n} PostgreSQL", ("opd_api.py", "--households", n, "--url", PG)),
        Invocation("memory", f"bot memory {n} PostgreSQL", ("memory.py", "--households", n, "--url", PG)),
        Invocation("period-close", f"period close and list export {n} PostgreSQL", ("period_close.py", "--households", n, "--url", PG)),
        Invocation("outbox", "outbox delivery SQLite", ("reminder_bench.py", "deliver", "--db", "sqlite")),
        Invocation("outbox", "outbox delivery PostgreSQL", ("reminder_bench.py", "deliver", "--db", "postgresql", "--url", PG)),
        Invocation("cli", "jsika command start-up", ("cli_startup.py",)),
        Invocation("echo", "bare PTB echo bot, 1,000 users", ("sandbox_echo.py", "--users", "1000", "--messages", "13")),
        Invocation("report", "1,000 pendamping reporting, SQLite", ("report_load.py", "--users", "1000")),
        Invocation("webhook", "webhook intake SQLite", ("webhook_load.py", "accept", "--db", "sqlite")),
        Invocation("webhook", "webhook intake PostgreSQL", ("webhook_load.py", "accept", "--db", "postgresql", "--url", PG)),
        Invocation("webhook", "end to end, 1 and 2 processes", ("webhook_load.py", "process", "--workers", "1", "2", "--url", PG)),
    ]  # fmt: skip
    if scale == "province":
        runs.append(Invocation("upgrade", "migration 0018 on the 15M-visit province", ("upgrade_bench.py", "postgresql", "--url", SUMMARIES_DB)))  # fmt: skip
        runs.append(
            Invocation(
                "memory",
                "bot memory on the 15M-visit province",
                ("memory.py", "--database-url", SUMMARIES_DB),
            )
        )
    return runs


def run_one(invocation: Invocation) -> bool:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{invocation.bench}-{time.strftime('%Y%m%d-%H%M%S')}.log"
    command = [sys.executable, "-u", str(HERE / invocation.argv[0]), *invocation.argv[1:]]
    print(f"\n══ {invocation.label}\n   {' '.join(command[2:])}   (log: {log.relative_to(ROOT)})", flush=True)
    started = time.perf_counter()
    with LOCK.open("w") as lock, log.open("w") as out:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one benchmark on the machine at a time
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ
        )
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write("   " + line)
            out.write(line)
        code = process.wait()
    print(f"   → {'ok' if code == 0 else f'FAILED (exit {code})'} in {time.perf_counter() - started:.0f} s", flush=True)
    return code == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="the benchmarks of a scale")
    listing.add_argument("--scale", choices=["jamsosratu", "province"], default="jamsosratu")
    run = sub.add_parser("run", help="run benchmarks, then rewrite docs/performance.md")
    run.add_argument("names", nargs="*", help="benchmark names (default: all of the scale)")
    run.add_argument("--scale", choices=["jamsosratu", "province"], default="jamsosratu")
    run.add_argument("--no-report", action="store_true", help="do not rewrite docs/performance.md")
    sub.add_parser("report", help="rewrite docs/performance.md from bench/results/*.json")
    args = parser.parse_args(argv)

    if args.command == "list":
        for invocation in suite(args.scale):
            print(f"{invocation.bench:10} {invocation.label:45} {' '.join(invocation.argv)}")
        return 0
    if args.command == "report":
        print(f"› {report.write().relative_to(ROOT)} written")
        return 0
    chosen = [i for i in suite(args.scale) if not args.names or i.bench in args.names]
    unknown = set(args.names) - {i.bench for i in suite(args.scale)}
    if unknown:
        parser.error(f"unknown benchmark(s) for scale {args.scale}: {', '.join(sorted(unknown))}")
    failed = [i.label for i in chosen if not run_one(i)]
    if not args.no_report:
        print(f"\n› {report.write().relative_to(ROOT)} written")
    if failed:
        print("failed: " + "; ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
