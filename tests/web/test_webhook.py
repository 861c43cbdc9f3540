"""The webhook endpoint stores each update once, and only when Telegram's secret token comes with it."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import func, select

from models.db import Database
from models.tables import Inbox, InboxStatus
from tests.web.conftest import SECRET

PATH = "/telegram/webhook"


def update(update_id: int, chat_id: int = 1001, text: str = "/start") -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "text": text,
            "chat": {"id": chat_id, "type": "private", "first_name": "Siti"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Siti"},
        },
    }


async def _rows(db: Database) -> list[tuple[int, int | None, InboxStatus]]:
    async with db.session() as s:
        return [tuple(r) for r in await s.execute(select(Inbox.update_id, Inbox.chat_id, Inbox.status))]  # type: ignore[misc]


async def test_wrong_or_missing_secret_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, db: Database
) -> None:
    missing = await client.post(PATH, json=update(1))
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized_webhook"
    wrong = await client.post(PATH, json=update(1), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"})
    assert wrong.status_code == 401
    assert await _rows(db) == []


async def test_correct_secret_stores_the_raw_update_for_the_workers(client: httpx.AsyncClient, db: Database) -> None:
    sent = update(41, chat_id=777)
    response = await client.post(PATH, json=sent, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert await _rows(db) == [(41, 777, InboxStatus.NEW)]
    async with db.session() as s:
        stored = await s.get(Inbox, 41)
        assert stored is not None and stored.payload == sent


async def test_a_duplicate_update_is_acknowledged_and_ignored(client: httpx.AsyncClient, db: Database) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    sent = update(7, text="pertama")
    first = await client.post(PATH, json=sent, headers=headers)
    again = await client.post(PATH, json=sent, headers=headers)  # Telegram resending: the same update
    assert first.status_code == again.status_code == 200
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Inbox)) == 1
    metrics = (await client.get("/metrics")).text
    assert 'jsika_updates_duplicate_total{source="webhook"}' in metrics


async def test_an_id_reused_while_its_update_still_waits_is_refused_for_telegram_to_resend(
    client: httpx.AsyncClient, db: Database
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    first = await client.post(PATH, json=update(7, text="pertama"), headers=headers)
    other = await client.post(PATH, json=update(7, text="isi lain, nomor sama"), headers=headers)
    assert first.status_code == 200
    assert other.status_code == 503 and other.headers["Retry-After"] == "5"  # not confirmed: Telegram sends it again
    assert other.json()["error"]["code"] == "unavailable"
    async with db.session() as s:
        stored = await s.get(Inbox, 7)
        assert stored is not None and stored.payload["message"]["text"] == "pertama"  # the waiting one is kept


async def test_a_body_that_is_not_an_update_gets_400_json(client: httpx.AsyncClient, db: Database) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    for body in (b"{not json", b"[1, 2]", b'{"update_id": "tujuh"}', b'{"message": {}}'):
        response = await client.post(PATH, content=body, headers=headers)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "malformed_update"
    assert await _rows(db) == []
