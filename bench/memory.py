"""Benchmark: peak memory of one bot process at province scale (target < 300 MB RSS, docs/performance.md).

    uv run python bench/memory.py                           # the cached 650k-household seed (bench/databases.py)
    uv run python bench/memory.py --households 50000        # Jamsosratu scale
    uv run python bench/memory.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/jsika_bench_summaries

A real ``jsika run`` (polling the sandbox, reminders on, so the scheduler's catch-up plans reminders over the
whole registry inside this process at start) is given the work that costs memory: an admin and a koordinator of
Kabupaten Lebak ask for every supervisor report over their whole area — summaries, overdue lists, compliance, the
leaderboard, the three charts, and the XLSX export of a month's visits of Lebak (the largest file a koordinator
asks for, built in the background) — while pendamping open their worklists and household cards. The bot's
resident memory is sampled every 250 ms and its peak (``VmHWM`` from /proc) is the figure. The driver and the
sandbox are other processes, so they do not count.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

from bench.databases import DEFAULT_PG, seeded_database  # noqa: E402
from bench.processes import peak_rss_mb, rss_mb, start_bot, start_sandbox, stop  # noqa: E402
from bench.results import Figure, record, scale_of  # noqa: E402
from bot.sandbox.client import SandboxClient  # noqa: E402
from models.db import Database  # noqa: E402
from models.seed import SeedOptions  # noqa: E402
from models.tables import Role, User  # noqa: E402

TOKEN = "424242:BENCH-MEMORY"
ADMIN, KOORDINATOR, FIRST_PENDAMPING = 990_001, 990_002, 990_100
PERIOD = "2026-11"  # the seed's last month (bench/databases.py SEED_DAY)
SUPERVISOR_COMMANDS = (
    "/ringkasan {area} " + PERIOD,
    "/tunggakan {area}",
    "/kepatuhan {area} " + PERIOD,
    "/pendamping",
    "/grafik cakupan",
    "/grafik kepatuhan",
    "/grafik wilayah",
    "/graduasi",
    "/tinjau",
)


async def people(db: Database, pendamping: int) -> list[int]:
    """Link an admin, Lebak's koordinator and ``pendamping`` of Lebak's pendamping to chats (idempotent)."""
    async with db.session() as session:
        for telegram_id, role, area, name in (
            (ADMIN, Role.ADMIN, "36", "Admin Bench"),
            (KOORDINATOR, Role.KOORDINATOR, "36.02", "Koordinator Lebak Bench"),
        ):
            known = await session.scalar(select(User.id).where(User.telegram_id == telegram_id))
            if known is None:
                await session.execute(
                    insert(User).values(
                        telegram_id=telegram_id,
                        phone=f"+6289{telegram_id:09d}",
                        name=name,
                        role=role,
                        area_code=area,
                        active=True,
                        language="id",
                        created_at=datetime.now(UTC),
                    )
                )
        await session.execute(
            text("UPDATE app_user SET telegram_id = NULL WHERE telegram_id >= :first"), {"first": FIRST_PENDAMPING}
        )
        ids = list(
            await session.scalars(
                select(User.id)
                .where(User.role == Role.PENDAMPING, User.area_code.startswith("36.02."))
                .order_by(User.id)
                .limit(pendamping)
            )
        )
        for n, user_id in enumerate(ids):
            await session.execute(
                text("UPDATE app_user SET telegram_id = :tg WHERE id = :id"),
                {"tg": FIRST_PENDAMPING + n, "id": user_id},
            )
    return [FIRST_PENDAMPING + n for n in range(len(ids))]


async def ask(client: SandboxClient, chat: int, command: str, *, document: bool = False, seconds: float = 600) -> float:
    """Send ``command`` and wait for the bot's answer (for an export: the document); returns the seconds taken."""
    started = time.perf_counter()
    sent = await client.say(chat, command)
    cursor = sent["cursor"]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = await client.wait(chat, after=cursor, timeout=10)
        cursor = result["cursor"]
        for event in result["events"]:
            if not event["from_bot"]:
                continue
            message = event.get("message") or {}
            if "terjadi gangguan" in (message.get("text") or ""):  # the error handler's apology: a bug, not a figure
                raise RuntimeError(f"{command!r} failed inside the bot (see its log)")
            if not document or message.get("document"):
                return time.perf_counter() - started
            if "Tidak ada" in (message.get("text") or ""):
                raise RuntimeError(f"{command!r} found nothing to send: {message.get('text')!r}")
    raise RuntimeError(f"no answer to {command!r} in chat {chat} within {seconds:.0f} s")


