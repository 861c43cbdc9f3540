"""The handler list type each feature module exports as ``HANDLERS``."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from handlers.context import AppContext

HandlerList = list[BaseHandler[Update, AppContext, Any]]

ID_DIGITS = 9  # below 2**31: fits every integer column, SQLite and PostgreSQL alike


def callback_int(text: str) -> int | None:
    """An id or page number from callback data, which a client may forge: ASCII digits only (``"²".isdigit()`` is
    true but ``int("²")`` fails) and short enough for the database (a 20-digit id overflows SQLite and int4)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= ID_DIGITS else None
