"""Kemendagri regions: provinsi → kabupaten/kota → kecamatan → desa/kelurahan."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class RegionLevel(enum.IntEnum):
    PROVINSI = 1
    KABUPATEN = 2
    KECAMATAN = 3
    DESA = 4


class Region(Base):
    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)  # dotted: 36.01.01.2001
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[int] = mapped_column(index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
