"""Benchmark: reminder planning over the whole registry, and outbox delivery against the rate-limited sandbox.

    uv run python bench/reminder_bench.py plan --db sqlite --households 50000
    uv run python bench/reminder_bench.py plan --db postgresql --households 650000 \\
        --url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
    uv run python bench/reminder_bench.py deliver --digests 3000 [--db postgresql --url …]

``plan`` seeds a fresh database with ``models.seed`` (synthetic Banten households, members, three months of
visits), links every pendamping and koordinator to a Telegram id, then times ``scheduler.planner.plan`` at moments
that exercise every kind: Monday 9 November (digests, birth events, October's visit and commitment escalations,
the weekly digest), the same moment again (everything already planned: the dedupe cost), 30 November (five
working days before the deadline), 1 February 2027 (vitamin A month, yearly checks) and 1 July 2027 (school year). The outbox is emptied between moments (not
timed). Each statement of the planner is timed too. Targets (docs/performance.md): 50k households on SQLite < 5 s;
650k households / 2.6M members on PostgreSQL < 10 s.

``deliver`` plans 3,000 morning digests (3,000 pendamping, one unvisited household each) and sends them through
the sandbox (its own process, Telegram's limits on) with the production outbox worker at 25 messages/s. It prints
the achieved rate as a fraction of that limit (target ≥ 95%), and from the sandbox's call log the duplicates and
losses (target 0) and the 429s. Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from bench.databases import SEED_DAY, fresh_database, seeded_database  # noqa: E402
from bench.processes import start_sandbox  # noqa: E402
from bench.results import Figure, record, scale_of  # noqa: E402
from bot.sandbox.client import SandboxClient  # noqa: E402
from handlers.reminder_composer import compose  # noqa: E402
from models.calendar import JAKARTA, WorkCalendar  # noqa: E402
from models.db import Database  # noqa: E402
from models.queries import reminder_events as events  # noqa: E402
from models.queries import reminder_planning as q  # noqa: E402
from models.seed import SeedOptions, seed_database  # noqa: E402
from models.tables import Household, Outbox, OutboxStatus, Role, User  # noqa: E402
from scheduler import planner  # noqa: E402
from scheduler.outbox import Deliverer, DeliveryConfig, running_clock  # noqa: E402

MOMENTS = [
    ("Senin 9 Nov 2026 05:50 (eskalasi, mingguan)", datetime(2026, 11, 9, 5, 50)),
    ("sama, kedua kali (dedupe)", datetime(2026, 11, 9, 5, 50)),
    ("Senin 30 Nov 2026 05:50 (batas laporan)", datetime(2026, 11, 30, 5, 50)),
    ("Senin 1 Feb 2027 05:50 (vitamin A, lansia)", datetime(2027, 2, 1, 5, 50)),
    ("Kamis 1 Jul 2027 05:50 (tahun ajaran, lansia)", datetime(2027, 7, 1, 5, 50)),
]
TOKEN = "777111:BENCH-REMINDERS"
CAL = WorkCalendar()


# --- databases -------------------------------------------------------------------------------------------------


def wib(moment: datetime) -> datetime:
    return moment.replace(tzinfo=JAKARTA).astimezone(UTC)


# --- planning --------------------------------------------------------------------------------------------------


def time_statements(timings: dict[str, float]) -> None:
    """Wrap each ``plan_*`` query the planner calls so its time is added to ``timings``."""
    for module, name in [(m, n) for m in (q, events) for n in dir(m)]:
        if not name.startswith("plan_") or name == "plan_unreachable_note":
            continue
        original = getattr(module, name)

        def wrap(fn: Callable[..., Awaitable[int]], label: str) -> Callable[..., Awaitable[int]]:
            @functools.wraps(fn)
            async def timed(*args: Any, **kwargs: Any) -> int:
                started = time.perf_counter()
                try:
                    return await fn(*args, **kwargs)
                finally:
                    timings[label] = timings.get(label, 0.0) + time.perf_counter() - started

            return timed

        setattr(module, name, wrap(original, name))


async def link_people(db: Database) -> None:
    """Give every pendamping and koordinator a Telegram id, so reminders have a chat to go to (idempotent)."""
    async with db.session() as session:
        await session.execute(
            text(
                "UPDATE app_user SET telegram_id = 900000000 + id "
                "WHERE role IN ('pendamping', 'koordinator') AND telegram_id IS NULL"
            )
        )


async def empty_outbox(db: Database) -> None:
    async with db.session() as session:
        await session.execute(Outbox.__table__.delete())  # type: ignore[arg-type]


async def bench_plan(args: argparse.Namespace) -> None:
    options = SeedOptions(households=args.households, seed=7)
    if args.cache:
        db, drop = await seeded_database(args.db, options, args.url), None
    else:
        db, drop = await fresh_database(args.db, args.url)
        print(f"seeding {args.households:,} households on {args.db} …", flush=True)
        await seed_database(db, options, today=SEED_DAY)
        async with db.engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    await link_people(db)
    await empty_outbox(db)
    load_before = os.getloadavg()[0]
    figures: list[Figure] = []
    try:
        async with db.session() as session:
            households = int(await session.scalar(select(func.count()).select_from(Household)) or 0)
        timings: dict[str, float] = {}
        time_statements(timings)
        target = "< 5 s" if db.is_sqlite else "< 10 s"
        print(f"\nplanning on {args.db}, {households:,} households (target: {target})")
        for label, local in MOMENTS:
            timings.clear()
            started = time.perf_counter()
            async with db.session() as session:
                report = await planner.plan(session, wib(local), CAL)
            seconds = time.perf_counter() - started
            counts = ", ".join(f"{k} {v:,}" for k, v in sorted(report.counts.items()) if v)
            print(f"  {label:42s} {seconds:6.2f} s  {report.total:>7,} new  ({counts or '—'})")
            figures.append(Figure(f"planning, {label}", round(seconds, 3), "s", note=f"{report.total:,} new reminders"))
            slow = sorted(timings.items(), key=lambda kv: -kv[1])[:4]
            print("      " + ", ".join(f"{name.removeprefix('plan_')} {t:.2f} s" for name, t in slow))
            if label.startswith("sama"):
                await empty_outbox(db)
        await empty_outbox(db)
        worst = max(figures, key=lambda f: f.value)
        limit = 5.0 if db.is_sqlite else 10.0
        figures.insert(
            0,
            Figure(
                f"reminder planning, {households:,} households, slowest moment",
                worst.value,
                "s",
                target=target,
                met=worst.value < limit,
                note=worst.name.removeprefix("planning, "),
            ),
        )
        record(
            "reminder-planning",
            figures,
            scale=scale_of(households),
            database=args.db,
            params={"households": households},
            load_before=load_before,
        )
    finally:
        await db.dispose() if drop is None else await drop()


# --- delivery --------------------------------------------------------------------------------------------------


async def digests_world(db: Database, count: int) -> list[int]:
    """``count`` pendamping with a Telegram id and one unvisited household each; returns their chat ids."""
    async with db.session() as session:
        desa = await session.scalar(select(func.min(text("code"))).select_from(text("region")).where(text("level = 4")))
        users = [
            {
                "telegram_id": 500_000 + n,
                "phone": f"+62877{n:08d}",
                "name": f"Pendamping {n}",
                "role": Role.PENDAMPING,
                "area_code": desa.rsplit(".", 1)[0],
                "active": True,
                "language": "id",
                "created_at": datetime.now(UTC),
            }
            for n in range(count)
        ]
        await session.execute(insert(User), users)
        ids = dict((await session.execute(select(User.telegram_id, User.id))).all())
        households = [
            {
                "programme_code": "JAMSOSRATU",
                "kk": f"9{n:015d}",
                "head_name": f"Keluarga {n}",
                "address": "-",
                "desa_code": desa,
                "pendamping_id": ids[500_000 + n],
                "created_at": datetime.now(UTC),
                "updated_at": datetime.now(UTC),
            }
            for n in range(count)
        ]
        await session.execute(insert(Household), households)
    return [500_000 + n for n in range(count)]


async def bench_deliver(args: argparse.Namespace) -> None:
    db, drop = await fresh_database(args.db, args.url)
    sandbox, url = start_sandbox(rate_limits=True)
    load_before = os.getloadavg()[0]
    try:
        chats = await digests_world(db, args.digests)
        async with SandboxClient(url) as client:
            for chat in chats:
                await client.create_user(chat, f"P{chat}")
            async with db.session() as session:
                report = await planner.plan(session, wib(datetime(2026, 11, 24, 5, 50)), CAL)
            print(f"planned {report.counts.get('digest', 0):,} morning digests on {args.db}")
            from telegram import Bot

            config = DeliveryConfig(global_rate=args.rate, chat_rate=1.0)
            async with Bot(TOKEN, base_url=f"{url}/bot") as bot:
                deliverer = Deliverer(
                    db,
                    bot,
                    CAL,
                    clock=running_clock(wib(datetime(2026, 11, 24, 7, 0))),
                    composer=compose,
                    config=config,
                )
                try:
                    delivered = await deliverer.deliver_due()
                finally:
                    await deliverer.close()
            calls: list[dict[str, Any]] = []
            after = 0
            while page := (await client.calls(after=after, method="sendMessage", limit=5000))["calls"]:
                calls += page
                after = int(page[-1]["id"])
        ok = [c for c in calls if c["ok"]]
        per_chat = Counter(int(c["params"]["chat_id"]) for c in ok)
        duplicates = sum(n - 1 for n in per_chat.values() if n > 1)
        lost = sum(1 for chat in chats if chat not in per_chat)
        async with db.session() as session:
            statuses = dict((await session.execute(select(Outbox.status, func.count()).group_by(Outbox.status))).all())
        first, last = ok[0]["time"], ok[-1]["time"]
        span = max(1e-9, float(last) - float(first))
        rate = (len(ok) - 1) / span
        # Steady state: from the 100th message on, so the bucket's initial burst (5) does not flatter the figure.
        steady = (len(ok) - 101) / max(1e-9, float(last) - float(ok[100]["time"])) if len(ok) > 200 else rate
        print(f"sent {delivered.sent:,} in {delivered.seconds:.1f} s (worker) — first→last message {span:.1f} s")
        print(
            f"rate {rate:.2f} msg/s = {rate / args.rate:.1%} of the configured {args.rate:g}/s (target ≥ 95%); "
            f"steady state {steady:.2f} msg/s = {steady / args.rate:.1%}"
        )
        print(
            f"duplicates {duplicates}, lost {lost}, 429s {len(calls) - len(ok)}, "
            f"outbox {{{', '.join(f'{OutboxStatus(k).value}: {v}' for k, v in statuses.items())}}}"
        )
        share = steady / args.rate
        record(
            "outbox-delivery",
            [
                Figure(
                    f"outbox delivery of {len(chats):,} digests, steady rate",
                    round(share * 100, 1),
                    "% of limit",
                    target="≥ 95%",
                    met=share >= 0.95,
                    peer=f"configured limit {args.rate:g} msg/s",
                    peer_value=args.rate,
                    ratio=round(share, 3),
                    note=f"{steady:.2f} msg/s; whole run {rate / args.rate:.1%}",
                ),
                Figure("outbox duplicates", duplicates, "messages", target="0", met=duplicates == 0),
                Figure("outbox losses", lost, "messages", target="0", met=lost == 0),
            ],
            scale=f"{len(chats)}-digests",
            database=args.db,
            params={"digests": len(chats), "rate": args.rate},
            load_before=load_before,
        )
    finally:
        sandbox.terminate()
        sandbox.wait(10)
        await drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["plan", "deliver"])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--households", type=int, default=50_000)
    parser.add_argument("--digests", type=int, default=3_000)
    parser.add_argument("--rate", type=float, default=25.0, help="the outbox's global rate (messages/s)")
    parser.add_argument(
        "--cache", action="store_true", help="plan: seed once and keep the database for later runs (bench/databases.py)"
    )
    args = parser.parse_args()
    asyncio.run(bench_plan(args) if args.what == "plan" else bench_deliver(args))


if __name__ == "__main__":
    main()