async def drive(client: SandboxClient, pendamping: list[int]) -> dict[str, float]:
    timings: dict[str, float] = {}
    for chat, area in ((ADMIN, "36"), (KOORDINATOR, "36.02")):
        for template in SUPERVISOR_COMMANDS:
            command = template.format(area=area)
            timings[f"{chat}:{command}"] = await ask(client, chat, command)
            print(f"  {chat} {command}: {timings[f'{chat}:{command}']:.1f} s", flush=True)
    timings["export"] = await ask(client, KOORDINATOR, f"/ekspor kunjungan 36.02 {PERIOD}", document=True)

    async def worklist(chat: int) -> None:
        await ask(client, chat, "/jadwal")
        await ask(client, chat, "/riwayat")

    await asyncio.gather(*(worklist(chat) for chat in pendamping))
    return timings


async def sample(pid: int, samples: list[float], stop_event: asyncio.Event) -> None:
    while not stop_event.is_set():
        samples.append(rss_mb(pid))
        await asyncio.sleep(0.25)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=650_000, help="size of the cached seed to use")
    parser.add_argument("--database-url", default="", help="use this database instead of the cached seed")
    parser.add_argument("--url", default=DEFAULT_PG, help="PostgreSQL server for the cached seed")
    parser.add_argument("--pendamping", type=int, default=50, help="pendamping opening their lists at once")
    args = parser.parse_args()

    if args.database_url:
        db = Database(args.database_url)
    else:
        db = await seeded_database("postgresql", SeedOptions(households=args.households, seed=7), args.url)
    async with db.session() as session:
        households = int(await session.scalar(text("SELECT count(*) FROM household")) or 0)
        visits = int(await session.scalar(text("SELECT count(*) FROM visit")) or 0)
    chats = await people(db, args.pendamping)
    async with db.session() as session:  # the sandbox numbers updates from 1 again: forget the last run's
        await session.execute(text("DELETE FROM inbox"))
    sandbox, sandbox_url = start_sandbox(token=TOKEN)
    bot = None
    try:
        async with SandboxClient(sandbox_url, timeout=120) as client:
            await client.create_user(ADMIN, "Admin")
            await client.create_user(KOORDINATOR, "Koordinator")
            for chat in chats:
                await client.create_user(chat, f"Pendamping {chat}")
            load_before = os.getloadavg()[0]
            bot = start_bot(db.url, sandbox_url, TOKEN, reminders=True)
            samples: list[float] = []
            done = asyncio.Event()
            sampler = asyncio.create_task(sample(bot.pid, samples, done))
            started = time.perf_counter()
            await ask(client, ADMIN, "/bantuan", seconds=300)
            ready = time.perf_counter() - started
            timings = await drive(client, chats)
            await asyncio.sleep(2)
            peak = max(peak_rss_mb(bot.pid) or [0.0])
            done.set()
            await sampler
    finally:
        stop(bot)
        stop(sandbox, 10)
        await db.dispose()
    settled = samples[-1] if samples else 0.0
    print(f"bot process on {households:,} households, {visits:,} visits (PostgreSQL), load {load_before:.1f} before:")
    print(f"  ready (first answer) after {ready:.1f} s; export of Lebak's month {timings['export']:.1f} s")
    print(f"  peak RSS {peak:.0f} MB (target < 300 MB); at the end {settled:.0f} MB; samples {len(samples)}")
    slowest = sorted(((v, k) for k, v in timings.items() if k != "export"), reverse=True)[:5]
    print("  slowest answers: " + ", ".join(f"{k.split(':', 1)[1]} {v:.1f} s" for v, k in slowest))
    record(
        "memory",
        [
            Figure(
                "bot process peak RSS",
                round(peak),
                "MB",
                target="< 300 MB",
                met=peak < 300,
                note=f"{households:,} households, {visits:,} visits; reminders planned at start, every report, "
                "charts and Lebak's export",
            ),
            Figure("bot process RSS after the work", round(settled), "MB"),
            Figure("export of Lebak's month of visits, sent as a document", round(timings["export"], 1), "s"),
        ],
        scale=scale_of(households),
        database="postgresql",
        params={"households": households, "visits": visits, "pendamping": len(chats)},
        load_before=load_before,
    )


if __name__ == "__main__":
    asyncio.run(main())
