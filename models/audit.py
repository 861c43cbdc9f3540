"""The audit trail: who changed what, when, with the values before and after.

One tiny module so every writer (bot, CLI, importer, API) records the same shape. ``record`` adds one row to the
caller's session, so it commits or rolls back together with the change it describes; bulk writers (the importer)
build rows with ``entry`` and write a batch with ``record_many`` in the same transaction as the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.actor import Actor
from models.base import utcnow
from models.tables import Audit


def who(actor: Actor) -> dict[str, Any]:
    """The audit row's actor columns for a person acting in the chat."""
    return {"actor_type": "user", "actor_id": str(actor.id)}


def entry(
    *,
    actor_type: str,
    actor_id: str | None,
    action: str,
    entity: str,
    entity_id: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """One audit row as a dict, for ``record_many``. Values in before/after must be JSON-serialisable."""
    return {
        "at": at or utcnow(),
        "actor_type": actor_type,
        "actor_id": actor_id,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "before": before,
        "after": after,
        "detail": detail,
    }


async def record(
    session: AsyncSession,
    *,
    actor_type: str,
    actor_id: str | None,
    action: str,
    entity: str,
    entity_id: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> None:
    session.add(
        Audit(
            at=at or utcnow(),
            actor_type=actor_type,
            actor_id=actor_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
            detail=detail,
        )
    )


async def record_many(session: AsyncSession, entries: Sequence[dict[str, Any]]) -> None:
    """Write many ``entry`` rows with one executemany (no ORM objects)."""
    if entries:
        await session.execute(insert(cast(Table, Audit.__table__)), list(entries))
