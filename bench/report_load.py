"""Benchmark: N pendamping completing routine visit reports at once, through the sandbox, with the real bot.

    uv run python bench/report_load.py --users 1000                  # saturation run, paced run, echo bot
    uv run python bench/report_load.py --users 1000 --think 9 --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

Three processes, as in ``bench/sandbox_echo.py`` (whose bare PTB echo bot is the yardstick): the sandbox
(``python -m bot.sandbox``), the JSiKa bot exactly as ``jsika run`` runs it (migrated database, polling into the
durable inbox, inbox workers, per-chat ordering, every handler), and this driver. Each simulated pendamping types
/lapor and taps through the routine report — household, today, met, all commitments met, condition, welfare, no
change, no referral, a photo, the location, no notes, submit: 13 actions.

Two runs against the same bot process, because they answer two different questions:

- **saturation** (closed loop, no think time): every pendamping fires the next action the instant the previous
  answer arrives. The bot is then never idle and always has its full concurrency of updates in hand, so the
  latency of a step is mostly *queueing* behind the other updates sharing the one event loop; what this run
  measures is **throughput** — updates/s, compared with the bare echo bot driven the same way (same users, 13
  messages each, one request per message) on the same machine. Target: ≥ 0.8× the echo bot.
- **paced** (``--think S``, default 9 s): the same N pendamping at once, each waiting a think time between taps,
  drawn uniformly from 0.5–1.5 × S (a routine report of 13 actions in about two minutes is ~9 s per action);
  the starts are spread over the first S seconds. This is the load 1,000 people working at once put on the bot,
  and its **server-side step latency** is the figure that answers "one form step, p95 < 30 ms".

Latencies printed:
- **server-side** (the target's measure): inside the bot process, from the update being stored in the inbox
  (right after ``getUpdates`` returned it) to its handler having answered — the inbox commit, the claim, the
  form step's transaction and the Bot API calls that show the answer, all included;
- **handler**: the part of that from the claim to the answer (what the older version of this bench reported);
- **end-to-end**: from the driver posting the action to the driver seeing the bot's answer (includes the
  sandbox, the long polls both ways and the driver itself, all sharing the same 2 CPUs).

CPU per update is read from ``/proc/<pid>/stat`` (utime + stime) of the bot process over each run, divided by
the updates it handled; the echo bot's the same way; on PostgreSQL also the server's (every ``postgres`` process on
the machine, so other people's queries count too on a shared box). Figures go to ``bench/results`` (``bench.results.record``).
Always note the machine's load average (printed before and after): on a shared 2-CPU box every latency here
moves with it, CPU per update much less.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
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
import uvloop

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
    """The bot as ``jsika run`` runs it, with one wrapper around the inbox's handler that times each update."""
    from bot import aio, service
    from bot.app import build_application
    from bot.config import Settings
    from bot.ordering import PerChatOrderedProcessor
    from models.db import Database
    from models.inbox import InboxItem

    # (chat id, stored in the inbox [unix s], claimed [unix s], answered [unix s], kind)
    timings: list[tuple[int | None, float, float, float, str]] = []
    plain = service.ptb_handler

    def timed_handler(application: Any) -> Any:
        handle = plain(application)

        async def timed(item: InboxItem) -> None:
            claimed = time.time()
            try:
                await handle(item)
            finally:
                kind = "callback" if "callback_query" in item.payload else "message"
                timings.append((item.chat_id, item.received_at.timestamp(), claimed, time.time(), kind))

        return timed

    service.ptb_handler = timed_handler  # type: ignore[assignment]

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
            update_processor=PerChatOrderedProcessor(concurrent),
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        try:
            async with service.runtime(application, receive="polling", options=service.inbox_options(settings)):
                await stop.wait()
        finally:
            await db.dispose()

    try:
        aio.run(main())  # the loop ``jsika run`` runs on
    finally:
        Path(stats_path).write_text(json.dumps(timings))


