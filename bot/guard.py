"""The last line before the wire: no call the bot makes exceeds Telegram's limits.

Every Bot API call — a handler's reply, an edited question, a reminder from the outbox, a chart's caption —
goes through ``ExtBot._do_post``, PTB's documented place to wrap calls (its rate limiter hooks in there too).
``GuardedBot`` checks the parameters there: a text over 4,096 characters, a caption over 1,024 or a toast over
200 is cut (``handlers.render.limits.fit_text``, HTML-safe), an inline keyboard over 100 buttons keeps the first
100. Telegram would refuse such a call outright ("Message is too long") and the person would see nothing, or
an apology. Each cut is logged as a warning — a text that needs it is a bug to fix at its source (page the list,
quote less), the guard only keeps the person from being left without an answer.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.ext import ExtBot

from handlers.render.limits import MAX_CAPTION, MAX_TEXT, MAX_TOAST, fit_keyboard, fit_text

log = logging.getLogger(__name__)

_LIMITS = {"text": MAX_TEXT, "caption": MAX_CAPTION}


def fit_call(endpoint: str, data: dict[str, Any]) -> list[str]:
    """Shorten ``data`` in place to what Telegram accepts for ``endpoint``; returns what was cut (for the log)."""
    cut: list[str] = []
    html = str(data.get("parse_mode") or "").upper() == ParseMode.HTML.value.upper()
    for key, limit in _LIMITS.items():
        value = data.get(key)
        if endpoint == "answerCallbackQuery" and key == "text":
            limit = MAX_TOAST
        if isinstance(value, str):
            fitted = fit_text(value, limit, html=html)
            if fitted != value:
                data[key] = fitted
                data.pop("entities" if key == "text" else "caption_entities", None)  # offsets no longer hold
                cut.append(f"{key} {len(value)}→{len(fitted)}")
    markup = data.get("reply_markup")
    if isinstance(markup, InlineKeyboardMarkup):
        rows = fit_keyboard([list(row) for row in markup.inline_keyboard])
        if rows is not None:
            data["reply_markup"] = InlineKeyboardMarkup(rows)
            cut.append("inline keyboard")
    return cut


class GuardedBot(ExtBot[None]):
    """PTB's ``ExtBot`` whose every call is fitted to Telegram's limits first (``fit_call``)."""

    async def _do_post(self, endpoint: str, data: dict[str, Any], **kwargs: Any) -> Any:
        cut = fit_call(endpoint, data)
        if cut:
            log.warning("%s: shortened to Telegram's limits (%s)", endpoint, ", ".join(cut))
        return await super()._do_post(endpoint, data, **kwargs)
