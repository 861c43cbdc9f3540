"""Which schema revision a database is at, and which the code expects, without loading Alembic.

``jsika db current``, the import's schema check and ``/readyz`` only compare two sets of revision ids; Alembic's
environment (its DDL modules for every database, Mako, the script loader) costs most of a second to import for
that. The expected set is read from the version files' ``revision``/``down_revision`` lines, the applied one from
the ``alembic_version`` table. A version file this reader does not understand (branch labels, ``depends_on``,
computed ids) makes it answer ``None``, and ``models.migrate`` asks Alembic instead, so the answer is the same.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
VERSION_TABLE = "alembic_version"
_SIMPLE_NONE = ("branch_labels", "depends_on")


def _assignments(source: str) -> dict[str, object] | None:
    """The module-level literals of one version file, or ``None`` when one of them is not a plain literal."""
    found: dict[str, object] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, value = node.target.id, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, value = node.targets[0].id, node.value
        else:
            continue
        if name in ("revision", "down_revision", *_SIMPLE_NONE):
            try:
                found[name] = ast.literal_eval(value)
            except ValueError:
                return None
    return found


@cache
def head_revisions(directory: Path = VERSIONS_DIR) -> frozenset[str] | None:
    """Every revision no other revision builds on (features branch and are merged later), or ``None`` when a
    file needs Alembic's own reading."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(directory.glob("*.py")):
        found = _assignments(path.read_text(encoding="utf-8"))
        if found is None or any(found.get(name) is not None for name in _SIMPLE_NONE):
            return None
        revision, down = found.get("revision"), found.get("down_revision")
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list) and all(isinstance(item, str) for item in down):
            parents.update(down)
        elif down is not None:
            return None
    heads = frozenset(revisions - parents)
    return heads or None


def applied_revisions(connection: Connection) -> set[str]:
    """The revisions recorded in the database; empty for a database never migrated."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return set()
    return {str(row[0]) for row in connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))}
