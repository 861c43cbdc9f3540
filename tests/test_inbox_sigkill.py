"""A bot process killed with SIGKILL in the middle of an update loses nothing: another process finishes it.

The victim is a real separate process (this module run as a script) working the inbox on the test database;
it signals through a file that it is inside update 1, and is killed there. A second worker then takes update 1
over once its lease lapses, and handles the chat's next update after it, in order.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from bot.inbox import Inbox, InboxOptions, InboxWorker
from models.db import Database
from models.inbox import InboxItem
from models.tables import Inbox as InboxRow
from models.tables import InboxStatus
from tests.test_inbox import message, wait_finished

LEASE = 1.0
ROOT = Path(__file__).resolve().parents[1]


def start_victim(url: str, marker: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.test_inbox_sigkill", url, str(marker)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


async def test_sigkill_mid_update_leaves_it_to_another_process(db: Database, tmp_path: Path) -> None:
    inbox = Inbox(db)
    await inbox.accept([message(1, 4242), message(2, 4242)], "webhook")
    marker = tmp_path / "inside-update"
    victim = start_victim(db.url, marker)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert victim.poll() is None, "the victim process ended before reaching the update"
            assert time.monotonic() < deadline, "the victim never started handling update 1"
            await asyncio.sleep(0.02)
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(timeout=30) == -signal.SIGKILL
    finally:
        if victim.poll() is None:
            victim.kill()

    async with db.session() as s:
        claimed = await s.get(InboxRow, 1)
        assert claimed is not None and claimed.status is InboxStatus.PROCESSING  # the victim held it

    handled: list[int] = []

    async def survivor_handler(item: InboxItem) -> None:
        handled.append(item.update_id)

    survivor = InboxWorker(
        inbox, survivor_handler, InboxOptions(lease_seconds=LEASE, poll_seconds=0.05), name="survivor"
    )
    await survivor.start()
    finished = await wait_finished(db, 2)
    await survivor.stop()
    assert finished == {1: InboxStatus.DONE, 2: InboxStatus.DONE}
    assert handled == [1, 2]
    async with db.session() as s:
        rows = {r.update_id: (r.attempts, r.claimed_by) for r in await s.scalars(select(InboxRow))}
    assert rows == {1: (2, "survivor"), 2: (1, "survivor")}


async def _victim(url: str, marker: str) -> None:
    """Work the inbox; inside update 1, say so and hang until killed."""
    db = Database(url)
    inbox = Inbox(db)

    async def hang(item: InboxItem) -> None:
        await asyncio.to_thread(Path(marker).write_text, str(item.update_id))
        await asyncio.sleep(3600)

    worker = InboxWorker(inbox, hang, InboxOptions(lease_seconds=LEASE, poll_seconds=0.05), name="victim")
    await worker.start()
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(_victim(sys.argv[1], sys.argv[2]))
