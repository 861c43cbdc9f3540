"""What a household is missing after the registry import held some of its member rows out ("data perlu
diperbaiki"), stored as JSON text in ``household.data_issues`` (migration 0016).

The import loads a household whose head row is good even when another member's row is wrong: the wrong rows go to
the error file and the household carries one entry per held-out row — the name as written, the NIK when it was
a valid one (so a data change adding that person can settle the entry), and the columns that were wrong; not the
row number, so that re-importing the same rows in another order changes nothing — so the card and the pendamping's list can say what to fix without showing the import's messages (which
quote full NIKs). An import of the KK that holds nothing out clears it; so does the koordinator accepting the
missing member as a data change (``settle``).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

NAME_LIMIT = 60  # a name as written may be anything (the row was wrong); the card shows at most this much


@dataclass(frozen=True, slots=True)
class HeldRow:
    """One member row the import held out."""

    name: str
    nik: str | None
    columns: tuple[str, ...]


def shown_name(name: str) -> str:
    """A held-out row's name as the card may show it: the row may have been held out *for* its name (emoji, a
    right-to-left override, a bell), so control and invisible formatting characters are dropped and the length
    capped; the card escapes the rest (``<b>`` stays text)."""
    if not name.isprintable():
        name = " ".join("".join(c for c in name if unicodedata.category(c)[0] != "C").split())
    return name[:NAME_LIMIT]


def encode(held: Iterable[HeldRow]) -> str | None:
    entries = [{"nama": shown_name(h.name), "nik": h.nik, "kolom": list(h.columns)} for h in held]
    return json.dumps(entries, ensure_ascii=False) if entries else None


def decode(text: str | None) -> list[HeldRow]:
    """The stored entries; anything unreadable counts as one entry without details (the flag must not vanish)."""
    if not text:
        return []
    try:
        entries = json.loads(text)
        return [
            HeldRow(
                str(e.get("nama") or ""),
                str(e["nik"]) if e.get("nik") else None,
                tuple(str(c) for c in e.get("kolom") or ()),
            )
            for e in entries
        ]
    except (ValueError, TypeError, KeyError, AttributeError):
        return [HeldRow("", None, ())]


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def settle(text: str | None, *, nik: str, name: str) -> str | None:
    """The entries left once the person (``nik``, ``name``) is in the registry: an entry goes when its NIK is that
    NIK or, for an entry without a valid NIK, when its name is that name."""
    held = decode(text)
    left = [h for h in held if not (h.nik == nik or (h.nik is None and h.name and _same_name(h.name, name)))]
    return encode(left) if len(left) != len(held) else text
