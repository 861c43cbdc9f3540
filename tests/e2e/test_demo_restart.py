"""A restarted demo answers at once (issue 19, item 1), and the demo is the whole product (item 4).

Before: the sandbox started its update ids at 1 on every start while the inbox still held the ids it had handled
(48 hours), so the first messages after a restart were dropped as duplicates and went unanswered. Now the inbox
tells a reused id with other content from a repeat, and the demo's sandbox continues after the inbox's ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import build_application
from bot.config import Settings
from bot.demo import demo_services
from bot.inbox import Inbox
from bot.sandbox.client import SandboxClient
from bot.sandbox.config import SandboxConfig
from bot.sandbox.runner import run_sandbox
from bot.service import running
from models.db import Database
from tests.e2e.conftest import TOKEN
from tests.e2e.harness import Chat, TrackingProcessor
from tests.e2e.processes import ROOT
from tests.test_inbox import message

TG = 7301


@contextlib.asynccontextmanager
async def bot_and_fresh_sandbox(db: Database) -> AsyncIterator[Chat]:
    """A brand-new sandbox (update ids from 1, as after a restart) and the bot on the kept database."""
    async with run_sandbox(SandboxConfig(rate_limits=False, bot_username="jsika_test_bot")) as sandbox:
        tracker = TrackingProcessor()
        application = build_application(
            Settings(database_url=db.url),
            db,
            token=TOKEN,
            base_url=sandbox.bot_api_base_url,
            base_file_url=sandbox.file_base_url,
            update_processor=tracker,
        )
        async with SandboxClient(sandbox.url) as client, running(application, timeout=1):
            user = await client.create_user(TG, "Siti", language_code="id")
            yield Chat(client, tracker, dict(user))


async def test_after_a_restart_with_fresh_update_ids_the_bot_answers_the_first_messages(db: Database) -> None:
    async with bot_and_fresh_sandbox(db) as chat:
        first = await chat.say("/bantuan")
        assert "/start" in first.text
    async with bot_and_fresh_sandbox(db) as chat:  # the ids start at 1 again; the inbox still holds 1 as handled
        again = await chat.say("/bahasa")
        assert "Pilih bahasa" in again.text, again.text
        third = await chat.say("/bantuan")
        assert "/start" in third.text


async def test_the_demo_sandbox_continues_after_the_ids_its_inbox_holds(db: Database) -> None:
    await Inbox(db).accept([message(41, 5), message(57, 6)], "polling")  # an earlier run's updates
    settings = Settings(database_url=db.url)
    async with (
        demo_services(settings, db, port=0, households=0) as demo,
        SandboxClient(demo.sandbox.url) as client,
    ):
        await client.create_user(TG, "Siti", language_code="id")
        sent = await client.say(TG, "/bantuan", from_id=TG)
    assert sent["update_id"] == 58


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_demo_serves_health_metrics_and_the_opd_api_with_the_key_it_prints(db: Database) -> None:
    demo_port, http_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "JSIKA_DATABASE_URL": db.url,
        "JSIKA_DEMO_PORT": str(demo_port),
        "JSIKA_LISTEN_PORT": str(http_port),
        "JSIKA_LOG_LEVEL": "WARNING",
        "JSIKA_REMINDERS_ENABLED": "false",
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from bot.cli import main; main()",
        "demo",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    printed = ""
    try:
        async with asyncio.timeout(180):  # seeding the demo province comes first
            while "health" not in printed:
                line = await process.stdout.readline()
                if not line:
                    pytest.fail(f"jsika demo ended: {(await process.stderr.read()).decode()[-3000:]}")
                printed += line.decode()
        key = re.search(r"jsk_\S+", printed)
        assert key is not None, printed
        assert f"http://127.0.0.1:{demo_port}" in printed and f"http://127.0.0.1:{http_port}/api/docs" in printed
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http_port}", timeout=30) as client:
            health = await client.get("/healthz")
            ready = await client.get("/readyz")
            stats = await client.get("/api/v1/stats", headers={"Authorization": f"Bearer {key.group(0)}"})
            refused = await client.get("/api/v1/stats", headers={"Authorization": "Bearer jsk_bukan_kunci"})
            docs = await client.get("/api/docs")
            exposition = await client.get("/metrics")
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 60)

    assert health.status_code == 200 and ready.status_code == 200, (health.text, ready.text)
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert body["area"] == "36" and body["households"] > 0  # the demo province, seeded on first start
    assert refused.status_code == 401
    assert docs.status_code == 200 and "JSiKa OPD API" in docs.text
    assert "jsika_updates_received" in exposition.text
    assert code == 0
