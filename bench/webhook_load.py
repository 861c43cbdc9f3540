"""Benchmark: the production service — webhook intake, inbox processing with 1 and 2 processes (the OPD API's
latency is ``bench/opd_api.py``).

    uv run python bench/webhook_load.py accept --db sqlite --updates 5000 --connections 64
    uv run python bench/webhook_load.py accept --db postgresql
    uv run python bench/webhook_load.py process --workers 1 2 --users 200 --messages 10
    (PostgreSQL: --url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres, a fresh database per run)

``accept``: the FastAPI app of a production process (webhook route, secret check, one committed INSERT per
update into the inbox) runs in its own process under uvicorn; this driver posts distinct updates over loopback
with an async httpx client holding many connections, and prints updates/s accepted, latency and the server's
CPU. Nothing handles the updates, so this is the intake ceiling.

``process``: ``jsika run --workers N`` (polling mode) against the sandbox (its own process, no flood limits) on
a fresh PostgreSQL database. Simulated people send ``/bantuan`` — each message a real update through getUpdates,
the inbox, the PTB application, a database read and a ``sendMessage`` back — and the figure is updates/s from the
first message sent until the inbox has finished them all, with 1 and with 2 processes. It also checks that each
person got exactly one answer per message (no update lost or handled twice).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.databases import fresh_database  # noqa: E402
from bench.processes import cpu_seconds, peak_rss_mb, process_tree_cpu, start_bot, start_sandbox  # noqa: E402
from bench.results import Figure, record  # noqa: E402
from bot.sandbox.client import SandboxClient  # noqa: E402
from models.db import Database  # noqa: E402
from models.tables import Inbox, InboxStatus  # noqa: E402

SECRET = "bench-secret"
TOKEN = "555000:BENCH-WEBHOOK"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --- accept: webhook intake ------------------------------------------------------------------------------------


async def serve_webhook_only(url: str) -> None:
    """Child process: the production web app with an inbox and no worker, until killed."""
    from bot.inbox import Inbox as InboxStore
    from bot.web import WebContext, create_app
    from bot.web.server import serving

    db = Database(url)
    app = create_app(WebContext(db=db, inbox=InboxStore(db), webhook_secret=SECRET))
    async with serving(app, "127.0.0.1", 0) as port:
        print(f"listening {port}", flush=True)
        await asyncio.Event().wait()


def update(update_id: int, chat_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "text": "/bantuan",
            "entities": [{"type": "bot_command", "offset": 0, "length": 8}],
            "chat": {"id": chat_id, "type": "private", "first_name": "Beban"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Beban", "language_code": "id"},
        },
    }


async def post_all(
    port: int, updates: list[dict[str, Any]], connections: int, client: str = "httpx"
) -> tuple[float, list[float], int]:
    """POST every update over ``connections`` keep-alive connections; (wall seconds, latencies, non-200 count).

    ``client="raw"`` speaks HTTP/1.1 over asyncio streams itself: a fraction of httpx's CPU per request, so on a
    small machine the server, not the load generator, is what gets measured.
    """
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for item in updates:
        queue.put_nowait(item)
    latencies: list[float] = []
    errors = 0
    if client == "raw":

        async def raw_sender() -> None:
            nonlocal errors
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                while not queue.empty():
                    body = json.dumps(queue.get_nowait()).encode()
                    head = (
                        f"POST /telegram/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: {len(body)}\r\n\r\n"
                    ).encode()
                    began = time.perf_counter()
                    writer.write(head + body)
                    status_line = await reader.readline()
                    length = 0
                    while (line := await reader.readline()) not in (b"\r\n", b""):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    await reader.readexactly(length)
                    latencies.append(time.perf_counter() - began)
                    errors += b" 200 " not in status_line
            finally:
                writer.close()

        started = time.perf_counter()
        await asyncio.gather(*(raw_sender() for _ in range(connections)))
        return time.perf_counter() - started, latencies, errors

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with httpx.AsyncClient(limits=limits, timeout=60) as http:

        async def sender() -> None:
            nonlocal errors
            while not queue.empty():
                item = queue.get_nowait()
                began = time.perf_counter()
                response = await http.post(url, json=item, headers=headers)
                latencies.append(time.perf_counter() - began)
                errors += response.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(connections)))
        return time.perf_counter() - started, latencies, errors


def start_webhook_server(db_url: str) -> tuple[subprocess.Popen[str], int]:
    server = subprocess.Popen(
        [sys.executable, __file__, "serve-webhook", "--db-url", db_url], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    return server, int(server.stdout.readline().split()[1])


async def bench_accept(args: argparse.Namespace) -> None:
    db, drop = await fresh_database(args.db, args.url)
    server, port = start_webhook_server(db.url)
    try:
        warm = [update(n, 1 + n % 500) for n in range(1, 501)]
        await post_all(port, warm, args.connections, args.client)
        fresh = [update(n, 1 + n % 500) for n in range(1000, 1000 + args.updates)]
        cpu_before = cpu_seconds(server.pid)
        load_before = os.getloadavg()[0]
        client_before = cpu_seconds()
        wall, latencies, errors = await post_all(port, fresh, args.connections, args.client)
        client_cpu = cpu_seconds() - client_before
        server_cpu = cpu_seconds(server.pid) - cpu_before
        dup_wall, dup_latencies, dup_errors = await post_all(
            port, fresh[: args.updates // 2], args.connections, args.client
        )
        async with db.session() as session:
            stored = await session.scalar(select(func.count()).select_from(Inbox))
        print(
            f"webhook intake on {args.db}, {args.client} client, {args.connections} connections, loopback, "
            f"{os.cpu_count()} CPUs, load average {load_before:.1f} before the run:"
        )
        print(
            f"  new updates:  {len(fresh):,} in {wall:.2f} s = {len(fresh) / wall:,.0f} updates/s accepted; "
            f"p50 {statistics.median(latencies) * 1000:.1f} ms, p95 {percentile(latencies, 0.95) * 1000:.1f} ms; "
            f"server CPU {server_cpu / len(fresh) * 1000:.2f} ms per update (≈{len(fresh) / server_cpu:,.0f} "
            f"updates/s per core), load generator CPU {client_cpu:.1f} s; non-200: {errors}"
        )
        print(
            f"  duplicates:   {len(dup_latencies):,} in {dup_wall:.2f} s = {len(dup_latencies) / dup_wall:,.0f}/s "
            f"acknowledged and ignored; non-200: {dup_errors}"
        )
        print(f"  inbox rows: {stored:,} (expected {len(warm) + len(fresh):,})")
        record(
            "webhook-intake",
            [
                Figure(
                    "webhook intake (secret check + committed inbox row)",
                    round(len(fresh) / wall),
                    "updates/s",
                    note=f"{args.connections} connections, {args.client} client on the same CPUs",
                ),
                Figure("webhook intake latency p95", round(percentile(latencies, 0.95) * 1000, 1), "ms"),
                Figure("webhook server CPU per update", round(server_cpu / len(fresh) * 1000, 2), "ms"),
                Figure(
                    "webhook inbox rows after duplicates",
                    stored or 0,
                    "rows",
                    target=f"= {len(warm) + len(fresh):,} (duplicates ignored)",
                    met=stored == len(warm) + len(fresh),
                ),
            ],
            scale=f"{args.updates}-updates",
            database=args.db,
            params={"updates": args.updates, "connections": args.connections, "client": args.client},
            load_before=load_before,
        )
    finally:
        server.kill()
        server.wait()
        await drop()


# --- process: end to end through 1 or 2 bot processes -----------------------------------------------------------


async def inbox_done(db: Database) -> int:
    async with db.session() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(Inbox).where(Inbox.status.in_([InboxStatus.DONE, InboxStatus.FAILED]))
            )
            or 0
        )


async def wait_done(db: Database, count: int, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while await inbox_done(db) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {await inbox_done(db)} of {count} updates finished")
        await asyncio.sleep(0.05)


async def _process(args: argparse.Namespace, workers: int) -> dict[str, float]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    db, drop = await fresh_database("postgresql", args.url)
    sandbox, sandbox_url = start_sandbox(token=TOKEN)
    bot: subprocess.Popen[bytes] | None = None
    try:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with (
            httpx.AsyncClient(base_url=sandbox_url, timeout=120, limits=limits) as http,
            SandboxClient(sandbox_url, client=http) as client,
        ):
            people = list(range(20_000, 20_000 + args.users))
            for person in people:
                await client.create_user(person, f"Pendamping {person}", language_code="id")
            bot = start_bot(db.url, sandbox_url, TOKEN, workers=workers, port=port)
            deadline = time.monotonic() + 180
            while not (await client.calls(method="deleteWebhook", limit=1))["calls"]:  # the poller is up
                if bot.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("jsika run did not start")
                await asyncio.sleep(0.1)
            await client.say_many([(p, "/bantuan") for p in people])  # warm-up: one each
            await wait_done(db, len(people))
            cpu_before = cpu_seconds(sandbox.pid)
            bot_cpu_before = process_tree_cpu(bot.pid)
            load_before = os.getloadavg()[0]
            started = time.perf_counter()
            total = 0
            for _ in range(args.messages):
                batch = [(p, "/bantuan") for p in people]
                await client.say_many(batch)
                total += len(batch)
            await wait_done(db, len(people) + total)
            wall = time.perf_counter() - started
            sandbox_cpu = cpu_seconds(sandbox.pid) - cpu_before
            bot_cpu = process_tree_cpu(bot.pid) - bot_cpu_before
            rss = peak_rss_mb(bot.pid)
            answers = []
            for person in people:
                said = (await client.messages(person))["messages"]
                answers.append(sum(1 for m in said if m["from_bot"]))
        async with db.session() as session:
            attempts = list(await session.scalars(select(Inbox.attempts)))
            claimers = {str(c).split(":")[1] for c in await session.scalars(select(Inbox.claimed_by))}
        expected = 1 + args.messages
        return {
            "updates": float(total),
            "wall": wall,
            "rate": total / wall,
            "sandbox_cpu": sandbox_cpu,
            "bot_cpu_ms": bot_cpu / total * 1000,
            "rss_mb": max(rss) if rss else 0.0,
            "load": load_before,
            "wrong_answer_counts": float(sum(1 for a in answers if a != expected)),
            "retried": float(sum(1 for a in attempts if a > 1)),
            "processes_used": float(len(claimers)),
        }
    finally:
        if bot is not None and bot.poll() is None:
            bot.terminate()
            try:
                bot.wait(60)
            except subprocess.TimeoutExpired:
                bot.kill()
        sandbox.terminate()
        sandbox.wait(10)
        await drop()


async def bench_process(args: argparse.Namespace) -> None:
    print(
        f"end to end on PostgreSQL: {args.users} people × {args.messages} messages of /bantuan, polling mode, "
        f"sandbox without flood limits, {os.cpu_count()} CPUs shared by everything"
    )
    results = {}
    for workers in args.workers:
        figures = await _process(args, workers)
        results[workers] = figures
        print(
            f"  {workers} process(es): {figures['updates']:,.0f} updates in {figures['wall']:.2f} s = "
            f"{figures['rate']:,.0f} updates/s processed; processes that handled updates: "
            f"{figures['processes_used']:.0f}; people with a wrong number of answers: "
            f"{figures['wrong_answer_counts']:.0f}; updates retried: {figures['retried']:.0f}; "
            f"bot CPU {figures['bot_cpu_ms']:.1f} ms per update (≈{1000 / figures['bot_cpu_ms']:,.0f} updates/s per "
            f"core); largest bot process {figures['rss_mb']:.0f} MB peak RSS; sandbox CPU {figures['sandbox_cpu']:.1f} s; "
            f"load average {figures['load']:.1f}",
            flush=True,
        )
    if 1 in results and 2 in results:
        print(f"  2 processes / 1 process: {results[2]['rate'] / results[1]['rate']:.2f}×")
    figures = []
    for workers, result in results.items():
        wrong = result["wrong_answer_counts"]
        figures.append(
            Figure(
                f"end to end, {workers} process(es), /bantuan",
                round(result["rate"]),
                "updates/s",
                peer="1 process" if workers != 1 and 1 in results else None,
                peer_value=round(results[1]["rate"]) if workers != 1 and 1 in results else None,
                ratio=round(result["rate"] / results[1]["rate"], 2) if workers != 1 and 1 in results else None,
                note=f"bot CPU {result['bot_cpu_ms']:.1f} ms/update, peak RSS {result['rss_mb']:.0f} MB",
            )
        )
        figures.append(
            Figure(f"people with a wrong number of answers, {workers} process(es)", wrong, "people", "0", wrong == 0)
        )
    record(
        "webhook-process",
        figures,
        scale=f"{args.users}-people",
        database="postgresql",
        params={"users": args.users, "messages": args.messages, "workers": args.workers},
        load_before=min(r["load"] for r in results.values()) if results else None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    accept = sub.add_parser("accept", help="updates/s accepted by the webhook endpoint")
    accept.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    accept.add_argument("--updates", type=int, default=5000)
    accept.add_argument("--connections", type=int, default=64)
    accept.add_argument("--client", choices=["httpx", "raw"], default="httpx", help="load generator")
    process = sub.add_parser("process", help="updates/s processed end to end with 1 and 2 processes (PostgreSQL)")
    process.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    process.add_argument("--users", type=int, default=200)
    process.add_argument("--messages", type=int, default=10, help="messages per person after a warm-up message")
    serve = sub.add_parser("serve-webhook", help=argparse.SUPPRESS)
    serve.add_argument("--db-url", required=True)
    for command in (accept, process):
        command.add_argument(
            "--url", default=DEFAULT_PG, help="PostgreSQL server (the benchmark makes its databases on it)"
        )
    args = parser.parse_args()
    if args.command == "serve-webhook":
        asyncio.run(serve_webhook_only(args.db_url))
    elif args.command == "accept":
        asyncio.run(bench_accept(args))
    else:
        asyncio.run(bench_process(args))


if __name__ == "__main__":
    main()
