"""Gettext translation with Indonesian as the source language and English as the second catalogue.

Message ids are the Indonesian texts themselves, so Indonesian needs no catalogue and a missing English
translation falls back to Indonesian rather than to an opaque key. Catalogues are ``.po`` files read with
Babel at first use — there is no compile step to forget on a fresh install.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources

from babel.messages.pofile import read_po

DEFAULT_LANGUAGE = "id"
LANGUAGES = ("id", "en")
DOMAIN = "jsika"


@cache
def _catalogue(lang: str) -> dict[str, str]:
    if lang == DEFAULT_LANGUAGE:
        return {}
    entry = resources.files("handlers.i18n").joinpath("locales", lang, "LC_MESSAGES", f"{DOMAIN}.po")
    if not entry.is_file():
        return {}
    with entry.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and isinstance(message.string, str) and message.string and not message.fuzzy
    }


def gettext(message: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return _catalogue(normalize_language(lang)).get(message, message)


def translator(lang: str) -> Callable[[str], str]:
    """``_ = translator(user.language)``, then ``_("Tanggal kunjungan?")``."""
    catalogue = _catalogue(normalize_language(lang))
    return lambda message: catalogue.get(message, message)


def normalize_language(lang: str | None) -> str:
    """Telegram's ``language_code`` (``en-US``) or a stored preference → one of ``LANGUAGES``."""
    if not lang:
        return DEFAULT_LANGUAGE
    short = lang.split("-")[0].lower()
    return short if short in LANGUAGES else DEFAULT_LANGUAGE


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (module-level constants)."""
    return message
