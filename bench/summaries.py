"""Benchmark: supervisor reports at province scale on PostgreSQL — /ringkasan, /tunggakan, /kepatuhan — and the
export of one kabupaten's month.

    uv run python bench/summaries.py                      # 650k households, 24 periods (≈ 15M visits)
    uv run python bench/summaries.py --households 50000   # a quicker look
    uv run python bench/summaries.py --reuse              # keep the generated database from a previous run

The data is generated inside PostgreSQL with set-based SQL (``generate_series``; deterministic, no random()):
3,000 pendamping, households spread over Banten's 1,552 desa, four members each (a school child in every
household, a toddler in two of five, an elderly member in one of five), one visit per household per period for
96 % of households (70 % in the current period, which is still running), commitment checks for the school child and
the toddler on every visit (6 % persistently not met plus 3 % occasional misses, so escalation levels 1–3 all
occur), referrals for 2 % and data changes for 1 % of visits.

Like any bulk load, the generator switches the tables' triggers off while it writes and then does their work
set-based: ``household.last_visit_period`` and ``last_visited_on`` in one UPDATE, the report rollups (``models/tables/rollup.py``) in one
``models.rollups.rebuild``. With ``--reuse`` the kept database is migrated first (a new migration's backfill runs
on the province's data) and the rollups are vacuumed, as a loader would, so index-only scans work at once.

Each report is timed through the real query functions (``models/queries``, what the chat uses) as the admin for
the province and as the koordinator of Kabupaten Lebak, ``--runs`` times after one warm-up, and printed as p50 / p95
next to a hand-written SQL aggregate answering the same core question (the ceiling: one statement, no scope
plumbing, no Python). The export builds the XLSX of Lebak's visits of the current period and reports time, rows,
file size and the process's peak RSS, as the median of three runs, against the same rows written by each
candidate XLSX writer alone (``bench/xlsx_peers.py``). The figures that answer
the target (p95 of each report and who asked, against the ceiling) and the export's are also written to
``bench/results`` through ``bench.results.record``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench import xlsx_peers  # noqa: E402
from bench.results import Figure, record, scale_of  # noqa: E402
from models import export, migrate, rollups  # noqa: E402
from models.actor import Actor  # noqa: E402
from models.calendar import JAKARTA  # noqa: E402
from models.db import Database  # noqa: E402
from models.period import Period  # noqa: E402
from models.queries import compliance, overdue, summary, worklist  # noqa: E402
from models.queries.regions import get_area  # noqa: E402
from models.tables import Role  # noqa: E402

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/jsika_bench_summaries"
CURRENT = Period(2026, 11)
PENDAMPING = 3000
LOADED = ("visit", "commitment_check", "referral", "data_change")
TRIGGERED = ("household", "visit", "commitment_check", "referral", "data_change")
ROLLUPS = ("coverage_tally", "visit_tally", "check_tally", "commitment_gap", "referral", "data_change")
TARGET_MS = 200


def load() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def periods_back(last: Period, count: int) -> list[Period]:
    found = [last]
    while len(found) < count:
        found.append(found[-1].previous())
    return list(reversed(found))


async def admin_sql(url: str, statement: str) -> None:
    server = url.rsplit("/", 1)[0] + "/postgres"
    db = Database(server, isolation_level="AUTOCOMMIT")
    async with db.engine.connect() as conn:
        await conn.execute(text(statement))
    await db.dispose()


async def generate(db: Database, households: int, periods: int) -> None:
    """Fill an empty, migrated database; prints each step's time."""

    async def step(label: str, sql: str, **params: Any) -> None:
        started = time.perf_counter()
        async with db.engine.begin() as conn:
            for statement in sql.split(";\n"):  # asyncpg prepares one statement at a time
                used = {k: v for k, v in params.items() if f":{k}" in statement}
                await conn.execute(text(statement), used)
        print(f"  {label:<44} {time.perf_counter() - started:7.1f} s", flush=True)

    # Every user trigger (last_visit_period of 0005, the report rollups of 0008) is off during the load; one
    # set-based backfill and one recount at the end are far cheaper than firing them per period.
    async with db.engine.begin() as conn:
        for table in TRIGGERED:
            await conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    await step(
        "desa index",
        """CREATE TABLE bench_desa AS
           SELECT (row_number() OVER (ORDER BY code) - 1)::int AS i, code, parent_code
           FROM region WHERE level = 4""",
    )
    await step(
        "users (3,000 pendamping, koordinator, admin)",
        """INSERT INTO app_user (name, phone, role, area_code, active, language, created_at)
           SELECT 'Pendamping ' || p, '+6281' || lpad(p::text, 9, '0'), 'pendamping',
                  (SELECT parent_code FROM bench_desa WHERE i = (p * (SELECT count(*) FROM bench_desa) / :n)::int),
                  true, 'id', now()
           FROM generate_series(0, :n - 1) p;
           INSERT INTO app_user (name, phone, role, area_code, active, language, created_at)
           SELECT 'Koordinator ' || code, '+6282' || lpad(row_number() OVER ()::text, 9, '0'), 'koordinator', code,
                  true, 'id', now() FROM region WHERE level = 2;
           INSERT INTO app_user (name, phone, role, area_code, active, language, created_at)
           VALUES ('Admin Provinsi', '+628300000001', 'admin', '36', true, 'id', now())""".replace(
            ":n", str(PENDAMPING)
        ),
    )
    await step(
        f"households ({households:,})",
        """INSERT INTO household (id, programme_code, kk, head_name, address, desa_code, pendamping_id, status,
                                  created_at, updated_at)
           SELECT g, CASE WHEN d.code LIKE '36.72.%' THEN 'JSCM' ELSE 'JAMSOSRATU' END,
                  '36' || lpad(g::text, 14, '0'), 'KPM ' || g, 'Kp. Bench ' || g, d.code,
                  (SELECT min(id) FROM app_user WHERE role = 'pendamping')
                      + ((d.i * :pendamping / (SELECT count(*) FROM bench_desa)) + g % 2) % :pendamping,
                  CASE WHEN g % 97 = 0 THEN 'graduasi' ELSE 'aktif' END, now(), now()
           FROM generate_series(1, :households) g
           JOIN bench_desa d ON d.i = ((g::bigint * 7919) % (SELECT count(*) FROM bench_desa))""",
        households=households,
        pendamping=PENDAMPING,
    )
    await step(
        f"members ({households * 4:,})",
        """INSERT INTO member (id, household_id, nik, name, relation, sex, birth_date, school_level,
                               severe_disability, status, created_at, updated_at)
           SELECT (g - 1) * 4 + k + 1, g, '36' || lpad(((g - 1) * 4 + k + 1)::text, 14, '0'), 'ART ' || g || '-' || k,
                  CASE k WHEN 0 THEN 'kepala keluarga' WHEN 1 THEN 'istri' ELSE 'anak' END,
                  CASE WHEN k = 1 OR (k > 1 AND g % 2 = 0) THEN 'P' ELSE 'L' END,
                  CASE k WHEN 0 THEN date '1970-01-01' + (g % 7000)
                         WHEN 1 THEN date '1975-01-01' + (g % 6000)
                         WHEN 2 THEN date '2010-01-01' + (g % 3600)
                         ELSE CASE WHEN g % 5 < 2 THEN date '2022-06-01' + (g % 1200)
                                   WHEN g % 5 = 2 THEN date '1950-01-01' + (g % 3000)
                                   ELSE date '2000-01-01' + (g % 2000) END END,
                  CASE WHEN k = 2 THEN (ARRAY['SD', 'SMP', 'SMA'])[1 + g % 3] END,
                  g % 53 = 0 AND k = 0, 'aktif', now(), now()
           FROM generate_series(1, :households) g CROSS JOIN generate_series(0, 3) k""",
        households=households,
    )
    # Bulk loading into tables with a random-key primary key and a dozen indexes is I/O bound; like any bulk
    # load, drop the indexes and constraints of the visit tables first and build them once at the end.
    async with db.engine.begin() as conn:
        names = ", ".join(f"'{t}'" for t in LOADED)
        constraints = (
            await conn.execute(
                text(
                    f"""SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint
                    WHERE conrelid::regclass::text IN ({names}) AND contype IN ('p', 'u', 'f')
                    ORDER BY contype = 'f' DESC"""
                )
            )
        ).all()
        owned = {row[1] for row in constraints}
        indexes = [
            row[0]
            for row in (
                await conn.execute(text(f"SELECT indexdef, indexname FROM pg_indexes WHERE tablename IN ({names})"))
            ).all()
            if row[1] not in owned
        ]
        for table, name, _, _ in constraints:
            await conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        for definition in indexes:
            await conn.execute(text("DROP INDEX " + definition.split(" INDEX ", 1)[1].split(" ON ", 1)[0]))
    for index, period in enumerate(periods_back(CURRENT, periods)):
        share = 70 if period == CURRENT else 96
        status = "CASE WHEN h.id % 10 < 6 THEN 'menunggu' ELSE 'disetujui' END" if period == CURRENT else "'disetujui'"
        await step(
            f"visits + checks {period}",
            f"""INSERT INTO visit (id, household_id, pendamping_id, period, visited_on, submitted_at, met, condition,
                                   welfare, deprivation_score, latitude, longitude, location_flagged, late,
                                   review_status)
                SELECT md5(h.id || '-{period}'), h.id, h.pendamping_id, '{period}',
                       date '{period.start}' + (h.id % 20)::int, timestamptz '{period.start} 03:00+00' + (h.id % 20) * interval '1 day',
                       true, '{{}}', '{{}}', (h.id + {index}) % 9, -6.4 - (h.id % 100) / 1000.0,
                       106.1 + (h.id % 100) / 1000.0, false, false, {status}
                FROM household h WHERE (h.id * 31 + {index} * 17) % 100 < {share};
                INSERT INTO commitment_check (visit_id, member_id, period, commitment, result, reason)
                SELECT md5(h.id || '-{period}'), (h.id - 1) * 4 + 3, '{period}', 'pendidikan_kehadiran',
                       CASE WHEN h.id % 100 < 6 OR (h.id + {index}) % 37 = 0 THEN 'tidak memenuhi' ELSE 'memenuhi' END,
                       NULL
                FROM household h WHERE (h.id * 31 + {index} * 17) % 100 < {share}
                UNION ALL
                SELECT md5(h.id || '-{period}'), (h.id - 1) * 4 + 4, '{period}', 'balita_penimbangan',
                       CASE WHEN h.id % 100 < 6 OR (h.id + {index}) % 41 = 0 THEN 'tidak memenuhi' ELSE 'memenuhi' END,
                       NULL
                FROM household h WHERE (h.id * 31 + {index} * 17) % 100 < {share} AND h.id % 5 < 2;
                INSERT INTO referral (household_id, visit_id, sector, need, status, created_at, updated_at)
                SELECT h.id, md5(h.id || '-{period}'), (ARRAY['pendidikan', 'kesehatan', 'umkm'])[1 + h.id % 3],
                       'kebutuhan ' || h.id, CASE WHEN '{period}' < '{CURRENT.previous()}' THEN 'ditangani' ELSE 'baru' END,
                       timestamptz '{period.start} 04:00+00', timestamptz '{period.start} 04:00+00' + interval '20 days'
                FROM household h WHERE (h.id * 31 + {index} * 17) % 100 < {share} AND (h.id + {index}) % 50 = 0;
                INSERT INTO data_change (visit_id, household_id, kind, field, new_value, status, created_at)
                SELECT md5(h.id || '-{period}'), h.id, 'telepon_baru', 'phone', '{{"telepon": "081234567890"}}',
                       CASE WHEN '{period}' = '{CURRENT}' THEN 'diajukan' ELSE 'disetujui' END,
                       timestamptz '{period.start} 04:00+00'
                FROM household h WHERE (h.id * 31 + {index} * 17) % 100 < {share} AND (h.id + {index}) % 100 = 1""",
        )
    started = time.perf_counter()
    async with db.engine.begin() as conn:
        for definition in indexes:
            await conn.execute(text(definition))
        for table, name, definition, _ in reversed(constraints):  # keys before the foreign keys that need them
            await conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
    print(f"  {'indexes and constraints rebuilt':<44} {time.perf_counter() - started:7.1f} s", flush=True)
    started = time.perf_counter()
    async with db.session() as session:
        await session.execute(text("SET LOCAL work_mem = '256MB'"))
        await session.execute(text(BACKFILL))
        await rollups.rebuild(session)
        for table in TRIGGERED:
            await session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    print(f"  {'last visit periods and rollups counted':<44} {time.perf_counter() - started:7.1f} s", flush=True)
    await step(
        "sequences",
        """SELECT setval(pg_get_serial_sequence('household', 'id'), (SELECT max(id) FROM household));
           SELECT setval(pg_get_serial_sequence('member', 'id'), (SELECT max(id) FROM member))""",
    )
    started = time.perf_counter()
    async with db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM (ANALYZE)"))
    print(f"  {'vacuum analyze':<44} {time.perf_counter() - started:7.1f} s", flush=True)


