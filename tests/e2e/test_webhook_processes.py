"""``jsika run --workers 2`` on one PostgreSQL database, fed by the sandbox's webhook: every update handled once.

Real processes (the supervisor and its two workers), the real HTTP webhook, the real PTB application; the test
only plays the people and then reads the sandbox's chats and the inbox table. PostgreSQL only, by design: with
SQLite one process owns the file (``jsika run --workers 2`` refuses SQLite).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.sandbox.client import SandboxClient
from bot.sandbox.runner import SandboxHandle
from models.db import Database
from models.tables import Inbox, InboxStatus
from tests.e2e.conftest import TOKEN
from tests.e2e.test_webhook import free_port
from tests.test_inbox import wait_finished

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 48  # enough that one process cannot finish them all between the other's polls
SAID = ("/start", "/bantuan", "halo")


@pytest.fixture
def supervisor(sandbox: SandboxHandle, db: Database) -> Iterator[subprocess.Popen[bytes]]:
    if db.is_sqlite:
        pytest.skip("several bot processes share PostgreSQL only; SQLite is one process by design")
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "JSIKA_DATABASE_URL": db.url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "JSIKA_TELEGRAM_BASE_URL": sandbox.bot_api_base_url,
        "JSIKA_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
        "JSIKA_LISTEN_PORT": str(port),
        "JSIKA_INBOX_CONCURRENCY": "1",  # one at a time each, so the work spreads over both processes
        "JSIKA_INBOX_POLL_SECONDS": "0.05",
        "JSIKA_SHUTDOWN_GRACE_SECONDS": "5",
        "JSIKA_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", "from bot.cli import main; main()", "run", "--workers", "2"], cwd=ROOT, env=env
    )
    yield process
    if process.poll() is None:  # SIGTERM: the supervisor stops its workers (SIGKILL would orphan them, and they
        process.terminate()  # would go on claiming updates in the next tests' database)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_two_processes_handle_every_update_exactly_once_and_in_order_per_chat(
    supervisor: subprocess.Popen[bytes], sandbox_client: SandboxClient, db: Database
) -> None:
    deadline = time.monotonic() + 90
    while not (await sandbox_client.webhook())["url"]:
        assert supervisor.poll() is None, "jsika run --workers 2 ended during start-up"
        assert time.monotonic() < deadline, "the webhook was never set"
        await asyncio.sleep(0.1)

    chats = [7100 + n for n in range(PEOPLE)]
    for chat in chats:
        await sandbox_client.create_user(chat, f"Orang {chat}")
    for text in SAID:
        results = await sandbox_client.say_many([(chat, text) for chat in chats])
        assert all("update_id" in r for r in results), results

    await wait_finished(db, PEOPLE * len(SAID), seconds=120)
    async with db.session() as s:
        rows = (await s.execute(select(Inbox).order_by(Inbox.update_id))).scalars().all()
    assert {r.status for r in rows} == {InboxStatus.DONE}
    assert {r.attempts for r in rows} == {1}  # nobody handled an update a second time
    pids = {str(r.claimed_by).split(":")[1] for r in rows}
    assert len(pids) == 2, f"one process did all the work: {pids}"
    per_chat: dict[int | None, list[datetime]] = defaultdict(list)
    for r in rows:  # in update_id order, so each chat's finish times must come out sorted
        assert r.processed_at is not None
        per_chat[r.chat_id].append(r.processed_at)
    for chat_id, finished in per_chat.items():
        assert finished == sorted(finished), f"chat {chat_id} handled out of order"

    for chat in chats:
        said = (await sandbox_client.messages(chat))["messages"]
        answers = [m for m in said if m["from_bot"]]
        assert len(answers) == len(SAID), (chat, [m["text"] for m in answers])  # one answer each, no doubles
        assert "nomor telepon" in str(answers[0]["text"])

    supervisor.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(supervisor.wait, 60) == 0
