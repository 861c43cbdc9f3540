"""``jsika run --workers N``: one supervisor, N bot processes sharing one PostgreSQL database.

Every process works the inbox; worker 0 also serves HTTP (webhook, health, metrics, OPD API) and, in polling
mode, all take part in the poller election (one polls, another takes over when it dies). The supervisor
migrates once, starts the workers, restarts one that dies, and on SIGTERM/SIGINT passes SIGTERM on and waits
for each to finish the update in hand. ``python -m bot.workers`` is one worker (what the supervisor starts).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from types import FrameType

from bot.config import Settings

log = logging.getLogger(__name__)

RESTART_BACKOFF_MAX = 30.0
HEALTHY_AFTER_SECONDS = 60.0


class WorkersRefused(ValueError):
    """``--workers`` cannot be honoured with this configuration; the message says why."""


@dataclass
class _Child:
    index: int
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    backoff: float = 1.0
    restart_at: float = 0.0
    exits: list[int] = field(default_factory=list)


def check(settings: Settings, workers: int) -> None:
    if workers > 1 and settings.is_sqlite:
        raise WorkersRefused(
            "--workers lebih dari 1 butuh PostgreSQL (JSIKA_DATABASE_URL=postgresql+asyncpg://…); "
            "berkas SQLite hanya untuk satu proses."
        )
    if workers > 1 and settings.telegram_bot_token is None:
        raise WorkersRefused("--workers lebih dari 1 hanya untuk bot sungguhan (atur TELEGRAM_BOT_TOKEN).")


def _migrate(settings: Settings) -> None:
    from models import migrate
    from models.db import Database

    async def work() -> None:
        db = Database(settings.database_url)
        try:
            await migrate.upgrade(db)
        finally:
            await db.dispose()

    asyncio.run(work())


class Supervisor:
    def __init__(self, settings: Settings, workers: int) -> None:
        self.settings = settings
        self.children = [_Child(i) for i in range(workers)]
        self.stopping = False
        self.metrics_dir = tempfile.mkdtemp(prefix="jsika-metrics-")

    def _env(self, index: int) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            JSIKA_WORKERS="1",
            JSIKA_WORKER_INDEX=str(index),
            JSIKA_MIGRATE_ON_START="false",
            JSIKA_SERVE_HTTP="true" if index == 0 and self.settings.serve_http else "false",
            PROMETHEUS_MULTIPROC_DIR=self.metrics_dir,
        )
        return env

    def _start(self, child: _Child) -> None:
        child.process = subprocess.Popen([sys.executable, "-m", "bot.workers"], env=self._env(child.index))
        child.started = time.monotonic()
        log.info("worker %d started (pid %d)", child.index, child.process.pid)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if not self.stopping:
            log.info("signal %d: stopping %d worker(s)", signum, len(self.children))
        self.stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        try:
            if self.settings.migrate_on_start:
                _migrate(self.settings)
            for child in self.children:
                self._start(child)
            while not self.stopping:
                self._watch()
                time.sleep(0.2)
            return self._stop_all()
        finally:
            shutil.rmtree(self.metrics_dir, ignore_errors=True)

    def _watch(self) -> None:
        from prometheus_client import multiprocess

        now = time.monotonic()
        for child in self.children:
            process = child.process
            if process is None:
                if now >= child.restart_at:
                    self._start(child)
                continue
            code = process.poll()
            if code is None:
                continue
            multiprocess.mark_process_dead(process.pid, self.metrics_dir)
            child.exits.append(code)
            child.process = None
            if now - child.started > HEALTHY_AFTER_SECONDS:
                child.backoff = 1.0
            child.restart_at = now + child.backoff
            log.error(
                "worker %d (pid %d) exited with %d; restarting in %.0f s", child.index, process.pid, code, child.backoff
            )
            child.backoff = min(child.backoff * 2, RESTART_BACKOFF_MAX)

    def _stop_all(self) -> int:
        running = [c.process for c in self.children if c.process is not None and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.settings.shutdown_grace_seconds + 10
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("worker pid %d did not stop in time; killing it", process.pid)
                process.kill()
                process.wait()
        return 0


def supervise(settings: Settings, workers: int) -> int:
    check(settings, workers)
    return Supervisor(settings, workers).run()


def _child_main() -> None:
    from bot import aio
    from bot.config import configure_logging, get_settings
    from bot.service import serve

    settings = get_settings()
    configure_logging(settings)
    aio.run(serve(settings))


if __name__ == "__main__":
    _child_main()
