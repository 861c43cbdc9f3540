"""Benchmark: the OPD API at province scale — pages of 100 for a province, a kabupaten and kecamatan, and
``/stats`` — each against the same rows read by hand-written SQL in the same run.

    uv run python bench/opd_api.py                        # 650k households (models.seed, kept by bench/databases.py)
    uv run python bench/opd_api.py --households 50000
    uv run python bench/opd_api.py --database-url postgresql+asyncpg://…/jsika_bench_summaries

The API runs in-process (ASGI through httpx, no network): key check, rate limit, audit row, query, JSON — what
another agency's dashboard waits for. Each list is walked page by page along its ``next_cursor``; then the same
pages (the same ``after`` ids) are read again by one hand-written statement each (the peer: the rows alone, no
key, no audit, no JSON). ``/stats`` is timed ``--runs`` times for the province against one hand-written aggregate
per figure over the base tables. Both are repeated ``--repeat`` times interleaved, and the median of the repeats'
p95 counts. The load average is recorded; the page figures go to ``bench/results`` as ``opd-api``.

``/stats`` answers from the rollup of migration 0021 (``models/opd_stats.py``): the run first refreshes it for
the day (a full recount, timed: the nightly job's cost), checks once that its answer equals the plain count over
the base tables, and times ``/stats`` twice — with nothing written since the refresh, and with ``--dirty``
households logged as written (counted live, as on a busy day between two refreshes), then an incremental refresh
of those.
Those figures go to ``bench/results`` as ``opd-stats``; ``--only-stats`` skips the pages.

    uv run python bench/opd_api.py --only-stats           # /stats and the refresh only
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import delete, insert, select, text  # noqa: E402

from bench.databases import DEFAULT_PG, seeded_database  # noqa: E402
from bench.results import Figure, record, scale_of  # noqa: E402
from models.db import Database  # noqa: E402
from models.queries.opd import years_before  # noqa: E402

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)  # in Asia/Jakarta at NOW
PAGE_TARGET_MS = 50
STATS_TARGET_MS = 100

_MEMBER_ROWS = """SELECT m.*, h.desa_code, r.name FROM member m JOIN household h ON h.id = m.household_id
    JOIN region r ON r.code = h.desa_code
    WHERE h.desa_code LIKE :prefix AND h.status = 'aktif' AND m.status = 'aktif' AND ({condition})
      AND m.id > :after ORDER BY m.id LIMIT 101"""
_HOUSEHOLD_ROWS = """SELECT h.id, h.programme_code, h.kk, h.head_name, h.address, h.desa_code, h.status, h.phone, r.name
    FROM household h JOIN region r ON r.code = h.desa_code
    WHERE h.desa_code LIKE :prefix AND h.status = 'aktif' AND h.id > :after
      AND EXISTS (SELECT 1 FROM member m WHERE m.household_id = h.id AND m.status = 'aktif' AND ({condition}))
    ORDER BY h.id LIMIT 101"""
_REFERRAL_ROWS = """SELECT f.*, h.head_name, h.desa_code, r.name, m.name, m.nik FROM referral f
    JOIN household h ON h.id = f.household_id JOIN region r ON r.code = h.desa_code
    LEFT JOIN member m ON m.id = f.member_id
    WHERE f.sector = :sector AND h.desa_code LIKE :prefix AND f.id > :after ORDER BY f.id LIMIT 101"""

SCHOOL_AGE = "m.birth_date <= :b6 AND m.birth_date > :b22"
CONDITIONS = {
    "usia_sekolah": SCHOOL_AGE,
    "out_of_school": SCHOOL_AGE + " AND m.school_level IS NULL",
    "kesehatan": "(m.pregnancy_edd >= :today) OR (m.birth_date > :b5 AND m.birth_date <= :today)",
    "ibu_hamil": "m.pregnancy_edd >= :today",
    "balita": "m.birth_date > :b5 AND m.birth_date <= :today",
}
DATES = {"today": TODAY, "b5": years_before(TODAY, 5), "b6": years_before(TODAY, 6), "b22": years_before(TODAY, 22)}


@dataclass(frozen=True)
class Case:
    label: str
    level: str  # provinsi, kabupaten, kecamatan
    path: str
    params: dict[str, Any]
    key: str  # sector@area
    peer: str  # SQL with :after
    peer_params: dict[str, Any]
    pages: int


def percentile(values: list[float], share: float = 0.95) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def stats_peer(sector: str, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    """What /stats answers, by hand: one aggregate per figure over household, member and referral."""
    categories = ["usia_sekolah"] if sector == "pendidikan" else ["ibu_hamil", "balita"]
    anyone = " OR ".join(f"({CONDITIONS[c]})" for c in categories)
    members = ", ".join(f"count(*) FILTER (WHERE {CONDITIONS[c]})" for c in categories)
    base = "FROM member m JOIN household h ON h.id = m.household_id WHERE h.desa_code LIKE :prefix " + (
        "AND h.status = 'aktif' AND m.status = 'aktif'"
    )
    return [
        (f"SELECT count(DISTINCT m.household_id), {members} {base} AND ({anyone})", {"prefix": prefix, **DATES}),
        (
            "SELECT f.status, count(*) FROM referral f JOIN household h ON h.id = f.household_id "
            "WHERE f.sector = :sector AND h.desa_code LIKE :prefix GROUP BY f.status",
            {"sector": sector, "prefix": prefix},
        ),
        (
            f"SELECT substr(h.desa_code, 1, 5), count(DISTINCT h.id) {base} AND ({anyone}) GROUP BY 1",
            {"prefix": prefix, **DATES},
        ),
    ]


async def walk(http: httpx.AsyncClient, case: Case, token: str) -> tuple[list[float], list[int | None]]:
    """The API's pages of ``case``: each page's latency, and the ``after`` id each page started from."""
    latencies: list[float] = []
    afters: list[int | None] = []
    cursor, after = None, None
    for _ in range(case.pages):
        params = dict(case.params, **({"cursor": cursor} if cursor else {}))
        began = time.perf_counter()
        response = await http.get(case.path, params=params, headers={"Authorization": f"Bearer {token}"})
        latencies.append(time.perf_counter() - began)
        assert response.status_code == 200, response.text
        body = response.json()
        afters.append(after)
        cursor = body.get("next_cursor")
        if cursor is None:
            break
        after = body["data"][-1]["id"]
    return latencies, afters


async def peer_walk(db: Database, case: Case, afters: list[int | None]) -> list[float]:
    latencies = []
    for after in afters:
        began = time.perf_counter()
        async with db.read_session() as s:
            (await s.execute(text(case.peer), dict(case.peer_params, after=after or 0))).all()
        latencies.append(time.perf_counter() - began)
    return latencies


async def make_keys(db: Database, areas: list[tuple[str, str]]) -> dict[str, str]:
    from models import api_keys

    keys = {}
    async with db.session() as session:
        for sector, area in areas:
            _, plain = await api_keys.create_key(
                session, name=f"bench {sector} {area} {time.time():.0f}", sector=sector, area=area,
                can_see_nik=True, rate_limit_per_minute=100_000, now=NOW,
            )  # fmt: skip
            keys[f"{sector}@{area}"] = plain
    return keys


def cases(kabupaten: str, kecamatan: list[str], pages: int) -> list[Case]:
    province = "36.%"
    found = [
        Case("pendidikan members, out of school", "provinsi", "/api/v1/members", {"in_school": "false", "limit": 100},
             "pendidikan@36", _MEMBER_ROWS.format(condition=CONDITIONS["out_of_school"]), {"prefix": province, **DATES}, pages),
        Case("pendidikan households", "provinsi", "/api/v1/households", {"limit": 100}, "pendidikan@36",
             _HOUSEHOLD_ROWS.format(condition=CONDITIONS["usia_sekolah"]), {"prefix": province, **DATES}, pages),
        Case("kesehatan members", "provinsi", "/api/v1/members", {"limit": 100}, "kesehatan@36",
             _MEMBER_ROWS.format(condition=CONDITIONS["kesehatan"]), {"prefix": province, **DATES}, pages),
        Case("umkm referrals", "provinsi", "/api/v1/referrals", {"limit": 100}, "umkm@36", _REFERRAL_ROWS,
             {"prefix": province, "sector": "umkm"}, pages),
        Case("kesehatan ibu_hamil", "kabupaten", "/api/v1/members", {"category": "ibu_hamil", "area": kabupaten,
             "limit": 100}, "kesehatan@36", _MEMBER_ROWS.format(condition=CONDITIONS["ibu_hamil"]),
             {"prefix": kabupaten + ".%", **DATES}, pages),
        Case("pendidikan households", "kabupaten", "/api/v1/households", {"area": kabupaten, "limit": 100},
             "pendidikan@36", _HOUSEHOLD_ROWS.format(condition=CONDITIONS["usia_sekolah"]),
             {"prefix": kabupaten + ".%", **DATES}, pages),
        Case("kesehatan households ibu_hamil", "kabupaten", "/api/v1/households", {"category": "ibu_hamil",
             "area": kabupaten, "limit": 100}, "kesehatan@36", _HOUSEHOLD_ROWS.format(condition=CONDITIONS["ibu_hamil"]),
             {"prefix": kabupaten + ".%", **DATES}, pages),
    ]  # fmt: skip
    for code in kecamatan:
        found += [
            Case(f"kesehatan ibu_hamil {code}", "kecamatan", "/api/v1/members",
                 {"category": "ibu_hamil", "area": code, "limit": 100}, "kesehatan@36",
                 _MEMBER_ROWS.format(condition=CONDITIONS["ibu_hamil"]), {"prefix": code + ".%", **DATES}, 3),
            Case(f"pendidikan members {code}", "kecamatan", "/api/v1/members", {"area": code, "limit": 100},
                 "pendidikan@36", _MEMBER_ROWS.format(condition=CONDITIONS["usia_sekolah"]),
                 {"prefix": code + ".%", **DATES}, 3),
            Case(f"pendidikan households {code}", "kecamatan", "/api/v1/households", {"area": code, "limit": 100},
                 "pendidikan@36", _HOUSEHOLD_ROWS.format(condition=CONDITIONS["usia_sekolah"]),
                 {"prefix": code + ".%", **DATES}, 3),
        ]  # fmt: skip
    return found


async def time_stats(http: httpx.AsyncClient, db: Database, token: str, runs: int) -> tuple[float, float]:
    """p95 of ``runs`` /stats calls for the province and of the hand-written aggregates, interleaved."""
    ours, peer = [], []
    for _ in range(runs):
        began = time.perf_counter()
        response = await http.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"})
        ours.append(time.perf_counter() - began)
        assert response.status_code == 200, response.text
        began = time.perf_counter()
        async with db.read_session() as s:
            for sql, params in stats_peer("pendidikan", "36.%"):
                (await s.execute(text(sql), params)).all()
        peer.append(time.perf_counter() - began)
    return percentile(ours), percentile(peer)


async def refresh(db: Database) -> tuple[float, Any]:
    from models import opd_stats

    began = time.perf_counter()
    async with db.session() as s:
        done = await opd_stats.refresh(s, today=TODAY, now=NOW)
    return time.perf_counter() - began, done


async def stats_bench(
    db: Database, http: httpx.AsyncClient, token: str, runs: int, repeat: int, dirty: int
) -> list[Figure]:
    """The rollup's refresh and /stats from it, clean and with ``dirty`` households written since (module
    docstring)."""
    from models import opd_stats
    from models.api_keys import KeyScope
    from models.queries import opd
    from models.tables import Household, OpdStatsDirty, OpdStatsState

    async with db.session() as s:  # a rollup of another day: the refresh below recounts everything
        await s.execute(delete(OpdStatsState))
    full_seconds, done = await refresh(db)
    print(f"  refresh, every household: {full_seconds:.1f} s ({done.households:,} households with figures)", flush=True)
    plain_seconds = 0.0  # the three sectors' plain counts: what the refresh counts, answered the slow way
    async with db.read_session() as s:
        for sector in opd.CATEGORIES:
            scope = KeyScope(0, "bench", "jsk_bench", sector, "36", True, 1000)
            began = time.perf_counter()
            plain = await opd.stats(s, scope, today=TODAY)
            plain_seconds += time.perf_counter() - began
            fast = await opd_stats.from_rollup(s, scope, today=TODAY, area="36")
            assert fast == plain, f"{sector}: the rollup's answer differs from the plain count"
            print(f"  {sector}: rollup answer == plain count (plain so far {plain_seconds:.1f} s)", flush=True)
        ids = list(await s.scalars(select(Household.id).order_by(Household.id)))
    chosen = ids[:: max(1, len(ids) // dirty)][:dirty] if dirty else []  # spread over the province
    clean_runs: list[tuple[float, float]] = []
    dirty_runs: list[tuple[float, float]] = []
    incremental: list[float] = []
    for attempt in range(repeat):
        clean_runs.append(await time_stats(http, db, token, runs))
        async with db.session() as s:  # as if pendamping had written to each of these households
            if chosen:
                await s.execute(insert(OpdStatsDirty), [{"household_id": h} for h in chosen])
        dirty_runs.append(await time_stats(http, db, token, runs))
        seconds, _ = await refresh(db)
        incremental.append(seconds)
        print(
            f"  repeat {attempt + 1}: /stats {clean_runs[-1][0] * 1000:.1f} ms clean, "
            f"{dirty_runs[-1][0] * 1000:.1f} ms with {len(chosen)} logged households "
            f"(hand-written {clean_runs[-1][1] * 1000:.0f} / {dirty_runs[-1][1] * 1000:.0f} ms); "
            f"incremental refresh {seconds * 1000:.0f} ms; load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    figures = []
    for label, found in (("", clean_runs), (f", {len(chosen)} households written since the refresh", dirty_runs)):
        ours, peer = (statistics.median(r[i] for r in found) * 1000 for i in (0, 1))
        figures.append(
            Figure(
                f"OPD API /stats, province{label}, p95",
                round(ours, 1),
                "ms",
                target=f"< {STATS_TARGET_MS} ms",
                met=ours < STATS_TARGET_MS,
                peer="hand-written aggregates over the base tables (p95)",
                peer_value=round(peer, 1),
                ratio=round(ours / peer, 4),
                note=f"pendidikan key; {runs} runs × {repeat} repeats, median of the repeats' p95; per repeat: "
                + ", ".join(f"{a * 1000:.1f} / {b * 1000:.0f}" for a, b in found),
            )
        )
    figures.append(
        Figure(
            "OPD /stats rollup refresh, every household (after midnight)",
            round(full_seconds, 1),
            "s",
            peer="plain /stats of the three sectors over the base tables",
            peer_value=round(plain_seconds, 1),
            ratio=round(full_seconds / plain_seconds, 2),
            note=f"{done.households:,} households with figures, 3 sectors; one run",
        )
    )
    figures.append(
        Figure(
            f"OPD /stats rollup refresh, {len(chosen)} households written since",
            round(statistics.median(incremental) * 1000, 1),
            "ms",
            note="median of " + ", ".join(f"{v * 1000:.0f}" for v in incremental) + " ms",
        )
    )
    return figures


async def bench(
    db: Database, pages: int, runs: int, repeat: int, *, only_stats: bool, dirty: int
) -> tuple[list[Figure], list[Figure]]:
    """(the pages' figures, /stats's and the refresh's figures); no page figures with ``only_stats``."""
    from bot.web import WebContext, create_app

    async with db.read_session() as s:
        kabupaten = "36.03"
        kecamatan = list(
            await s.scalars(
                text("SELECT code FROM region WHERE level = 3 AND code LIKE :k ORDER BY code LIMIT 5"),
                {"k": kabupaten + ".%"},
            )
        )
    keys = await make_keys(db, [("pendidikan", "36"), ("kesehatan", "36"), ("umkm", "36")])
    app = create_app(WebContext(db=db, clock=lambda: NOW))
    chosen = [] if only_stats else cases(kabupaten, kecamatan, pages)
    by_level: dict[str, list[tuple[float, float]]] = {}  # per repeat: (ours p95, peer p95)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
        for case in chosen[:4]:  # warm the caches once
            await walk(http, Case(**dict(case.__dict__, pages=2)), keys[case.key])
        for attempt in range(repeat if chosen else 0):
            levels: dict[str, tuple[list[float], list[float]]] = {}
            for case in chosen:
                ours, afters = await walk(http, case, keys[case.key])
                theirs = await peer_walk(db, case, afters)
                mine, peer = levels.setdefault(case.level, ([], []))
                mine += ours
                peer += theirs
                if attempt == 0:
                    print(
                        f"  {case.level:<10} {case.label:<40} {len(ours):>4} pages  p50 {statistics.median(ours) * 1000:6.1f}"
                        f"  p95 {percentile(ours) * 1000:6.1f} ms   hand-written p95 {percentile(theirs) * 1000:6.1f} ms",
                        flush=True,
                    )
            for level, (mine, peer) in levels.items():
                by_level.setdefault(level, []).append((percentile(mine), percentile(peer)))
            print(
                f"  repeat {attempt + 1}: "
                + ", ".join(f"{lv} {v[-1][0] * 1000:.1f}/{v[-1][1] * 1000:.1f}" for lv, v in by_level.items())
                + f" ms (ours/hand-written p95); load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
        stats_figures = await stats_bench(db, http, keys["pendidikan@36"], runs, repeat, dirty)
    figures = []
    for level, repeats in by_level.items():
        ours, peer = (statistics.median(r[i] for r in repeats) * 1000 for i in (0, 1))
        figures.append(
            Figure(
                f"OPD API page of 100, {level}, p95",
                round(ours, 1),
                "ms",
                target=f"< {PAGE_TARGET_MS} ms",
                met=ours < PAGE_TARGET_MS,
                peer="the same rows by hand-written SQL (p95)",
                peer_value=round(peer, 1),
                ratio=round(ours / peer, 2),
                note=f"median of {repeat} repeats; p95 per repeat (ours / hand-written): "
                + ", ".join(f"{a * 1000:.1f} / {b * 1000:.1f}" for a, b in repeats),
            )
        )
    return figures, stats_figures


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=650_000)
    parser.add_argument("--url", default=DEFAULT_PG, help="PostgreSQL server for the seeded database")
    parser.add_argument("--database-url", help="an existing database instead of the seeded one")
    parser.add_argument("--pages", type=int, default=50, help="pages walked per province or kabupaten list")
    parser.add_argument("--runs", type=int, default=10, help="/stats calls per repeat")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only-stats", action="store_true", help="time /stats and the rollup's refresh only")
    parser.add_argument("--dirty", type=int, default=200, help="households logged as written (second /stats figure)")
    args = parser.parse_args()
    if args.database_url:
        db = Database(args.database_url)
        from models import migrate

        await migrate.upgrade(db)
    else:
        from models.seed import SeedOptions

        db = await seeded_database("postgresql", SeedOptions(households=args.households, seed=7), args.url)
    try:
        async with db.read_session() as s:
            households = int(await s.scalar(text("SELECT count(*) FROM household")) or 0)
        load_before = round(os.getloadavg()[0], 2)
        print(f"OPD API, in-process, {households:,} households; load average {load_before}", flush=True)
        pages, stats = await bench(db, args.pages, args.runs, args.repeat, only_stats=args.only_stats, dirty=args.dirty)
        for f in pages + stats:
            met = "" if f.met is None else ("met" if f.met else "NOT met")
            print(f"{f.name}: {f.value} {f.unit} ({f.ratio}× {f.peer_value}) {met}")
        params = {"households": households, "pages": args.pages, "runs": args.runs, "repeat": args.repeat}
        for name, figures in (("opd-api", pages), ("opd-stats", stats)):
            if figures:
                record(
                    name,
                    figures,
                    scale=scale_of(households),
                    database="postgresql",
                    params=params | ({"dirty": args.dirty} if name == "opd-stats" else {}),
                    load_before=load_before,
                )
    finally:
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