def thread_cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU of a process's main thread (Python, the event loop) and of all its other threads (aiosqlite's
    connection threads, where SQLite itself runs), from ``/proc/<pid>/task``."""
    main = others = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            seconds = sandbox_echo.cpu_seconds(f"{pid}/task/{task.name}")
        except OSError:
            continue  # the thread ended meanwhile
        if task.name == str(pid):
            main += seconds
        else:
            others += seconds
    return main, others


def postgres_cpu_seconds() -> float:
    """utime + stime of every ``postgres`` process on this machine (the server shares the box; its backends stay
    up for the whole run, the bot's pool keeps them open). 0 where there is none."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "postgres":
                total += sandbox_echo.cpu_seconds(entry.name)
        except OSError:
            continue  # gone meanwhile
    return total


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
    think: float = 0.0  # mean seconds between an answer and the next tap (0: at once)
    rng: random.Random = field(default_factory=lambda: random.Random(6))

    async def watch(self) -> None:
        while True:
            result = await self.client.wait_all(after=self.cursor, timeout=10, limit=10_000)
            now = time.perf_counter()
            self.cursor = result["cursor"]
            for event in result["events"]:
                person = self.people.get(event["chat_id"])
                if person is None:
                    continue
                message: dict[str, Any] = dict(event["message"])
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

    async def pause(self, share: float = 1.0) -> None:
        """A person reading the question and tapping: uniform 0.5–1.5 × ``think`` (nothing when not paced)."""
        if self.think > 0:
            await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5) * share)

    async def report(self, person: Person, reports: int) -> None:
        if self.think > 0:  # the starts spread over one think time, not 1,000 /lapor in the same millisecond
            await asyncio.sleep(self.rng.uniform(0, self.think))
        for number in range(reports):
            for index, (step, name) in enumerate(zip(STEPS, STEP_NAMES, strict=True)):
                await self.act(person, step, name)
                if index < len(STEPS) - 1 or number < reports - 1:
                    await self.pause()


@dataclass
class Phase:
    """One run's driver-side figures; ``began``/``ended`` (unix seconds) pick its updates out of the bot's log."""

    name: str
    think: float
    began: float
    ended: float
    wall: float
    actions: int
    latencies: dict[str, list[float]]
    cpu: list[float]  # sandbox, bot, driver, bot's main thread, bot's other threads, postgres: seconds over the run


async def drive(url: str, users: int, reports: int, pids: tuple[int, int], thinks: list[float]) -> list[Phase]:
    """Warm up with one report, then one run per think time in ``thinks`` (each ``reports`` reports per person)."""
    limits = httpx.Limits(max_connections=min(users, 512) + 8, max_keepalive_connections=min(users, 512) + 8)
    phases: list[Phase] = []
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
        try:
            await driver.report(warm, 1)
            for think in thinks:
                await asyncio.sleep(2)  # let the previous run's last finishes and commits settle
                driver.latencies = defaultdict(list)
                driver.actions = 0
                driver.think = think
                cpu = (sandbox_echo.cpu_seconds(pids[0]), sandbox_echo.cpu_seconds(pids[1]), sandbox_echo.cpu_seconds())
                threads = thread_cpu_seconds(pids[1])
                server = postgres_cpu_seconds()
                began, started = time.time(), time.perf_counter()
                await asyncio.gather(*(driver.report(person, reports) for person in people.values()))
                wall, ended = time.perf_counter() - started, time.time()
                after = (
                    sandbox_echo.cpu_seconds(pids[0]),
                    sandbox_echo.cpu_seconds(pids[1]),
                    sandbox_echo.cpu_seconds(),
                )
                name = "saturation" if think == 0 else f"paced (think {think:g} s)"
                spent = [b - a for a, b in zip(cpu, after, strict=True)]
                spent += [b - a for a, b in zip(threads, thread_cpu_seconds(pids[1]), strict=True)]
                spent.append(postgres_cpu_seconds() - server)
                phases.append(Phase(name, think, began, ended, wall, driver.actions, dict(driver.latencies), spent))
                print(f"{name}: {driver.actions} actions in {wall:.1f} s, load {os.getloadavg()[0]:.2f}", flush=True)
        finally:
            watcher.cancel()
    return phases


def p(values: list[float], share: float) -> float:
    return sandbox_echo.percentile(values, share) if values else float("nan")


