"""Searching by part of a name: the one place a LIKE pattern is built from what someone typed.

``%`` and ``_`` are LIKE's wildcards; typed into /kpm, /pendamping or an area name they must be the characters
themselves (``/kpm %%%`` listing every household in scope would be a search that asks for nothing). The typed
text is escaped and the pattern says which escape character it uses, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

ESCAPE = "\\"


def escape_like(text: str) -> str:
    """``50%_x`` → ``50\\%\\_x``: every LIKE wildcard (and the escape character itself) taken literally."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def contains_text(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, ignoring case, with ``%`` and ``_`` in ``text`` as plain characters."""
    return column.ilike(f"%{escape_like(text)}%", escape=ESCAPE)


def starts_with_text(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` starts with ``text``, ignoring case (wildcards in ``text`` literal)."""
    return column.ilike(f"{escape_like(text)}%", escape=ESCAPE)


def word_starts_with_text(column: Any, text: str) -> ColumnElement[bool]:
    """A later word of ``column`` starts with ``text`` ("Aminah" in "Siti Aminah"), ignoring case."""
    return column.ilike(f"% {escape_like(text)}%", escape=ESCAPE)
