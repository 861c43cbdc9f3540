"""Benchmark: how many updates per second a bare PTB echo bot sustains through the sandbox.

    uv run python bench/sandbox_echo.py --users 100 --messages 20

Three processes, so each one's CPU can be read separately from /proc: the sandbox (``python -m bot.sandbox``),
a bare python-telegram-bot echo bot (long polling), and this driver, which plays N users who each send M text
messages one after another (all users at once) and watches every echo through one ``/sandbox/wait`` long poll.
Latency is from the driver posting a user message to the driver seeing the bot's echo. The figure printed here
is the ceiling later benchmarks compare the real bot against; the sandbox's own CPU share shows whether the
sandbox, rather than the bot, is the limit. Rate limits are off unless ``--rate-limits`` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvloop

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.processes import start_sandbox  # noqa: E402 - report_load.py uses it from here too
from bot.sandbox.client import SandboxClient  # noqa: E402 - after the sys.path fix for direct runs

TOKEN = "123456:BENCH"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | str = "self") -> float:
    """utime + stime of a process, from /proc (psutil is not a dependency)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


# -- the echo bot (runs as a child process) -------------------------------------------------------------


def run_echo_bot(base_url: str, concurrent: int, transport: str = "ptb") -> None:
    """``transport`` "ptb": PTB's defaults (httpx, the standard asyncio loop) — the bare yardstick. "jsika": the
    same echo on the transport and loop the JSiKa bot runs on (aiohttp, uvloop), to compare on equal footing."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text is not None:
            await context.bot.send_message(message.chat_id, message.text)

    builder = ApplicationBuilder().token(TOKEN).base_url(f"{base_url}/bot").base_file_url(f"{base_url}/file/bot")
    if concurrent > 1:
        builder = builder.concurrent_updates(concurrent)
    if transport == "jsika":
        import uvloop

        from bot.transport import bot_api_request

        builder = builder.request(bot_api_request()).get_updates_request(bot_api_request(pool_size=1))
        asyncio.set_event_loop(uvloop.new_event_loop())  # run_polling runs on the current loop
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0, timeout=10, drop_pending_updates=True)


# -- the driver ---------------------------------------------------------------------------------------------


@dataclass
class Load:
    """N users, each sending M messages one after another: the next one as soon as the echo of the last arrives.

    With ``batch`` (the default) all messages that are due at the same moment go out in one control request,
    so the driver stays cheap and the bot and the sandbox are what is measured; without it every message is
    its own request, as a test would send it.
    """

    client: SandboxClient
    messages: int
    batch: bool = True
    tag: str = "echo"
    cursor: int = 0
    sent_at: dict[int, tuple[str, float]] = field(default_factory=dict)
    remaining: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    mismatches: int = 0
    due: list[int] = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)

    def queue(self, user_id: int) -> None:
        if self.remaining[user_id] > 0:
            self.due.append(user_id)
            self.wake.set()
        elif all(count == 0 for count in self.remaining.values()) and not self.sent_at:
            self.finished.set()

    async def run(self, users: range) -> None:
        self.remaining = {user_id: self.messages for user_id in users}
        for user_id in users:
            self.queue(user_id)
        tasks = [asyncio.create_task(self._send_loop()), asyncio.create_task(self._watch_loop())]
        try:
            await asyncio.wait_for(self.finished.wait(), timeout=600)
        finally:
            for task in tasks:
                task.cancel()

    def _next_text(self, user_id: int) -> str:
        self.remaining[user_id] -= 1
        return f"{self.tag} {user_id}/{self.messages - self.remaining[user_id]}"

    async def _send_loop(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            due, self.due = self.due, []
            items = [(user_id, self._next_text(user_id)) for user_id in due]
            now = time.perf_counter()
            for user_id, text in items:
                self.sent_at[user_id] = (text, now)
            if self.batch:
                await self.client.say_many(items)
            else:
                await asyncio.gather(*(self.client.say(user_id, text) for user_id, text in items))

    async def _watch_loop(self) -> None:
        while True:
            result = await self.client.wait_all(after=self.cursor, timeout=10, limit=10_000, compact=True)
            now = time.perf_counter()
            self.cursor = result["cursor"]
            for event in result["events"]:
                if event["kind"] != "bot_message":
                    continue
                sent = self.sent_at.pop(event["chat_id"], None)
                if sent is None:
                    continue
                text, started = sent
                self.latencies.append(now - started)
                if event.get("text") != text:
                    self.mismatches += 1
                self.queue(event["chat_id"])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def drive(
    url: str, users: int, messages: int, sandbox_pid: int, bot_pid: int, *, batch: bool
) -> dict[str, float]:
    limits = httpx.Limits(max_connections=min(users, 512) + 8, max_keepalive_connections=min(users, 512) + 8)
    async with (
        httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http,
        SandboxClient(url, client=http) as client,
    ):
        first_id = 10_000
        ids = range(first_id, first_id + users)
        for user_id in ids:
            await client.create_user(user_id, f"Pengguna {user_id}", language_code="id")
        cursor = (await client.health())["cursor"]
        warmup = Load(client, 1, batch=batch, tag="warmup", cursor=cursor)
        await warmup.run(ids)

        load = Load(client, messages, batch=batch, cursor=warmup.cursor)
        calls_before = (await client.health())["calls"]
        cpu = (cpu_seconds(sandbox_pid), cpu_seconds(bot_pid), cpu_seconds())
        started = time.perf_counter()
        await load.run(ids)
        wall = time.perf_counter() - started
        after = (cpu_seconds(sandbox_pid), cpu_seconds(bot_pid), cpu_seconds())
        api_calls = (await client.health())["calls"] - calls_before
        latencies = load.latencies
        return {
            "updates": float(len(latencies)),
            "wall": wall,
            "rate": len(latencies) / wall,
            "p50": statistics.median(latencies) * 1000,
            "p95": percentile(latencies, 0.95) * 1000,
            "p99": percentile(latencies, 0.99) * 1000,
            "sandbox_cpu": after[0] - cpu[0],
            "bot_cpu": after[1] - cpu[1],
            "driver_cpu": after[2] - cpu[2],
            "mismatches": float(load.mismatches),
            "api_calls": float(api_calls),
        }


async def wait_until_polling(url: str) -> None:
    """The bot is ready once it has called deleteWebhook, which PTB does right before its first getUpdates.

    (getUpdates itself is logged only when it returns, which a long poll with nothing to deliver takes a while to.)
    """
    async with SandboxClient(url) as client:
        for _ in range(600):  # another process: nothing to await but its trace in the calls log
            if (await client.calls(method="deleteWebhook", limit=1))["calls"]:
                return
            await asyncio.sleep(0.05)
    raise RuntimeError("the echo bot did not start polling within 30 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--messages", type=int, default=20, help="messages per user (after one warm-up each)")
    parser.add_argument(
        "--concurrent-updates",
        type=int,
        default=64,
        help="PTB concurrent_updates; 64 = what the real bot's update processor allows (1 = PTB's sequential default)",
    )
    parser.add_argument("--rate-limits", action="store_true", help="keep Telegram's flood limits on")
    parser.add_argument(
        "--one-request-per-message",
        action="store_true",
        help="send every user message as its own control request instead of batching those due together",
    )
    parser.add_argument(
        "--transport",
        choices=["ptb", "jsika"],
        default="ptb",
        help="ptb: PTB's defaults (httpx, asyncio); jsika: the bot's own (aiohttp, uvloop)",
    )
    parser.add_argument("--role", choices=["driver", "bot"], default="driver", help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "bot":
        run_echo_bot(args.url, args.concurrent_updates, args.transport)
        return

    from bench import results

    results.started()  # the code under test is the checkout as the run starts
    sandbox, url = start_sandbox(rate_limits=args.rate_limits)
    bot = subprocess.Popen(
        [sys.executable, __file__, "--role", "bot", "--url", url, "--concurrent-updates", str(args.concurrent_updates)]
        + ["--transport", args.transport],
        cwd=ROOT,
    )
    try:
        asyncio.run(wait_until_polling(url))
        load_before = os.getloadavg()[0]
        batch = not args.one_request_per_message
        # The driver on uvloop: it shares the CPUs with the bot and the sandbox, so the cheaper it is the better.
        figures = uvloop.run(drive(url, args.users, args.messages, sandbox.pid, bot.pid, batch=batch))
    finally:
        bot.terminate()  # the bot first: its last getUpdates (confirming the offset) needs the sandbox
        bot.wait(15)
        sandbox.terminate()
        sandbox.wait(10)
    wall = figures["wall"]
    print(f"sandbox echo: {args.users} users x {args.messages} messages, concurrent_updates={args.concurrent_updates}")
    mode = "one request per message" if args.one_request_per_message else "batched"
    print(f"  cpus: {os.cpu_count()}  rate limits: {'on' if args.rate_limits else 'off'}  user messages: {mode}")
    print(f"  updates/s          {figures['rate']:.0f}  ({figures['updates']:.0f} echoes in {wall:.2f} s)")
    print(f"  latency ms         p50 {figures['p50']:.1f}  p95 {figures['p95']:.1f}  p99 {figures['p99']:.1f}")
    print(
        f"  cpu share of wall  sandbox {figures['sandbox_cpu'] / wall:.0%}  bot {figures['bot_cpu'] / wall:.0%}"
        f"  driver {figures['driver_cpu'] / wall:.0%}  (100% = one core)"
    )
    sandbox_share = figures["sandbox_cpu"] / max(1e-9, figures["sandbox_cpu"] + figures["bot_cpu"])
    print(f"  sandbox share of sandbox+bot cpu: {sandbox_share:.0%}")
    print(
        f"  cpu per update     sandbox {figures['sandbox_cpu'] / figures['updates'] * 1e3:.2f} ms"
        f"  bot {figures['bot_cpu'] / figures['updates'] * 1e3:.2f} ms"
    )
    print(
        f"  bot api calls      {figures['api_calls']:.0f} ({figures['api_calls'] / figures['updates']:.2f} per echo:"
        " one sendMessage each plus the getUpdates polls)"
    )
    if figures["mismatches"]:
        print(f"  WARNING: {figures['mismatches']:.0f} echoes did not match what was sent")
    from bench.results import Figure, record

    record(
        "sandbox-echo",
        [
            Figure("bare PTB echo bot through the sandbox", round(figures["rate"]), "updates/s", note=mode),
            Figure("echo latency p95", round(figures["p95"], 1), "ms"),
            Figure("echo bot CPU per update", round(figures["bot_cpu"] / figures["updates"] * 1e3, 2), "ms"),
            Figure(
                "sandbox share of sandbox+bot CPU",
                round(sandbox_share * 100),
                "%",
                note="the sandbox is not the bottleneck while this stays well under half",
            ),
        ],
        scale=f"{args.users}-users",
        database="none",
        params={"users": args.users, "messages": args.messages, "concurrent_updates": args.concurrent_updates},
        load_before=load_before,
    )


if __name__ == "__main__":
    main()