def run_echo(users: int, messages: int, concurrent: int, transport: str = "ptb") -> dict[str, float]:
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
            "--transport",
            transport,
        ],
        cwd=ROOT,
    )
    try:
        asyncio.run(sandbox_echo.wait_until_polling(url))
        return uvloop.run(sandbox_echo.drive(url, users, messages, sandbox.pid, bot.pid, batch=False))
    finally:
        bot.terminate()
        bot.wait(15)
        sandbox.terminate()
        sandbox.wait(10)


@dataclass
class Server:
    """The bot's own timings of one run's updates (ms), overall and per step."""

    total: list[float]  # stored in the inbox → answered
    handler: list[float]  # claimed → answered
    by_step: dict[str, list[float]]
    kinds: dict[str, list[float]]


def server_side(timings: list[list[Any]], phase: Phase, users: set[int]) -> Server:
    mine = [t for t in timings if t[0] in users and phase.began <= t[1] <= phase.ended + 1]
    total = [(done - stored) * 1000 for _, stored, _, done, _ in mine]
    handler = [(done - claimed) * 1000 for _, _, claimed, done, _ in mine]
    by_step: dict[str, list[float]] = defaultdict(list)
    per_chat: dict[int, list[list[Any]]] = defaultdict(list)
    for t in mine:
        per_chat[t[0]].append(t)
    for rows in per_chat.values():  # a person's updates come one after another: the n-th is step n mod 13
        for n, (_, stored, _, done, _) in enumerate(sorted(rows, key=lambda r: r[1])):
            by_step[STEP_NAMES[n % len(STEP_NAMES)]].append((done - stored) * 1000)
    kinds: dict[str, list[float]] = defaultdict(list)
    for _, stored, _, done, kind in mine:
        kinds[kind].append((done - stored) * 1000)
    return Server(total, handler, dict(by_step), dict(kinds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000, help="simulated pendamping, all at once")
    parser.add_argument("--reports", type=int, default=1, help="reports each one completes per run, one after another")
    parser.add_argument(
        "--think",
        type=float,
        default=9.0,
        help="mean seconds between taps in the paced run (0: no paced run); each pause is 0.5–1.5 × this",
    )
    parser.add_argument("--no-saturation", action="store_true", help="skip the saturation run (and the echo bot)")
    parser.add_argument(
        "--database-url",
        default="",
        help="default: a fresh SQLite file; PostgreSQL: a fresh "
        "database is created beside the given one and dropped afterwards",
    )
    parser.add_argument("--concurrent-updates", type=int, default=64, help="as the echo bench's default")
    parser.add_argument("--no-echo", action="store_true", help="skip the echo-bot comparison run")
    parser.add_argument(
        "--echo-same-transport",
        action="store_true",
        help="also run the echo bot on the bot's own transport and loop (aiohttp, uvloop): the ratio on equal footing",
    )
    parser.add_argument(
        "--echo-from",
        default="",
        metavar="RATE,CPU_MS",
        help="the echo bot's updates/s and CPU ms per update measured just before (printed as 'echo figures: …' by "
        "an earlier run of this bench) instead of running it again",
    )
    parser.add_argument(
        "--pool-size", type=int, default=0, help="PostgreSQL connection pool of the bot (0: the project default, 10+10)"
    )
    parser.add_argument("--no-record", action="store_true", help="print only; do not write bench/results")
    parser.add_argument("--role", choices=["driver", "bot"], default="driver", help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--stats", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "bot":
        run_bot(args.url, args.database_url, args.stats, args.concurrent_updates, args.pool_size)
        return

    from bench import results

    results.started()  # the code under test is the checkout as the run starts
    thinks = ([] if args.no_saturation else [0.0]) + ([args.think] if args.think > 0 else [])
    if not thinks:
        parser.error("nothing to run: --no-saturation and --think 0")
    load_before = os.getloadavg()[0]
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="jsika-report-bench-"))
    database_url, drop = args.database_url, None
    if database_url.startswith("postgresql"):
        from sqlalchemy.engine import make_url

        name = f"jsika_bench_report_{uuid.uuid4().hex[:8]}"
        asyncio.run(admin(database_url, f'CREATE DATABASE "{name}"'))
        drop = (database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        database_url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    elif not database_url:
        database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    stats = workdir / "server.json"
    try:
        started = time.perf_counter()
        asyncio.run(prepare_database(database_url, args.users, args.reports * len(thinks) + 1))
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
            # The driver on uvloop, as the echo bench's: the simulated people share the bot's 2 CPUs here.
            phases = uvloop.run(drive(url, args.users, args.reports, (sandbox.pid, bot.pid), thinks))
            rss = rss_mb(bot.pid)
        finally:
            bot.send_signal(signal.SIGTERM)
            bot.wait(60)
            sandbox.terminate()
            sandbox.wait(10)
        timings = json.loads(stats.read_text()) if stats.exists() else []
        echo = None
        if args.echo_from:
            rate, cpu_ms = (float(x) for x in args.echo_from.split(","))
            echo = {"rate": rate, "updates": 1.0, "bot_cpu": cpu_ms / 1000, "p50": float("nan"), "p95": float("nan")}
        elif not args.no_echo and not args.no_saturation:
            echo = run_echo(args.users, len(STEPS), args.concurrent_updates)
        if echo is not None and args.echo_same_transport:
            echo["same_transport"] = run_echo(args.users, len(STEPS), args.concurrent_updates, "jsika")["rate"]
    finally:
        if drop is not None:
            asyncio.run(admin(*drop))
    users = set(range(FIRST_TG, FIRST_TG + args.users))
    servers = [server_side(timings, phase, users) for phase in phases]
    database = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    print_figures(args, phases, servers, echo, database, rss)
    if not args.no_record:
        record_figures(args, phases, servers, echo, database, load_before)


def _ms(values: list[float]) -> str:
    return f"p50 {p(values, 0.5):7.1f}  p95 {p(values, 0.95):7.1f}  p99 {p(values, 0.99):7.1f} ms"


def print_figures(
    args: argparse.Namespace,
    phases: list[Phase],
    servers: list[Server],
    echo: dict[str, float] | None,
    database: str,
    rss: float,
) -> None:
    print(
        f"\nreport load: {args.users} pendamping x {args.reports} report(s) per run, {len(STEPS)} actions each, "
        f"{database}, cpus {os.cpu_count()}, load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    for phase, server in zip(phases, servers, strict=True):
        reports = args.users * args.reports
        rate = phase.actions / phase.wall
        sandbox_cpu, bot_cpu, driver_cpu, main_cpu, thread_cpu, postgres_cpu = phase.cpu
        print(f"\n  {phase.name}")
        offered = f"   offered {args.users / phase.think:.0f}/s" if phase.think else ""
        print(
            f"    wall {phase.wall:.1f} s   reports/min {reports / phase.wall * 60:.0f}   updates/s {rate:.1f}{offered}"
        )
        print(f"    server-side step   {_ms(server.total)}  ({len(server.total)} updates)")
        print(f"    handler only       {_ms(server.handler)}")
        all_e2e = [v for values in phase.latencies.values() for v in values]
        print(f"    end-to-end step    {_ms(all_e2e)}")
        print("    by step: server-side p50 / p95, end-to-end p50 / p95 (ms)")
        for name in STEP_NAMES:
            srv = server.by_step.get(name, [])
            e2e = phase.latencies.get(name, [])
            print(
                f"      {name:<14} {p(srv, 0.5):7.1f} / {p(srv, 0.95):7.1f}    {p(e2e, 0.5):7.1f} / {p(e2e, 0.95):7.1f}"
            )
        print(
            f"    cpu share of wall  sandbox {sandbox_cpu / phase.wall:.0%}  bot {bot_cpu / phase.wall:.0%}  driver "
            f"{driver_cpu / phase.wall:.0%}"
            + (f"  postgres {postgres_cpu / phase.wall:.0%}" if database == "postgresql" else "")
            + "  (100% = one core)"
        )
        print(
            f"    cpu per update     bot {bot_cpu / max(1, phase.actions) * 1000:.2f} ms  "
            f"sandbox {sandbox_cpu / max(1, phase.actions) * 1000:.2f} ms   (bot: main thread "
            f"{main_cpu / max(1, phase.actions) * 1000:.2f} ms, other threads {thread_cpu / max(1, phase.actions) * 1000:.2f} ms)"
            + (
                f"   postgres server {postgres_cpu / max(1, phase.actions) * 1000:.2f} ms"
                if database == "postgresql"
                else ""
            )
        )
    print(f"\n  bot memory         {rss:.0f} MB RSS at the end")
    saturation = next((ph for ph in phases if ph.think == 0), None)
    if echo is not None and saturation is not None:
        rate = saturation.actions / saturation.wall
        print(
            f"  echo bot (same users, {len(STEPS)} msgs each, one request per message): {echo['rate']:.0f} updates/s,"
            f" p50 {echo['p50']:.1f} ms p95 {echo['p95']:.1f} ms, "
            f"cpu per update {echo['bot_cpu'] / echo['updates'] * 1000:.2f} ms"
        )
        print(f"  ratio report/echo  {rate / echo['rate']:.2f}  (target >= 0.8)")
        if "same_transport" in echo:
            same = echo["same_transport"]
            print(
                f"  echo bot on the bot's transport and loop (aiohttp, uvloop): {same:.0f} updates/s, ratio {rate / same:.2f}"
            )
        print(f"  echo figures: {echo['rate']:.1f},{echo['bot_cpu'] / echo['updates'] * 1000:.3f}")


def record_figures(
    args: argparse.Namespace,
    phases: list[Phase],
    servers: list[Server],
    echo: dict[str, float] | None,
    database: str,
    load_before: float,
) -> None:
    from bench.results import Figure, record

    figures: list[Figure] = []
    load = f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    for phase, server in zip(phases, servers, strict=True):
        cpu = phase.cpu[1] / max(1, phase.actions) * 1000
        if phase.think:
            p95 = p(server.total, 0.95)
            figures.append(
                Figure(
                    f"form step server-side p95, paced (think {phase.think:g} s)",
                    round(p95, 1),
                    "ms",
                    target="< 30 ms",
                    met=p95 < 30,
                    note=f"p50 {p(server.total, 0.5):.1f} ms, p99 {p(server.total, 0.99):.1f} ms, "
                    f"{phase.actions / phase.wall:.0f} updates/s; stored in the inbox → answered; {load}",
                )
            )
            figures.append(
                Figure(
                    f"form step server-side p50, paced (think {phase.think:g} s)", round(p(server.total, 0.5), 1), "ms"
                )
            )
            figures.append(Figure("bot CPU per update, paced", round(cpu, 2), "ms"))
            continue
        rate = phase.actions / phase.wall
        figures.append(
            Figure(
                "updates/s at saturation (closed loop, no think time)",
                round(rate, 1),
                "updates/s",
                target="≥ 0.8×",
                met=None if echo is None else rate / echo["rate"] >= 0.8,
                peer="bare PTB echo bot" if echo else None,
                peer_value=round(echo["rate"], 1) if echo else None,
                ratio=round(rate / echo["rate"], 2) if echo else None,
                note=f"server-side p95 {p(server.total, 0.95):.0f} ms here is queueing, not step cost; {load}"
                + (
                    f"; echo bot on the bot's own transport and loop (aiohttp, uvloop): {echo['same_transport']:.1f} "
                    f"updates/s, ratio {rate / echo['same_transport']:.2f}"
                    if echo and "same_transport" in echo
                    else ""
                ),
            )
        )
        echo_cpu = echo["bot_cpu"] / echo["updates"] * 1000 if echo else None
        figures.append(
            Figure(
                "bot CPU per update, saturation",
                round(cpu, 2),
                "ms",
                peer="bare PTB echo bot" if echo else None,
                peer_value=round(echo_cpu, 2) if echo_cpu else None,
                ratio=round(cpu / echo_cpu, 2) if echo_cpu else None,
                note="utime + stime of the bot process from /proc over the run",
            )
        )
        if database == "postgresql":
            figures.append(
                Figure(
                    "PostgreSQL server CPU per update, saturation",
                    round(phase.cpu[5] / max(1, phase.actions) * 1000, 2),
                    "ms",
                    note="all postgres processes on the box, from /proc over the run",
                )
            )
    record(
        "report-load",
        figures,
        scale=f"{args.users}-pendamping",
        database=database,
        params={
            "users": args.users,
            "reports": args.reports,
            "think": args.think,
            "concurrent_updates": args.concurrent_updates,
        },
        load_before=load_before,
    )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
