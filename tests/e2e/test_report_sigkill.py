"""SIGKILL of a real ``jsika run`` process in the middle of a visit report: nothing answered is lost, nothing is
saved twice.

The bot is a separate process polling the in-process sandbox over HTTP, on the test database. It is killed
(SIGKILL: no clean-up) at the three moments that matter — after an answer was confirmed, the instant an answer
reached the database (possibly before its reply went out), and right after the submit press — and a new process is
started each time. The person then carries on; the draft and the visit table say what survived.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.sandbox.client import SandboxClient
from bot.sandbox.runner import SandboxHandle
from models.calendar import JAKARTA
from models.db import Database
from models.tables import FormSession, Role, Visit
from tests.e2e.processes import BotProcess, Person, wait_for
from tests.factories import make_household, make_user

TG = 7301


@pytest.fixture
async def bot_process(sandbox: SandboxHandle, db: Database) -> AsyncIterator[BotProcess]:
    process = BotProcess(sandbox, db.url)
    process.start()
    try:
        yield process
    finally:
        process.stop()


async def _draft(db: Database) -> FormSession | None:
    async with db.session() as s:
        return await s.scalar(select(FormSession).where(FormSession.status == "draft"))


async def _visits(db: Database) -> list[Visit]:
    async with db.session() as s:
        return list(await s.scalars(select(Visit)))


@pytest.mark.slow  # four process starts: ≈ 30 s
async def test_sigkill_between_answers_and_after_submit_loses_nothing_and_saves_one_visit(
    bot_process: BotProcess, sandbox_client: SandboxClient, db: Database
) -> None:
    async with db.session() as s:
        siti = await make_user(s, Role.PENDAMPING, "36.01.01", telegram_id=TG, name="Siti Pendamping")
        await make_household(s, siti, members=[{"name": "Hidayat", "age": 41}, {"name": "Aminah", "age": 39}])
    await sandbox_client.create_user(TG, "Siti", language_code="id")
    siti_chat = Person(sandbox_client, TG, bot_process)

    await siti_chat.say("/lapor")
    await siti_chat.until("Lapor kunjungan")
    await siti_chat.press("Hidayat")
    await siti_chat.until("Tanggal kunjungan?")
    await siti_chat.press("Hari ini")
    await siti_chat.until("Bertemu dengan keluarga?")

    # 1. Killed between answers (the last one confirmed on screen); a new process takes the next press.
    bot_process.restart()
    await siti_chat.press("Tidak")
    await siti_chat.until("Mengapa tidak bertemu")
    draft = await _draft(db)
    assert draft is not None
    assert draft.answers["tanggal"] == datetime.now(UTC).astimezone(JAKARTA).date().isoformat()
    assert draft.answers["bertemu"] == "tidak"

    # 2. Killed the instant the answer is in the database — its reply may not have gone out yet.
    version = draft.version
    await siti_chat.press("Tidak ada di rumah")

    async def answered() -> FormSession | None:
        found = await _draft(db)
        return found if found is not None and found.version > version else None

    await wait_for(answered, what="the reason to be saved")
    bot_process.restart()
    await siti_chat.say("/lapor")  # where am I? — the draft is offered, with its household
    await siti_chat.until("masih punya draf")
    await siti_chat.press("Lanjutkan draf")
    await siti_chat.until("Catatan tambahan", button="Lewati")  # the step after the reason: it was not lost
    draft = await _draft(db)
    assert draft is not None and draft.answers["alasan"] and draft.answers["bertemu"] == "tidak"
    await siti_chat.press("Lewati")
    await siti_chat.until("Ringkasan laporan")

    # 3. Killed right after the submit press, before anything is known about it.
    submit_message, submit = await siti_chat.button("Kirim laporan")
    await siti_chat.press("Kirim laporan")
    bot_process.restart()
    await siti_chat.until("terkirim")
    assert len(await _visits(db)) == 1

    # …and a replay of the same press changes nothing.
    await sandbox_client.press(TG, submit_message, submit, from_id=TG, force=True)  # a double tap, replayed
    await siti_chat.say("/bantuan")
    await siti_chat.until("/lapor")  # the new process has caught up with everything before it
    [visit] = await _visits(db)
    assert visit.met is False and visit.period == draft.answers["tanggal"][:7]
    async with db.session() as s:
        drafts = await s.scalar(select(func.count()).select_from(FormSession).where(FormSession.status == "draft"))
    assert drafts == 0
    texts = [str(m.get("text") or "") for m in (await sandbox_client.messages(TG))["messages"] if m["from_bot"]]
    assert not any("Maaf, terjadi gangguan" in t or "Traceback" in t for t in texts)
