"""Keeping the English catalogue in step with the code.

``python -m handlers.i18n.catalogue update`` extracts every ``_("…")`` / ``N_("…")`` message from bot/, handlers/ and
scheduler/ (Babel's extractor), adds new ones to ``locales/en/LC_MESSAGES/jsika.po`` and drops obsolete ones;
``check`` lists messages that still lack an English translation (the test suite runs it).
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "scheduler")
KEYWORDS = {"_": None, "N_": None, "tr": None}
METHOD_MAP = [("**.py", "python")]


def catalogue_path(lang: str = "en") -> Path:
    return Path(str(resources.files("handlers.i18n").joinpath("locales", lang, "LC_MESSAGES", "jsika.po")))


def extract() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / package, METHOD_MAP, keywords=KEYWORDS
        ):
            if isinstance(message, str) and message:
                found.add(message)
    return found


def load(lang: str = "en") -> Catalog:
    path = catalogue_path(lang)
    if not path.exists():
        return Catalog(locale=lang, domain="jsika")
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def missing(lang: str = "en") -> list[str]:
    catalog = load(lang)
    translated = {str(m.id) for m in catalog if m.id and m.string}
    return sorted(extract() - translated)


def update(lang: str = "en") -> tuple[int, int]:
    catalog = load(lang)
    wanted = extract()
    present = {str(m.id) for m in catalog if m.id}
    added = 0
    for message in sorted(wanted - present):
        catalog.add(message, "")
        added += 1
    removed = 0
    for message in sorted(present - wanted):
        catalog.delete(message)
        removed += 1
    path = catalogue_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=120, omit_header=False, sort_output=True, no_location=True)
    return added, removed


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        added, removed = update()
        print(f"{added} pesan baru, {removed} dihapus")
        return 0
    gaps = missing()
    for message in gaps:
        print(f"belum diterjemahkan: {message!r}")
    return 1 if gaps else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
