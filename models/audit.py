"""The audit trail: who changed what, when, with the values before and after.

One tiny function so every writer (bot, CLI, importer, API) records the same shape; it adds to the caller's
session, so the audit row commits or rolls back together with the change it describes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.base import utcnow
from models.tables import Audit


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
            at=at or utcnow(), actor_type=actor_type, actor_id=actor_id, action=action, entity=entity,
            entity_id=entity_id, before=before, after=after, detail=detail,
        )
    )
