"""The acting person, as every scoped query receives it.

A plain frozen snapshot of the user row: handlers pass it down, queries turn it into a WHERE clause
(``models/scope.py``), and nothing below the handler needs a live ORM object or a Telegram type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from models.tables import Role, User


@dataclass(frozen=True, slots=True)
class Actor:
    id: int
    name: str
    role: Role
    area_code: str
    language: str = "id"
    telegram_id: int | None = None
    active: bool = True

    @classmethod
    def of(cls, user: User | Row[*tuple[Any, ...]]) -> Actor:
        """From the ORM row, or a Core row with the ``app_user`` columns under their own names."""
        return cls(
            id=user.id,
            name=user.name,
            role=Role(user.role),
            area_code=user.area_code,
            language=user.language or "id",
            telegram_id=user.telegram_id,
            active=user.active,
        )

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_supervisor(self) -> bool:
        return self.role in (Role.KOORDINATOR, Role.ADMIN)
