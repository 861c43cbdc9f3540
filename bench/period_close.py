"""Benchmark: the period close and the province's disbursement list (issue 21) on PostgreSQL.

    uv run python bench/period_close.py                       # 650k households (seeded once, kept)
    uv run python bench/period_close.py --households 20000    # a quick look

The synthetic province of ``models.seed`` (``bench/databases.py``, seed 7, kept between runs; shared with the
reminder and memory benchmarks) is closed for October 2026, the period whose two earlier months are in the seed,
so all three verdicts and escalation level 3 occur. Each of ``--runs`` rounds (the median counts):

- **close**: the period's verdicts are deleted, then ``models.period_close.close_period`` stores them for the whole
  province (what ``jsika period close --period 2026-10`` does), and once more (a repeated close: nothing changes);
- **peer**: a hand-written SQL of the same verdicts (one ``CREATE TABLE … AS SELECT``: the households on the list,
  their period's verifying reports, the members "tidak memenuhi" three periods running), written to a table as the
  close writes its rows; the counts per verdict of both must agree, else the benchmark fails;
- **export**: ``models.period_export.write_list`` of the whole province with the unsigned lists included (the
  ``jsika period export --include-unsigned`` path) in a child process, whose peak RSS (``VmHWM``) is compared with
  its RSS just before the export: flat memory means the peak does not grow with the rows.

The machine's load average is printed and recorded before and after. Figures go to ``bench/results``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.databases import DEFAULT_PG, _on, seeded_database  # noqa: E402
from bench.results import Figure, record, scale_of  # noqa: E402
from models.calendar import JAKARTA, WorkCalendar  # noqa: E402
from models.db import Database  # noqa: E402
from models.period import Period  # noqa: E402
from models.seed import SeedOptions  # noqa: E402
from models.tables import CheckResult, HouseholdStatus, ProposalStatus, ReviewStatus, Verdict  # noqa: E402

PERIOD = Period(2026, 10)
NOW = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)  # long after October's close
CLOSE_TARGET, EXPORT_TARGET = 30.0, 60.0


def _kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


PEER = f"""
CREATE TABLE bench_peer_verdict AS
WITH reports AS (
    SELECT household_id,
           bool_or(met AND review_status <> '{ReviewStatus.RETURNED.value}'
                   AND (NOT late OR review_status = '{ReviewStatus.APPROVED.value}')) AS verified
    FROM visit WHERE period = :p GROUP BY household_id
), level3 AS (
    SELECT DISTINCT m.household_id
    FROM commitment_check c
    JOIN commitment_check c1 ON c1.member_id = c.member_id AND c1.commitment = c.commitment
                            AND c1.period = :p1 AND c1.result = '{CheckResult.NOT_MET.value}'
    JOIN commitment_check c2 ON c2.member_id = c.member_id AND c2.commitment = c.commitment
                            AND c2.period = :p2 AND c2.result = '{CheckResult.NOT_MET.value}'
    JOIN member m ON m.id = c.member_id
    WHERE c.period = :p AND c.result = '{CheckResult.NOT_MET.value}'
)
SELECT h.id AS household_id,
       CASE WHEN l.household_id IS NOT NULL THEN '{Verdict.RECOMMENDED.value}'
            WHEN r.verified THEN '{Verdict.ELIGIBLE.value}'
            ELSE '{Verdict.UNVERIFIED.value}' END AS verdict
FROM household h
LEFT JOIN reports r ON r.household_id = h.id
LEFT JOIN level3 l ON l.household_id = h.id
WHERE h.status = '{HouseholdStatus.AKTIF.value}'
   OR h.id IN (SELECT household_id FROM graduation_proposal
               WHERE status = '{ProposalStatus.CONFIRMED.value}' AND decided_at >= :begins)
