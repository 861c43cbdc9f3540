"""Benchmark: N pendamping completing routine visit reports at once, through the sandbox, with the real bot.

    uv run python bench/report_load.py --users 1000
    uv run python bench/report_load.py --users 200 --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

Three processes, as in ``bench/sandbox_echo.py`` (whose bare PTB echo bot is the yardstick): the sandbox
(``python -m bot.sandbox``), the JSiKa bot exactly as ``jsika run`` runs it (migrated database, inbox, per-chat
ordering, every handler), and this driver. Each simulated pendamping types /lapor and taps through the routine
report — household, today, met, all commitments met, condition, welfare, no change, no referral, a photo, the
location, no notes, submit: 13 actions — each as soon as the bot has answered the previous one.

Printed figures:
- **server-side step latency**: inside the bot process, from an update entering the application to its handler
  having answered (database work and Bot API calls included) — p50/p95, per step and overall;
- **end-to-end step latency**: from the driver posting the action to the driver seeing the bot's answer (the same
  measure as the echo benchmark's latency, so the two compare);
- reports per minute, updates per second, and the ratio of updates/s to the echo bot's on the same machine
  (run here with the same number of users, 13 messages each, one request per message).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "bench"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import sandbox_echo  # noqa: E402 - the echo bench's sandbox and echo-bot helpers

from bot.sandbox.client import SandboxClient  # noqa: E402

TOKEN = "123456:REPORT-BENCH"
FIRST_TG = 50_000
PHOTO = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", 640, 480) + b"\x00" * 64


@dataclass(frozen=True)
class Step:
    kind: str  # say | press | photo | location
    arg: str
    expect_text: str = ""  # the answer has arrived when a message (sent or edited since) shows this text …
    expect_button: str = ""  # … or this button


STEPS = (
    Step("say", "/lapor", expect_button="Bench "),
    Step("press", "Bench ", expect_button="Hari ini"),
    Step("press", "Hari ini", expect_text="Bertemu dengan keluarga"),
    Step("press", "Ya", expect_button="Semua memenuhi"),
    Step("press", "Semua memenuhi", expect_text="Kondisi keluarga"),
    Step("press", "Lanjut", expect_text="Indikator kesejahteraan"),
    Step("press", "Lanjut", expect_button="Tidak ada perubahan"),
    Step("press", "Tidak ada perubahan", expect_button="Tidak ada rujukan"),
    Step("press", "Tidak ada rujukan", expect_text="Kirim foto"),
    Step("photo", "", expect_text="Bagikan lokasi"),
    Step("location", "", expect_text="Catatan tambahan"),
    Step("press", "Lewati", expect_text="Ringkasan laporan"),
    Step("press", "Kirim laporan", expect_text="Laporan terkirim"),
)
STEP_NAMES = (
    "lapor",
    "keluarga",
    "tanggal",
    "bertemu",
    "komitmen",
    "kondisi",
    "kesejahteraan",
    "perubahan",
    "rujukan",
    "foto",
    "lokasi",
    "catatan",
    "kirim",
)


# -- the database ---------------------------------------------------------------------------------------------


async def prepare_database(url: str, users: int, reports: int) -> None:
    """Migrate, then N pendamping (linked to Telegram ids) with ``reports`` households each: head + a school child."""
    from models import migrate
    from models.db import Database
    from models.tables import Household, Member, Relation, Role, SchoolLevel, Sex, User

    db = Database(url)
    try:
        await migrate.upgrade(db)
        async with db.session() as session:
            people = [
                User(
                    telegram_id=FIRST_TG + i,
                    phone=f"+62897{i:08d}",
                    name=f"Pendamping {i}",
                    role=Role.PENDAMPING,
                    area_code="36.01.01",
                    language="id",
                )
                for i in range(users + 1)  # the last one warms the bot up
            ]
            session.add_all(people)
            await session.flush()
            households = [
                Household(
                    programme_code="JAMSOSRATU",
                    kk=f"36010115{n:08d}",
                    head_name=f"Bench {i}-{r}",
                    address="Kp. Bench",
                    desa_code="36.01.01.2001",
                    pendamping_id=person.id,
                    latitude=-6.6,
                    longitude=105.6,
                )
                for n, (i, person, r) in enumerate((i, p, r) for i, p in enumerate(people) for r in range(reports))
            ]
            session.add_all(households)
            await session.flush()
            serial = 0
            for household in households:
                for name, born, relation, level in (
                    (household.head_name, date(1985, 3, 1), Relation.KEPALA, None),
                    ("Anak", date(2017, 7, 1), Relation.ANAK, SchoolLevel.SD),
                ):
                    serial += 1
                    session.add(
                        Member(
                            household_id=household.id,
                            nik=f"3601{serial:012d}",
                            name=name,
                            relation=relation,
                            sex=Sex.L,
                            birth_date=born,
                            school_level=level,
                        )
                    )
    finally:
        await db.dispose()


async def admin(url: str, statement: str) -> None:
    from sqlalchemy import text

    from models.db import Database

    db = Database(url, isolation_level="AUTOCOMMIT")
    async with db.engine.connect() as conn:
        await conn.execute(text(statement))
    await db.dispose()


# -- the bot (a child process) --------------------------------------------------------------------------------


def run_bot(base_url: str, database_url: str, stats_path: str, concurrent: int, pool_size: int) -> None:
    from telegram import Update

    from bot.app import build_application
    from bot.config import Settings
    from bot.ordering import PerChatOrderedProcessor
    from bot.service import running
    from models.db import Database

    durations: list[tuple[str, float]] = []

    class Timed(PerChatOrderedProcessor):
        async def do_process_update(self, update: object, coroutine: Any) -> None:
            started = time.perf_counter()
            try:
                await super().do_process_update(update, coroutine)
            finally:
                kind = "callback" if isinstance(update, Update) and update.callback_query else "message"
                durations.append((kind, (time.perf_counter() - started) * 1000))

    async def main() -> None:
        settings = Settings(database_url=database_url)
        pool = {"pool_size": pool_size, "max_overflow": pool_size} if pool_size and "postgresql" in database_url else {}
        db = Database(database_url, **pool)
        application = build_application(
            settings,
            db,
            token=TOKEN,
            base_url=f"{base_url}/bot",
            base_file_url=f"{base_url}/file/bot",
            update_processor=Timed(concurrent),
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        try:
            async with running(application, timeout=10):
                await stop.wait()
        finally:
            await db.dispose()

    try:
        asyncio.run(main())
    finally:
        Path(stats_path).write_text(json.dumps(durations))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# -- the driver -----------------------------------------------------------------------------------------------


@dataclass
class Person:
    tg: int
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    step: Step | None = None
    posted: float = 0.0
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    seen_at: float = 0.0

    def matches(self, message: dict[str, Any]) -> bool:
        step = self.step
        if step is None:
            return False
        if step.expect_text and step.expect_text in str(message.get("text") or ""):
            return True
        return bool(step.expect_button) and any(step.expect_button in label for label in _labels(message))

    def find(self, label: str) -> tuple[int, str]:
        for message_id in sorted(self.messages, reverse=True):
            buttons = _buttons(self.messages[message_id])
            for exact in (True, False):
                for text, data in buttons:
                    if data and ((text == label) if exact else (label in text)):
                        return message_id, data
        raise RuntimeError(f"{self.tg}: no button {label!r}")


def _buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [(b.get("text", ""), b.get("callback_data", "")) for row in markup.get("inline_keyboard") or [] for b in row]


def _labels(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    rows = (markup.get("inline_keyboard") or []) + (markup.get("keyboard") or [])
    return [b.get("text", "") for row in rows for b in row]


@dataclass
class Driver:
    client: SandboxClient
    people: dict[int, Person]
    cursor: int = 0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    actions: int = 0

    async def watch(self) -> None:
        while True:
            result = await self.client.wait_all(after=self.cursor, timeout=10, limit=10_000)
            now = time.perf_counter()
            self.cursor = result["cursor"]
            for event in result["events"]:
                person = self.people.get(event["chat_id"])
                if person is None:
                    continue
                message = dict(event["message"])
                if event["kind"] == "deleted" or message.get("deleted"):
                    person.messages.pop(int(message["message_id"]), None)
                    continue
                person.messages[int(message["message_id"])] = message
                if person.step is not None and not person.answered.is_set() and person.matches(message):
                    person.seen_at = now
                    person.answered.set()

    async def act(self, person: Person, step: Step, name: str) -> None:
        person.step, person.posted = step, time.perf_counter()
        person.answered.clear()
        if step.kind == "say":
            await self.client.say(person.tg, step.arg, from_id=person.tg)
        elif step.kind == "press":
            message_id, data = person.find(step.arg)
            await self.client.press(person.tg, message_id, data, from_id=person.tg)
        elif step.kind == "photo":
            await self.client.send_photo(person.tg, PHOTO, from_id=person.tg)
        else:
            await self.client.send_location(person.tg, -6.601, 105.601, from_id=person.tg)
        await asyncio.wait_for(person.answered.wait(), timeout=300)
        self.latencies[name].append((person.seen_at - person.posted) * 1000)
        self.actions += 1

    async def report(self, person: Person, reports: int) -> None:
        for _ in range(reports):
            for step, name in zip(STEPS, STEP_NAMES, strict=True):
                await self.act(person, step, name)


async def drive(url: str, users: int, reports: int, pids: tuple[int, int]) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=min(users, 512) + 8, max_keepalive_connections=min(users, 512) + 8)
    async with (
        httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as http,
        SandboxClient(url, client=http) as client,
    ):
        people = {}
        for i in range(users):
            await client.create_user(FIRST_TG + i, f"Pendamping {i}", language_code="id")
            people[FIRST_TG + i] = Person(FIRST_TG + i)
        warm = Person(FIRST_TG + users)  # one report first, so cold caches (holidays, locales) are not timed
        await client.create_user(warm.tg, "Pemanasan", language_code="id")
        driver = Driver(client, {**people, warm.tg: warm}, cursor=(await client.health())["cursor"])
        watcher = asyncio.create_task(driver.watch())
        await driver.report(warm, 1)
        driver.latencies.clear()
        driver.actions = 0
        cpu = (sandbox_echo.cpu_seconds(pids[0]), sandbox_echo.cpu_seconds(pids[1]), sandbox_echo.cpu_seconds())
        started = time.perf_counter()
        try:
            await asyncio.gather(*(driver.report(person, reports) for person in people.values()))
        finally:
            watcher.cancel()
        wall = time.perf_counter() - started
        after = (sandbox_echo.cpu_seconds(pids[0]), sandbox_echo.cpu_seconds(pids[1]), sandbox_echo.cpu_seconds())
        return {
            "wall": wall,
            "actions": driver.actions,
            "latencies": dict(driver.latencies),
            "cpu": [b - a for a, b in zip(cpu, after, strict=True)],
            "rss": rss_mb(pids[1]),
        }


def p(values: list[float], share: float) -> float:
    return sandbox_echo.percentile(values, share) if values else float("nan")


def run_echo(users: int, messages: int, concurrent: int) -> dict[str, float]:
    sandbox, url = sandbox_echo.start_sandbox(rate_limits=False)
    bot = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "sandbox_echo.py"),
            "--role",
            "bot",
            "--url",
            url,
            "--concurrent-updates",
            str(concurrent),
        ],
        cwd=ROOT,
    )
    try:
        asyncio.run(sandbox_echo.wait_until_polling(url))
        return asyncio.run(sandbox_echo.drive(url, users, messages, sandbox.pid, bot.pid, batch=False))
    finally:
        bot.terminate()
        bot.wait(15)
        sandbox.terminate()
        sandbox.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000, help="simulated pendamping, all at once")
    parser.add_argument("--reports", type=int, default=1, help="reports each one completes, one after another")
    parser.add_argument(
        "--database-url",
        default="",
        help="default: a fresh SQLite file; PostgreSQL: a fresh "
        "database is created beside the given one and dropped afterwards",
    )
    parser.add_argument("--concurrent-updates", type=int, default=64, help="as the echo bench's default")
    parser.add_argument("--no-echo", action="store_true", help="skip the echo-bot comparison run")
    parser.add_argument(
        "--pool-size", type=int, default=0, help="PostgreSQL connection pool of the bot (0: the project default, 10+10)"
    )
    parser.add_argument("--role", choices=["driver", "bot"], default="driver", help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--stats", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "bot":
        run_bot(args.url, args.database_url, args.stats, args.concurrent_updates, args.pool_size)
        return

    workdir = Path(tempfile.mkdtemp(prefix="jsika-report-bench-"))
    database_url, drop = args.database_url, None
    if database_url.startswith("postgresql"):
        from sqlalchemy.engine import make_url

        name = f"jsika_bench_{uuid.uuid4().hex[:8]}"
        asyncio.run(admin(database_url, f'CREATE DATABASE "{name}"'))
        drop = (database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        database_url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    elif not database_url:
        database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    stats = workdir / "server.json"
    try:
        started = time.perf_counter()
        asyncio.run(prepare_database(database_url, args.users, args.reports))
        print(f"database ready in {time.perf_counter() - started:.1f} s ({database_url.split('://')[0]})", flush=True)
        sandbox, url = sandbox_echo.start_sandbox(rate_limits=False)
        bot = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--role",
                "bot",
                "--url",
                url,
                "--database-url",
                database_url,
                "--stats",
                str(stats),
                "--concurrent-updates",
                str(args.concurrent_updates),
                "--pool-size",
                str(args.pool_size),
            ],
            cwd=ROOT,
        )
        try:
            asyncio.run(sandbox_echo.wait_until_polling(url))
            figures = asyncio.run(drive(url, args.users, args.reports, (sandbox.pid, bot.pid)))
        finally:
            bot.send_signal(signal.SIGTERM)
            bot.wait(60)
            sandbox.terminate()
            sandbox.wait(10)
        server = json.loads(stats.read_text())[len(STEPS) :] if stats.exists() else []  # minus the warm-up
        echo = None if args.no_echo else run_echo(args.users, len(STEPS), args.concurrent_updates)
    finally:
        if drop is not None:
            asyncio.run(admin(*drop))
    print_figures(args, figures, server, echo, database_url)


def print_figures(
    args: argparse.Namespace,
    figures: dict[str, Any],
    server: list[list[Any]],
    echo: dict[str, float] | None,
    database_url: str,
) -> None:
    wall, actions = figures["wall"], figures["actions"]
    reports = args.users * args.reports
    all_e2e = [v for values in figures["latencies"].values() for v in values]
    server_ms = [float(ms) for _, ms in server]
    rate = actions / wall
    print(
        f"\nreport load: {args.users} pendamping x {args.reports} report(s), {len(STEPS)} actions each, "
        f"{database_url.split('+')[0].split(':')[0]}, cpus {os.cpu_count()}"
    )
    print(f"  wall               {wall:.1f} s   reports/min {reports / wall * 60:.0f}   updates/s {rate:.0f}")
    print(
        f"  server-side step   p50 {p(server_ms, 0.5):.1f} ms  p95 {p(server_ms, 0.95):.1f} ms  "
        f"p99 {p(server_ms, 0.99):.1f} ms  ({len(server_ms)} updates)"
    )
    print(
        f"  end-to-end step    p50 {p(all_e2e, 0.5):.1f} ms  p95 {p(all_e2e, 0.95):.1f} ms  "
        f"p99 {p(all_e2e, 0.99):.1f} ms"
    )
    print("  end-to-end by step (p50 / p95 ms):")
    for name in STEP_NAMES:
        values = figures["latencies"].get(name, [])
        print(f"    {name:<14} {p(values, 0.5):7.1f} / {p(values, 0.95):7.1f}")
    sandbox_cpu, bot_cpu, driver_cpu = figures["cpu"]
    print(
        f"  cpu share of wall  sandbox {sandbox_cpu / wall:.0%}  bot {bot_cpu / wall:.0%}  driver "
        f"{driver_cpu / wall:.0%}  (100% = one core); bot cpu per update {bot_cpu / max(1, actions) * 1000:.2f} ms"
    )
    print(f"  bot memory         {figures['rss']:.0f} MB RSS at the end")
    if echo is not None:
        print(
            f"  echo bot (same users, {len(STEPS)} msgs each, one request per message): {echo['rate']:.0f} updates/s,"
            f" p50 {echo['p50']:.1f} ms p95 {echo['p95']:.1f} ms"
        )
        print(f"  ratio report/echo  {rate / echo['rate']:.2f}  (target >= 0.5)")
    print(
        f"  median e2e / server ratio {statistics.median(all_e2e) / max(1e-9, statistics.median(server_ms)):.1f}"
        if all_e2e and server_ms
        else ""
    )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
