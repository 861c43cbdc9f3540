"""The demo runs only on a database it created itself (issue 17 item 5).

Through the real ``jsika`` entry point in a child process, as an operator would meet it: on a database that holds
real people ``jsika run`` without a token and ``jsika demo`` refuse in one line that says what to set, and never
open the demo port; on a fresh machine ``jsika run`` still starts the demo (the README's first command).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, func, select

from bot.demo import DemoRefused, claim_database
from models import audit, demo_mark, migrate, users
from models.db import Database
from models.tables import Audit, Household, Role

JSIKA = str(Path(sys.executable).parent / "jsika")
GUARD_SECONDS = 120  # only against a hang (a demo that starts instead of refusing); nothing here is timed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(database_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "JSIKA_TELEGRAM_BOT_TOKEN")}
    env.update(
        JSIKA_DATABASE_URL=database_url,
        JSIKA_DEMO_PORT=str(port),
        JSIKA_REMINDERS_ENABLED="false",
        JSIKA_LOG_LEVEL="WARNING",
    )
    return env


@pytest.mark.parametrize("command", [["run"], ["demo"]])
async def test_demo_refuses_a_database_that_holds_real_people(
    command: list[str], db: Database, database_url: str, tmp_path: Path
) -> None:
    async with db.session() as session:
        await users.add_user(session, name="Ibu Admin", phone="081100000001", role=Role.ADMIN, area="36")
    port = _free_port()
    done = await asyncio.to_thread(
        subprocess.run,
        [JSIKA, *command],
        env=_env(database_url, port),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=GUARD_SECONDS,
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1, done.stderr
    assert "TELEGRAM_BOT_TOKEN" in lines[0] and "JSIKA_DATABASE_URL" in lines[0] and "demo" in lines[0]
    assert "Traceback" not in done.stderr + done.stdout
    async with db.session() as session:
        assert not await demo_mark.is_demo_database(session)
        assert await session.scalar(select(func.count()).select_from(Household)) == 0


def test_demo_refuses_a_real_database_before_migrating_it(tmp_path: Path) -> None:
    """An operator who forgot the token on a production database must find it exactly as it was: not migrated
    by the process that then refuses to serve it."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'prod.db'}"

    async def older_production_database() -> None:
        prod = Database(database_url)
        try:
            await migrate.upgrade(prod, "0013")
            async with prod.session() as session:  # its audit trail is enough to say someone uses it
                await audit.record(
                    session, actor_type="user", actor_id="1", action="user.add", entity="user", entity_id="1"
                )
        finally:
            await prod.dispose()

    async def revision() -> str | None:
        prod = Database(database_url)
        try:
            return await migrate.current_revision(prod)
        finally:
            await prod.dispose()

    asyncio.run(older_production_database())
    done = subprocess.run(
        [JSIKA, "run"],
        env=_env(database_url, _free_port()),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=GUARD_SECONDS,
    )
    assert done.returncode == 2, done.stderr
    assert "TELEGRAM_BOT_TOKEN" in done.stderr
    assert asyncio.run(revision()) == "0013"


async def test_an_empty_database_is_claimed_once_and_a_used_one_refused(db: Database) -> None:
    await claim_database(db)
    await claim_database(db)  # a restart of the demo on its own database
    async with db.session() as session:
        marks = await session.scalar(select(func.count()).where(Audit.action == demo_mark.DEMO_MARK))
        assert marks == 1
        await session.execute(delete(Audit))
        await users.add_user(session, name="Siti", phone="081234567890", role=Role.PENDAMPING, area="36.02.05")
    with pytest.raises(DemoRefused):
        await claim_database(db)


def _wait_for_line(process: subprocess.Popen[str], needle: str) -> str:
    """Read the child's output until ``needle``; a watchdog kills a child that never says it (no hang)."""
    assert process.stdout is not None
    watchdog = threading.Timer(GUARD_SECONDS, process.kill)
    watchdog.start()
    seen = []
    try:
        for line in process.stdout:
            seen.append(line)
            if needle in line:
                return line
    finally:
        watchdog.cancel()
    raise AssertionError(f"no {needle!r} in the output: {''.join(seen)}")


def test_run_without_a_token_still_starts_the_demo_on_a_fresh_machine(tmp_path: Path) -> None:
    port = _free_port()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'jsika.db'}"
    process = subprocess.Popen(
        [JSIKA, "run"],
        env=_env(database_url, port),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_line(process, "JSiKa Bot demo")
        people = httpx.get(f"http://127.0.0.1:{port}/demo/people", timeout=GUARD_SECONDS).json()["people"]
        assert any(person["role"] == "admin" for person in people)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=GUARD_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
