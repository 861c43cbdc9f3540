"""A real ``jsika run`` process against the in-process sandbox, and a person talking to it over HTTP — for the
fault tests, which kill that process with SIGKILL and start another one on the same database.

No tracker can look inside another process, so the person waits on the sandbox's own event cursor for the text
they expect (``BotProcess.person.until``), never on sleeps.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bot.sandbox.client import SandboxClient
from bot.sandbox.runner import SandboxHandle
from tests.e2e.conftest import TOKEN
from tests.e2e.harness import update_id

ROOT = Path(__file__).resolve().parents[2]


def bot_env(sandbox: SandboxHandle, database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "JSIKA_DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "JSIKA_TELEGRAM_BASE_URL": sandbox.bot_api_base_url,
        "JSIKA_SERVE_HTTP": "false",  # polling; no port to collide with anyone's
        "JSIKA_REMINDERS_ENABLED": "false",
        "JSIKA_MIGRATE_ON_START": "false",  # the test database is migrated already
        "JSIKA_INBOX_LEASE_SECONDS": "1",  # a killed process's update is retaken after a second
        "JSIKA_INBOX_POLL_SECONDS": "0.05",
        "JSIKA_SHUTDOWN_GRACE_SECONDS": "2",
        "JSIKA_LOG_LEVEL": "WARNING",
        **extra,
    }


class BotProcess:
    """``jsika run`` as a child process; ``kill()`` is SIGKILL (no clean-up, as in a power cut or the OOM killer)."""

    def __init__(self, sandbox: SandboxHandle, database_url: str, **extra: str) -> None:
        self.env = bot_env(sandbox, database_url, **extra)
        self.process: subprocess.Popen[bytes] | None = None
        self.stderr = Path(os.environ.get("TMPDIR", "/tmp")) / f"jsika-fault-{os.getpid()}-{id(self)}.log"

    def start(self) -> None:
        with self.stderr.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from bot.cli import main; main()", "run"],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        assert self.process.wait(timeout=30) == -signal.SIGKILL

    def restart(self) -> None:
        self.kill()
        self.start()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.stderr.read_text(errors="replace") if self.stderr.exists() else ""

    def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.kill()
            self.process.wait(timeout=30)
        if os.environ.get("JSIKA_KEEP_FAULT_LOGS") != "1":
            self.stderr.unlink(missing_ok=True)


def _has_button(message: dict[str, Any], label: str) -> bool:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return any(label.lower() in str(b.get("text", "")).lower() for row in rows for b in row)


class Person:
    """A simulated user of a bot in another process: act, then wait for the words expected back."""

    def __init__(self, client: SandboxClient, user_id: int, bot: BotProcess | None = None) -> None:
        self.client, self.id, self.bot = client, user_id, bot
        self.cursor = 0
        self.seen: list[dict[str, Any]] = []

    async def until(self, needle: str, timeout: float = 60.0, button: str | None = None) -> dict[str, Any]:  # noqa: ASYNC109
        """The first bot message (sent or edited) after the cursor whose text contains ``needle`` — and, with
        ``button``, that carries a button of that label: taking the buttons off a stale copy of a question is an
        edit of a message with the same words, and may arrive before the question itself."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"the bot never said {needle!r}; it said {[m.get('text') for m in self.seen[-5:]]}"
            if self.bot is not None:
                assert self.bot.alive(), f"the bot process died:\n{self.bot.log()[-3000:]}"
            found = await self.client.wait(self.id, after=self.cursor, timeout=min(left, 2.0))
            self.cursor = max(self.cursor, int(found["cursor"]))
            for event in found["events"]:
                message = dict(event["message"])
                self.seen.append(message)
                if needle in str(message.get("text") or "") and (button is None or _has_button(message, button)):
                    return message

    async def say(self, text: str) -> int:
        sent = await self.client.say(self.id, text, from_id=self.id)
        return update_id(sent)

    async def button(self, label: str) -> tuple[int, str]:
        """(message id, callback data) of the newest bot message's button whose text contains ``label``."""
        messages = (await self.client.messages(self.id))["messages"]
        for message in reversed(messages):
            if not message["from_bot"] or message.get("deleted"):
                continue
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            for row in rows:
                for button in row:
                    if label.lower() in str(button.get("text", "")).lower() and "callback_data" in button:
                        return int(message["message_id"]), str(button["callback_data"])
        raise AssertionError(f"no button {label!r} in the chat")

    async def press(self, label: str) -> int:
        message_id, data = await self.button(label)
        sent = await self.client.press(self.id, message_id, data, from_id=self.id)
        return update_id(sent)


async def wait_for(condition: Any, timeout: float = 60.0, what: str = "condition") -> Any:  # noqa: ASYNC109
    """Poll an async ``condition()`` until it returns something truthy (database state another process writes)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)
