"""Programmes (JAMSOSRATU, JSCM …); their commitment rules are data loaded from TOML files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Programme(Base):
    __tablename__ = "programme"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    area_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rules_hash: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