async def counts(db: Database) -> dict[str, int]:
    out = {}
    async with db.session() as s:
        for table in ("household", "member", "visit", "commitment_check", "referral", "data_change"):
            out[table] = int(await s.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
    return out


async def timed(db: Database, runs: int, work: Callable[[Any], Awaitable[Any]]) -> tuple[float, float]:
    """p50 and p95 in milliseconds of ``work(session)``, each run in its own transaction, after one warm-up."""
    samples = []
    for attempt in range(runs + 1):
        started = time.perf_counter()
        async with db.session() as session:
            await work(session)
        if attempt:
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95


def raw(sql: str, **params: Any) -> Callable[[Any], Awaitable[Any]]:
    async def run(session: Any) -> Any:
        return (await session.execute(text(sql), params)).all()

    return run


BACKFILL = """UPDATE household h SET last_visit_period = m.period, last_visited_on = m.visited_on
    FROM (SELECT household_id, max(period) AS period, max(visited_on) AS visited_on FROM visit GROUP BY household_id) m
    WHERE h.id = m.household_id"""
CEILING_SUMMARY = """
    WITH v AS (SELECT household_id, bool_or(period = :p) AS now FROM visit
               WHERE period IN (:p, :prev) GROUP BY household_id)
    SELECT h.desa_code, count(*), count(*) FILTER (WHERE v.now), count(*) FILTER (WHERE v.household_id IS NULL)
    FROM household h LEFT JOIN v ON v.household_id = h.id
    WHERE h.status = 'aktif' AND h.desa_code LIKE :prefix GROUP BY h.desa_code"""
CEILING_OVERDUE = """
    SELECT count(*) FROM household h WHERE h.status = 'aktif' AND h.desa_code LIKE :prefix
    AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.household_id = h.id AND v.period = :p)"""
CEILING_COMPLIANCE = """
    SELECT c.commitment, count(*) FROM commitment_check c JOIN visit v ON v.id = c.visit_id
    JOIN household h ON h.id = v.household_id
    WHERE c.period = :p AND v.period = :p AND c.result = 'tidak memenuhi' AND h.desa_code LIKE :prefix
    GROUP BY c.commitment"""


async def bench_reports(db: Database, runs: int) -> list[Figure]:
    async with db.session() as s:
        ids = dict(
            (await s.execute(text("SELECT role, min(id) FROM app_user WHERE role IN ('admin') GROUP BY role"))).all()
        )
        lebak_id = await s.scalar(text("SELECT id FROM app_user WHERE role = 'koordinator' AND area_code = '36.02'"))
        banten, lebak = await get_area(s, "36"), await get_area(s, "36.02")
    assert banten is not None and lebak is not None
    admin = Actor(int(ids["admin"]), "Admin", Role.ADMIN, "36")
    koordinator = Actor(int(lebak_id), "Koordinator Lebak", Role.KOORDINATOR, "36.02")
    p, prev = str(CURRENT), str(CURRENT.previous())
    figures = []
    print(f"\n{'report':<12} {'who / area':<26} {'p50 ms':>8} {'p95 ms':>8}   {'ceiling p50':>11} {'p95':>7}  ratio")
    for who, area, prefix in ((admin, banten, "36.%"), (koordinator, lebak, "36.02.%")):
        label = f"{who.role.value} / {area.name}"
        cases = [
            ("ringkasan", lambda s, w=who, a=area: summary.area_summary(s, w, a, CURRENT, JAKARTA),
             raw(CEILING_SUMMARY, p=p, prev=prev, prefix=prefix)),
            ("tunggakan", lambda s, w=who, a=area: _overdue(s, w, a),
             raw(CEILING_OVERDUE, p=p, prefix=prefix)),
            ("kepatuhan", lambda s, w=who, a=area: compliance.gaps_by_commitment(s, w, a.code, CURRENT),
             raw(CEILING_COMPLIANCE, p=p, prefix=prefix)),
        ]  # fmt: skip
        for name, ours, ceiling in cases:
            p50, p95 = await timed(db, runs, ours)
            c50, c95 = await timed(db, runs, ceiling)
            print(
                f"{name:<12} {label:<26} {p50:8.0f} {p95:8.0f}   {c50:11.0f} {c95:7.0f}  {p95 / c95:5.2f}", flush=True
            )
            figures.append(
                Figure(
                    f"/{name} p95, {label}",
                    round(p95, 1),
                    "ms",
                    target=f"< {TARGET_MS} ms",
                    met=p95 < TARGET_MS,
                    peer="hand-written SQL aggregate over the base tables (p95)",
                    peer_value=round(c95, 1),
                    ratio=round(p95 / c95, 3),
                    note=f"p50 {p50:.0f} ms, ceiling p50 {c50:.0f} ms, {runs} runs after a warm-up",
                )
            )
    return figures


CEILING_WORKLIST = """
    SELECT h.id, h.head_name, max(v.visited_on), bool_or(v.period = :p) FROM household h
    LEFT JOIN visit v ON v.household_id = h.id AND v.period <= :p
    WHERE h.pendamping_id = :who AND h.status = 'aktif' GROUP BY h.id, h.head_name"""
LIST_TARGET_MS = 30  # issue 22: /lapor's first answer is this list


async def bench_pendamping_list(db: Database, runs: int, repeat: int = 3) -> list[Figure]:
    """The list /lapor, /jadwal and the morning digest show a pendamping (``models.queries.worklist``), for the
    pendamping with the most households, against a hand-written query of the same rows. A scope applied only
    outside its grouping once made it group the whole province's visits (issue #6)."""
    async with db.session() as s:
        who_id, households = (
            await s.execute(
                text(
                    "SELECT pendamping_id, count(*) FROM household WHERE pendamping_id IS NOT NULL "
                    "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
                )
            )
        ).one()
    who = Actor(int(who_id), "Pendamping", Role.PENDAMPING, "36")
    ours, ceiling = [], []
    for _ in range(repeat):  # interleaved, so both see the same load; the median of the repeats counts
        ours.append(await timed(db, runs, lambda s: worklist.worklist(s, who, CURRENT)))
        ceiling.append(await timed(db, runs, raw(CEILING_WORKLIST, p=str(CURRENT), who=who.id)))
    p50, p95 = (statistics.median(t[i] for t in ours) for i in (0, 1))
    c50, c95 = (statistics.median(t[i] for t in ceiling) for i in (0, 1))
    ratio = p95 / c95
    print(
        f"{'worklist':<12} {f'pendamping, {households} KPM':<26} {p50:8.1f} {p95:8.1f}   {c50:11.1f} {c95:7.1f}  {ratio:5.2f}"
    )
    print(
        "  p95 of each repeat: " + ", ".join(f"{a[1]:.1f} / {b[1]:.1f} ms" for a, b in zip(ours, ceiling, strict=True))
    )
    return [
        Figure(
            f"pendamping's list (/lapor, /jadwal) p95, {households} households",
            round(p95, 1),
            "ms",
            target=f"< {LIST_TARGET_MS} ms, ≤ 1.0× the hand-written query",
            met=p95 < LIST_TARGET_MS and ratio <= 1.0,
            peer="hand-written SQL of the same rows (p95)",
            peer_value=round(c95, 1),
            ratio=round(ratio, 3),
            note=f"p50 {p50:.1f} ms, ceiling p50 {c50:.1f} ms; median of {repeat} repeats of {runs} runs after a "
            "warm-up; p95 per repeat (ours / hand-written): "
            + ", ".join(f"{a[1]:.1f} / {b[1]:.1f}" for a, b in zip(ours, ceiling, strict=True)),
        )
    ]


async def _overdue(session: Any, who: Actor, area: Any) -> None:
    """What /tunggakan runs: the first page, grouped by pendamping, plus the 2+ periods count."""
    await overdue.overdue_page(session, who, area.code, CURRENT, 0)
    await summary.coverage(session, who, area, CURRENT)


EXPORT_TARGET_RATIO = 1.2  # × the fastest writer alone on the same rows
EXPORT_RSS_MB = 300


async def bench_export(db: Database, runs: int = 3) -> list[Figure]:
    """Lebak's visits of the current period exported ``runs`` times (median), then the same rows through each
    candidate writer alone (``bench/xlsx_peers.py``), ``runs`` times each: the export's time against the fastest."""
    async with db.session() as s:
        lebak_id = await s.scalar(text("SELECT id FROM app_user WHERE role = 'koordinator' AND area_code = '36.02'"))
    koordinator = Actor(int(lebak_id), "Koordinator Lebak", Role.KOORDINATOR, "36.02")

    async def build() -> export.ExportFile:
        async with db.read_session() as s:
            return await export.build_export(
                s, koordinator, export.ExportKind.VISITS, "36.02", CURRENT, tz=JAKARTA, labels={},
                sheet_titles=("Ringkasan", "Kunjungan"), summary=[("Wilayah", "Kabupaten Lebak")],
            )  # fmt: skip

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        made = await build()
        samples.append(time.perf_counter() - started)
        os.remove(made.path)
    seconds = statistics.median(samples)
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # before the peers hold all rows in memory
    async with db.read_session() as s:
        batches = [
            b async for b in export.stream_rows(s, koordinator, export.ExportKind.VISITS, "36.02", CURRENT, JAKARTA)
        ]
    rows = xlsx_peers.plain_rows(batches, JAKARTA)
    del batches
    peers = {name: xlsx_peers.time_writer(write, rows, runs) for name, write in xlsx_peers.WRITERS.items()}
    fastest = min(peers, key=peers.__getitem__)
    ratio = seconds / peers[fastest]
    what = f"export kunjungan Kabupaten Lebak {CURRENT}"
    print(
        f"\n{what}: {made.rows:,} rows, {made.size / 1_048_576:.1f} MB in {seconds:.1f} s (median of {runs}: "
        f"{', '.join(f'{t:.1f}' for t in samples)}), {made.rows / seconds:,.0f} rows/s; process peak RSS "
        f"{rss_peak / 1024:.0f} MB (was {rss_before / 1024:.0f} MB before the export)"
    )
    for name, value in peers.items():
        print(f"  the same {len(rows):,} rows × {len(rows[0]) if rows else 0} cells, {name} alone: {value:.1f} s")
    print(f"  export / fastest writer alone ({fastest}): {ratio:.2f}×")
    return [
        Figure(
            f"{what}: time",
            round(seconds, 2),
            "s",
            target=f"≤ {EXPORT_TARGET_RATIO}× the fastest writer alone",
            met=ratio <= EXPORT_TARGET_RATIO,
            peer=f"the same rows through {fastest} alone (median of {runs})",
            peer_value=round(peers[fastest], 2),
            ratio=round(ratio, 3),
            note=f"{made.rows / seconds:,.0f} rows/s; median of {runs}; alone: "
            + ", ".join(f"{name} {value:.1f} s" for name, value in peers.items()),
        ),
        Figure(f"{what}: rows", made.rows, "rows", note=f"{made.size / 1_048_576:.1f} MB file"),
        Figure(
            f"{what}: process peak RSS",
            round(rss_peak / 1024),
            "MB",
            target=f"< {EXPORT_RSS_MB} MB",
            met=rss_peak / 1024 < EXPORT_RSS_MB,
            note=f"{rss_before / 1024:.0f} MB before the export",
        ),
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("JSIKA_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--households", type=int, default=650_000)
    parser.add_argument("--periods", type=int, default=24)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep an existing generated database")
    parser.add_argument("--keep", action="store_true", help="do not drop the database afterwards")
    parser.add_argument(
        "--only",
        nargs="*",
        choices=["supervisor-summaries", "pendamping-list", "kabupaten-export"],
        help="run (and record) only these parts",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of the list and the export; the median counts")
    args = parser.parse_args()
    name = args.url.rsplit("/", 1)[1]
    fresh = not args.reuse
    if fresh:
        await admin_sql(args.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin_sql(args.url, f'CREATE DATABASE "{name}"')
    db = Database(args.url)
    try:
        if fresh:
            await migrate.upgrade(db)
            print(f"generating {args.households:,} households × {args.periods} periods in {name}", flush=True)
            started = time.perf_counter()
            await generate(db, args.households, args.periods)
            print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
        else:  # a kept database follows the schema: pending migrations (their backfills) run on its data
            started = time.perf_counter()
            await migrate.upgrade(db)
            # a migration runs in a transaction and cannot VACUUM; a loader would, so index-only scans work at once
            async with db.engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text(f"VACUUM (ANALYZE) {', '.join(ROLLUPS)}"))
            print(f"migrations brought up to date in {time.perf_counter() - started:.0f} s", flush=True)
        sizes = await counts(db)
        print("rows: " + ", ".join(f"{table} {count:,}" for table, count in sizes.items()))
        print(f"machine: {os.cpu_count()} CPUs, load average {load()} before the timings (other work shares it)")
        parts = {
            "supervisor-summaries": lambda: bench_reports(db, args.runs),
            "pendamping-list": lambda: bench_pendamping_list(db, args.runs, args.repeat),
            "kabupaten-export": lambda: bench_export(db, args.repeat),
        }
        for bench, work in parts.items():
            if args.only and bench not in args.only:
                continue
            load_before = round(os.getloadavg()[0], 2)
            figures = await work()
            print(f"load average {load()} after {bench}")
            record(
                bench,
                figures,
                scale=scale_of(sizes["household"]),
                database="postgresql",
                params={"households": sizes["household"], "visits": sizes["visit"], "runs": args.runs},
                load_before=load_before,
            )
    finally:
        await db.dispose()
        if fresh and not args.keep:
            await admin_sql(args.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
