"""A database error while an update is stored or handled puts neither the update nor the statement's parameters
(phone numbers, NIKs) into the log or into the inbox's stored error text.

SQLAlchemy's error message lists the statement's parameters unless the engine hides them; an update that could
not be stored is exactly the raw update, contact phone number included.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import select, text

from bot.inbox import Inbox, InboxWorker
from bot.logging import setup
from models.db import Database
from models.inbox import InboxItem
from models.tables import Inbox as InboxRow
from models.tables import InboxStatus
from tests.test_inbox import FAST, wait_finished
from tests.web.conftest import SECRET

PHONE = "6281298765432"
NIK = "3601014107900007"


def contact_update(update_id: int) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": 8101, "type": "private", "first_name": "Siti"},
            "from": {"id": 8101, "is_bot": False, "first_name": "Siti"},
            "contact": {"phone_number": PHONE, "first_name": "Siti", "user_id": 8101},
        },
    }


@pytest.fixture
def info_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """The project's logging at INFO (the production default) for one test, then the root logger as it was."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    setup("INFO")
    capsys.readouterr()
    try:
        yield capsys
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.fixture
async def inbox_away(db: Database) -> AsyncIterator[None]:
    """The inbox table gone for a moment (a broken migration, a restored old backup): every store fails."""
    async with db.session() as s:
        await s.execute(text("ALTER TABLE inbox RENAME TO inbox_away"))
    try:
        yield
    finally:
        async with db.session() as s:
            await s.execute(text("ALTER TABLE inbox_away RENAME TO inbox"))


async def test_a_failed_store_logs_no_phone_number_or_parameters(
    client: httpx.AsyncClient, info_logs: pytest.CaptureFixture[str], inbox_away: None
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    response = await client.post("/telegram/webhook", json=contact_update(1), headers=headers)
    assert response.status_code >= 500
    assert PHONE not in response.text
    logged = info_logs.readouterr().err
    assert "inbox" in logged  # the error was logged, statement and all
    assert PHONE[2:] not in logged
    assert "[parameters:" not in logged and "phone_number" not in logged


async def test_a_database_error_in_a_handler_stores_no_parameters_in_the_inbox(
    db: Database, info_logs: pytest.CaptureFixture[str]
) -> None:
    async def handler(item: InboxItem) -> None:
        async with db.session() as s:  # a statement that fails, with personal data in its parameters
            await s.execute(
                text("INSERT INTO no_such_table (phone, nik) VALUES (:phone, :nik)"), {"phone": PHONE, "nik": NIK}
            )

    inbox = Inbox(db)
    worker = InboxWorker(inbox, handler, FAST)
    await worker.start()
    try:
        await inbox.accept([contact_update(2)], "test")
        assert (await wait_finished(db, 1)) == {2: InboxStatus.FAILED}
    finally:
        await worker.stop()
    async with db.session() as s:
        error = (await s.scalars(select(InboxRow.error).where(InboxRow.update_id == 2))).one()
    assert error is not None and "no_such_table" in error  # the error is still told
    for shown in (error, info_logs.readouterr().err):
        assert PHONE[2:] not in shown and NIK[4:] not in shown
        assert "[parameters:" not in shown
