"""SQLite's "database is locked" never reaches a person: while another connection holds the write lock (a backup,
an import, a second tool), a report answer waits on the busy timeout and is applied once the lock is gone."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest
from sqlalchemy.engine import make_url

from bot.sandbox.client import SandboxClient
from models.db import Database
from tests.e2e.conftest import PersonFactory
from tests.e2e.harness import update_id
from tests.e2e.test_report import _form, _start

LOCK_SECONDS = 3.0


async def test_an_answer_sent_while_the_file_is_locked_is_applied_after_the_lock(
    person: PersonFactory, db: Database, sandbox_client: SandboxClient, caplog: pytest.LogCaptureFixture
) -> None:
    if not db.is_sqlite:
        pytest.skip("a file lock is SQLite's; PostgreSQL locks rows")
    caplog.set_level(logging.ERROR)
    chat, _ = await _start(person, db)
    await chat.say("/lapor")
    await chat.press("Hidayat")
    message_id, today = chat.find_button("Hari ini")

    other = sqlite3.connect(str(make_url(db.url).database), isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")  # the write lock, as `sqlite3 jsika.db` or a backup tool would take it
        other.execute("UPDATE programme SET name = name")
        pressed = await sandbox_client.press(chat.id, message_id, today["callback_data"], from_id=chat.id)
        pressed_id = update_id(pressed)
        await asyncio.sleep(LOCK_SECONDS)  # the fault: how long the other program keeps the lock
        assert pressed_id not in chat.tracker.done, "the answer went through a held lock: the test proves nothing"
    finally:
        other.execute("COMMIT")
        other.close()

    await chat.tracker.wait_done(pressed_id, timeout=30)
    reply = await chat.collect()
    assert "Bertemu dengan keluarga?" in reply.text
    assert "Maaf" not in reply.text and "locked" not in reply.text
    assert (await _form(db)).answers.get("tanggal")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.records[0].getMessage()
    answer = await sandbox_client.callback(pressed["callback_query_id"])
    assert answer["answered"]  # the button stopped spinning