"""


async def _forget(db: Database) -> None:
    async with db.session() as s:
        for table in ("period_adjustment", "period_signoff", "period_verdict"):
            await s.execute(text(f"DELETE FROM {table} WHERE period = :p"), {"p": str(PERIOD)})
    async with db.engine.connect() as conn:
        await conn.execute(text("ANALYZE period_verdict"))
        await conn.commit()


async def _peer(db: Database, calendar: WorkCalendar) -> tuple[float, dict[str, int]]:
    previous = PERIOD.previous()
    params = {"p": str(PERIOD), "p1": str(previous), "p2": str(previous.previous())}
    async with db.session() as s:
        await s.execute(text("DROP TABLE IF EXISTS bench_peer_verdict"))
    started = time.perf_counter()
    async with db.session() as s:
        await s.execute(text(PEER), {**params, "begins": calendar.period_begins(PERIOD)})
    seconds = time.perf_counter() - started
    async with db.session() as s:
        rows = await s.execute(text("SELECT verdict, count(*) FROM bench_peer_verdict GROUP BY verdict"))
        counts = {str(v): int(n) for v, n in rows.all()}
        await s.execute(text("DROP TABLE bench_peer_verdict"))
    return seconds, counts


async def _close(db: Database, calendar: WorkCalendar) -> tuple[float, float, dict[str, int]]:
    from models.period_close import close_period

    await _forget(db)
    first = await close_period(db, PERIOD, calendar, NOW, actor_id="bench")
    again = await close_period(db, PERIOD, calendar, NOW, actor_id="bench")
    assert again.added == 0 and again.removed == 0, (again.added, again.removed)
    counts = {v.value: first.total(v) for v in Verdict if first.total(v)}
    return first.seconds, again.seconds, counts


async def _export_child(url: str, path: str) -> None:
    """One export in this (fresh) process; prints time, rows, size and memory as JSON."""
    from handlers.render.period_close import list_texts
    from models.period_export import write_list

    db = Database(url)
    try:
        texts = list_texts("id", PERIOD, NOW, JAKARTA, True)
        async with db.read_session() as session:
            await session.execute(text("SELECT 1"))
            before = _kb("VmRSS")
            started = time.perf_counter()
            made = await write_list(session, PERIOD, path, include_unsigned=True, tz=JAKARTA, texts=texts)
            seconds = time.perf_counter() - started
    finally:
        await db.dispose()
    print(
        json.dumps({"seconds": seconds, "rows": made.rows, "size": made.size, "before": before, "peak": _kb("VmHWM")})
    )


def _export(url: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="jsika-bench-list-") as folder:
        out = subprocess.run(
            [sys.executable, __file__, "--export-child", url, str(Path(folder) / "daftar.xlsx")],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=650_000)
    parser.add_argument("--url", default=DEFAULT_PG, help="the PostgreSQL server (any database on it)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--export-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        await _export_child(*args.export_child)
        return

    load_before = round(os.getloadavg()[0], 2)
    db = await seeded_database("postgresql", SeedOptions(households=args.households, seed=7), args.url)
    url = _on(args.url, db.engine.url.database or "")
    calendar = WorkCalendar()
    closes, repeats, peers, exports = [], [], [], []
    try:
        for n in range(args.runs):
            load = os.getloadavg()[0]
            first, again, counts = await _close(db, calendar)
            peer_seconds, peer_counts = await _peer(db, calendar)
            if counts != peer_counts:
                raise SystemExit(f"verdict counts differ: close {counts} · peer {peer_counts}")
            closes.append(first)
            repeats.append(again)
            peers.append(peer_seconds)
            print(
                f"  run {n + 1}: close {first:.2f} s, repeated {again:.2f} s, peer SQL {peer_seconds:.2f} s "
                f"(load {load:.2f}); counts agree: {counts}",
                flush=True,
            )
            if not args.no_export:
                made = _export(url)
                exports.append(made)
                print(
                    f"         export {made['seconds']:.1f} s, {made['rows']:,} rows, {made['size'] / 1e6:.1f} MB, "
                    f"RSS {made['before'] / 1024:.0f} MB before → peak {made['peak'] / 1024:.0f} MB",
                    flush=True,
                )
    finally:
        await db.dispose()

    close, peer = statistics.median(closes), statistics.median(peers)
    households = sum(counts.values())
    figures = [
        Figure(
            f"period close, {households:,} households: time",
            round(close, 2),
            "s",
            target=f"< {CLOSE_TARGET:.0f} s",
            met=close < CLOSE_TARGET,
            peer="hand-written SQL of the same verdicts, written to a table",
            peer_value=round(peer, 2),
            ratio=round(close / peer, 2) if peer else None,
            note=f"median of {len(closes)}; repeated close {statistics.median(repeats):.2f} s; "
            f"verdicts {', '.join(f'{k} {v:,}' for k, v in sorted(counts.items()))} (same in the peer)",
        )
    ]
    if exports:
        seconds = statistics.median(e["seconds"] for e in exports)
        peak = statistics.median(e["peak"] for e in exports) / 1024
        before = statistics.median(e["before"] for e in exports) / 1024
        figures += [
            Figure(
                f"province list export, {int(exports[0]['rows']):,} rows: time",
                round(seconds, 1),
                "s",
                target=f"< {EXPORT_TARGET:.0f} s",
                met=seconds < EXPORT_TARGET,
                note=f"median of {len(exports)}; {exports[0]['size'] / 1e6:.1f} MB file",
            ),
            Figure(
                "province list export: process peak RSS",
                round(peak),
                "MB",
                target="flat (< 300 MB)",
                met=peak < 300,
                note=f"{before:.0f} MB before the export",
            ),
        ]
    print(f"› load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    for figure in figures:
        print(f"  {figure.name}: {figure.value} {figure.unit} (target {figure.target}, met {figure.met}) {figure.note}")
    record(
        "period-close",
        figures,
        scale=scale_of(args.households),
        database="postgresql",
        params={"households": args.households, "period": str(PERIOD), "runs": args.runs},
        load_before=load_before,
    )


if __name__ == "__main__":
    asyncio.run(main())
