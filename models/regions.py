"""Region codes (Kemendagri): normalising, levels and parents.

People type codes with or without dots (``3601012001`` or ``36.01.01.2001``); the database keeps the dotted form.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

_DIGITS = re.compile(r"^\d+$")
# Lengths of undotted codes per level: provinsi 2, kabupaten 4, kecamatan 6, desa 10.
_SPLITS = {2: (2,), 4: (2, 2), 6: (2, 2, 2), 10: (2, 2, 2, 4)}


class RegionCodeError(ValueError):
    pass


def normalize_region_code(raw: str) -> str:
    """``3601012001`` → ``36.01.01.2001``; dotted input is checked and returned as is."""
    text = str(raw).strip().replace(" ", "")
    undotted = text.replace(".", "")
    if not _DIGITS.match(undotted) or len(undotted) not in _SPLITS:
        raise RegionCodeError(f"kode wilayah {raw!r} tidak valid (contoh: 36.01.01.2001 atau 3601012001)")
    parts, pos = [], 0
    for width in _SPLITS[len(undotted)]:
        parts.append(undotted[pos : pos + width])
        pos += width
    dotted = ".".join(parts)
    if "." in text and text != dotted:
        raise RegionCodeError(f"kode wilayah {raw!r} tidak valid (contoh: 36.01.01.2001)")
    return dotted


def level_of(code: str) -> int:
    return code.count(".") + 1


def parent_of(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


def is_within(code: str, area: str) -> bool:
    """True when ``code`` is ``area`` itself or lies inside it."""
    return code == area or code.startswith(area + ".")


@dataclass(frozen=True, slots=True)
class RegionRow:
    code: str
    name: str
    level: int
    parent_code: str | None


def shipped_regions() -> Iterator[RegionRow]:
    """Banten's region list shipped with the package (Kepmendagri 2025; see LICENSE-wilayah)."""
    text = resources.files("models.data").joinpath("wilayah_banten.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        code = normalize_region_code(row["kode"])
        yield RegionRow(code, row["nama"].strip(), level_of(code), parent_of(code))
