"""Telegram's size limits, and the two ways texts stay inside them.

- ``quote``: what a person typed, echoed back in a reply ("Wilayah “…” tidak ditemukan"), is at most a short
  excerpt — a 4,096-character argument must not make a 4,096-character answer (issue 18, Broken 1).
- ``fit_text`` / ``fit_keyboard``: the last line of defence, applied to every Bot API call the bot makes
  (``bot/guard.py``). A text the bot built too long is cut at a safe place (never inside an HTML tag or
  entity, open tags closed) and ends in "…"; a keyboard with more buttons than Telegram takes keeps the first
  ones. Lists page long before that; the guard only means a mistake shows a shortened message instead of none.

Lengths are counted the way Telegram counts them: in UTF-16 code units of the text *after* HTML parsing.
"""

from __future__ import annotations

import re
from html import escape, unescape
from typing import Any

MAX_TEXT = 4096  # a message's text
MAX_CAPTION = 1024  # a photo's or document's caption
MAX_TOAST = 200  # the text of answerCallbackQuery
MAX_INLINE_BUTTONS = 100  # buttons in one inline keyboard
MAX_CALLBACK_DATA = 64  # bytes of one button's callback data
QUOTE = 60  # characters of a person's own text quoted back in a reply
ELLIPSIS = "…"

_TOKEN = re.compile(r"<[^<>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[^<&]+|[<&]")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9-]*)")


def units(text: str) -> int:
    """Length in UTF-16 code units (an emoji outside the BMP counts two), as Telegram measures."""
    return len(text.encode("utf-16-le")) // 2


def quote(text: str, limit: int = QUOTE) -> str:
    """A person's text as an HTML-escaped excerpt of at most ``limit`` characters, whitespace collapsed:
    "kampung sukamaju kampung …" rather than the whole paste."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + ELLIPSIS
    return escape(flat)


def visible_length(text: str, *, html: bool) -> int:
    """What Telegram counts: the text without its HTML tags, entities read as one character."""
    if not html:
        return units(text)
    return sum(units(_visible(token)) for token in _TOKEN.findall(text))


def _visible(token: str) -> str:
    if token.startswith("<") and len(token) > 1:
        return ""
    return unescape(token) if token.startswith("&") else token


def fit_text(text: str, limit: int, *, html: bool) -> str:
    """``text`` unchanged when it fits, else cut to ``limit`` visible units ending in "…" (tags closed)."""
    if visible_length(text, html=html) <= limit:
        return text
    budget = limit - units(ELLIPSIS)
    if not html:
        return _cut(text, budget) + ELLIPSIS
    kept: list[str] = []
    open_tags: list[str] = []
    for token in _TOKEN.findall(text):
        shown = _visible(token)
        if not shown and token.startswith("<"):
            _track(token, open_tags)
            kept.append(token)
            continue
        size = units(shown)
        if size <= budget:
            kept.append(token)
            budget -= size
            continue
        if not token.startswith("&"):  # an entity is one character: it fits whole or not at all
            kept.append(_cut(token, budget))
        break
    closing = "".join(f"</{name}>" for name in reversed(open_tags))
    return "".join(kept).rstrip() + ELLIPSIS + closing


def _cut(text: str, budget: int) -> str:
    out: list[str] = []
    for char in text:
        size = units(char)
        if size > budget:
            break
        out.append(char)
        budget -= size
    return "".join(out)


def _track(tag: str, open_tags: list[str]) -> None:
    match = _TAG.match(tag)
    if match is None or tag.endswith("/>"):
        return
    closing, name = match.group(1), match.group(2).lower()
    if not closing:
        open_tags.append(name)
    elif name in open_tags:
        del open_tags[len(open_tags) - 1 - open_tags[::-1].index(name)]


def fit_keyboard(rows: list[list[Any]], limit: int = MAX_INLINE_BUTTONS) -> list[list[Any]] | None:
    """The first ``limit`` buttons of an inline keyboard's rows, or None when it already fits."""
    if sum(len(row) for row in rows) <= limit:
        return None
    kept: list[list[Any]] = []
    left = limit
    for row in rows:
        if left <= 0:
            break
        kept.append(list(row[:left]))
        left -= len(kept[-1])
    return kept
