"""Keeping the English catalogue in step with the code.

``python -m handlers.i18n.catalogue update`` extracts every ``_("…")`` / ``N_("…")`` message from bot/, handlers/ and
scheduler/ (Babel's extractor), adds new ones to ``locales/en/LC_MESSAGES/jsika.po`` and drops obsolete ones;
``check`` lists messages that still lack an English translation (the test suite runs it).

The extractor only sees calls of the keyword names, so a translator bound to another name (``t =
translator(lang)``, as the reminder texts once were) hides its messages: the catalogue stays silent and English
readers get Indonesian. ``hidden_translators`` finds such bindings, and ``check`` fails on them too.
"""

from __future__ import annotations

import ast
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


def _bound_names(target: ast.expr) -> list[ast.Name]:
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _bound_names(element)]
    return []


def _bindings(node: ast.Assign | ast.AnnAssign) -> list[tuple[ast.expr, ast.expr]]:
    """(target, value) pairs, a tuple assignment ``_, ctx = translator(lang), …`` taken apart."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    pairs: list[tuple[ast.expr, ast.expr]] = []
    for target in targets:
        if node.value is None:
            continue
        if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
            pairs.extend(zip(target.elts, node.value.elts, strict=False))
        else:
            pairs.append((target, node.value))
    return pairs


def _is_translator_call(value: ast.expr) -> bool:
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name | ast.Attribute)
        and (value.func.id if isinstance(value.func, ast.Name) else value.func.attr) == "translator"
    )


def hidden_translators() -> list[str]:
    """``path:line name`` for every ``name = translator(…)`` whose name the extractor does not read."""
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Assign | ast.AnnAssign):
                    continue
                for target, value in _bindings(node):
                    if not _is_translator_call(value):
                        continue
                    for name in _bound_names(target):
                        if name.id not in KEYWORDS:
                            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name.id}")
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
    hidden = hidden_translators()
    for place in hidden:
        print(f"penerjemah tidak terbaca (pakai _ = translator(...)): {place}")
    return 1 if gaps or hidden else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
