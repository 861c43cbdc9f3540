"""Where benchmark figures go: one JSON file per benchmark run in ``bench/results/``, read back by
``python -m bench report`` to write ``docs/performance.md``.

A benchmark still prints its own figures for the person watching; it also calls :func:`record` with the few
figures that answer a target, so the results page is built from measurements and never typed by hand. Each file
carries the machine facts that make a figure readable later (CPUs, load average, commit, database version).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(slots=True)
class Figure:
    """One measured figure, with its target and its peer (a ceiling such as raw COPY, or a bare echo bot)."""

    name: str
    value: float
    unit: str
    target: str | None = None
    met: bool | None = None
    peer: str | None = None
    peer_value: float | None = None
    ratio: float | None = None
    note: str = ""


@dataclass(slots=True)
class Run:
    bench: str
    scale: str
    database: str
    figures: list[Figure]
    params: dict[str, Any] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=dict)


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=RESULTS.parent,
            timeout=5,
            check=False,
        )
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


_started_at: str | None = None


def started() -> None:
    """Note the commit checked out as the benchmark starts; ``record`` writes that one. A commit made while a
    long run goes on (another engineer's, in the same checkout) must not be credited with its figures."""
    global _started_at
    _started_at = _commit()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def machine_facts(load_before: float | None = None) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _started_at or _commit(),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "load_before": load_before,
        "load_after": round(os.getloadavg()[0], 2),
    }


def slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")


def record(
    bench: str,
    figures: list[Figure],
    *,
    scale: str,
    database: str,
    params: dict[str, Any] | None = None,
    load_before: float | None = None,
) -> Path:
    """Write one run's figures to ``bench/results/<bench>-<scale>-<database>.json`` (the newest run wins)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    run = Run(bench, scale, database, figures, params or {}, machine_facts(load_before))
    path = RESULTS / f"{slug(bench)}-{slug(scale)}-{slug(database)}.json"
    path.write_text(json.dumps(asdict(run), indent=2, ensure_ascii=False) + "\n")
    print(f"› figures written to {path.relative_to(RESULTS.parent.parent)}")
    return path


def scale_of(households: int) -> str:
    """The named scale a household count belongs to (docs/glossary.md): Jamsosratu 50k, the province 650k."""
    if households >= 650_000:
        return "province"
    if households >= 50_000:
        return "jamsosratu"
    return f"{households}-households"


def load_all() -> list[Run]:
    runs: list[Run] = []
    for path in sorted(RESULTS.glob("*.json")):
        data = json.loads(path.read_text())
        figures = [Figure(**figure) for figure in data.pop("figures")]
        runs.append(Run(figures=figures, **data))
    return runs


started()  # on import: every benchmark imports this module as it starts (or calls started() itself)
