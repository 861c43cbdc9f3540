"""Shared by the scheduler tests: outbox rows with ready texts, and what the sandbox says was delivered."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from telegram import Bot

from bot.sandbox.client import SandboxClient
from handlers.reminder_composer import compose
from models.calendar import WorkCalendar
from models.db import Database
from models.tables import Outbox, OutboxStatus
from scheduler.outbox import Composer, Deliverer, DeliveryConfig, DeliveryReport


async def queue(
    db: Database,
    messages: list[tuple[int, str]],
    not_before: datetime,
    *,
    kind: str = "test",
    user_id: int | None = None,
) -> list[int]:
    """Queue ``(chat_id, text)`` messages with ready texts; returns their outbox ids."""
    async with db.session() as session:
        rows = [
            Outbox(
                dedupe_key=f"{kind}:{chat}:{n}:-",
                kind=kind,
                user_id=user_id,
                chat_id=chat,
                payload={"text": text},
                not_before=not_before,
                status=OutboxStatus.QUEUED,
                attempts=0,
                created_at=not_before,
            )
            for n, (chat, text) in enumerate(messages)
        ]
        session.add_all(rows)
        await session.flush()
        return [r.id for r in rows]


async def outbox_rows(db: Database) -> list[Outbox]:
    async with db.session() as session:
        return list(await session.scalars(select(Outbox).order_by(Outbox.id)))


async def send_calls(client: SandboxClient) -> list[dict[str, Any]]:
    """Every sendMessage the sandbox answered, successful or refused, in order."""
    calls: list[dict[str, Any]] = []
    after = 0
    while True:
        page = await client.calls(after=after, method="sendMessage", limit=1000)
        calls += page["calls"]
        if not page["calls"]:
            return calls
        after = int(page["cursor"])


def delivered_texts(calls: list[dict[str, Any]]) -> Counter[str]:
    """How many times each text reached Telegram (successful calls only)."""
    return Counter(str(c["params"].get("text")) for c in calls if c["ok"])


async def deliver(
    db: Database,
    bot: Bot,
    clock: Callable[[], datetime],
    config: DeliveryConfig | None = None,
    composer: Composer = compose,
) -> DeliveryReport:
    """One delivery pass of a fresh worker (as after a restart), closed afterwards."""
    async with Deliverer(db, bot, WorkCalendar(), clock=clock, composer=composer, config=config) as deliverer:
        return await deliverer.deliver_due()
