"""Someone the roster does not know: told whom to contact once, then left in peace for a day.

A person whose shared number is not on the roster used to be answered on every message ("Anda belum terdaftar.
Ketik /start"), and /start asked for the number again: a circle with no way out. Now the refusal names whom to
contact, and for a day after it their other messages get no answer at all. The mark is an ``access_attempt`` row
(kind ``refusal_told``, not a failure: it does not count towards the guessing throttle), so it holds in every
worker process and across restarts. It is written only *after* the refusal was sent: an update the inbox hands
out again because sending failed is answered again rather than left silent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import AccessAttempt

REFUSAL_TOLD = "refusal_told"
QUIET_FOR = timedelta(days=1)


async def refusal_told_recently(session: AsyncSession, telegram_id: int, now: datetime) -> bool:
    """Was this Telegram account told it is not on the roster within the last day?"""
    found = await session.scalar(
        select(AccessAttempt.id)
        .where(
            AccessAttempt.telegram_id == telegram_id,
            AccessAttempt.at > now - QUIET_FOR,
            AccessAttempt.kind == REFUSAL_TOLD,
        )
        .limit(1)
    )
    return found is not None


async def record_refusal_told(session: AsyncSession, telegram_id: int, now: datetime) -> None:
    session.add(AccessAttempt(telegram_id=telegram_id, kind=REFUSAL_TOLD, success=True, at=now))
