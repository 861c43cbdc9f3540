"""Dates and numbers the way Indonesians read them: ``Selasa, 24 November 2026`` and ``1.234.567``."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.numbers import format_decimal, format_percent

from handlers.i18n import normalize_language


def long_date(day: date, lang: str = "id") -> str:
    return _format_date(day, "EEEE, d MMMM y", locale=normalize_language(lang))


def short_date(day: date, lang: str = "id") -> str:
    return _format_date(day, "d MMM y", locale=normalize_language(lang))


def date_time(moment: datetime, lang: str, tz: str) -> str:
    """``24 Nov 2026 07:00`` in ``tz``, the configured zone (``JSIKA_TIMEZONE``): every caller says which."""
    return _format_datetime(moment, "d MMM y HH:mm", tzinfo=ZoneInfo(tz), locale=normalize_language(lang))


def number(value: int | float, lang: str = "id") -> str:
    return format_decimal(value, locale=normalize_language(lang))


def percent(fraction: float, lang: str = "id") -> str:
    return format_percent(fraction, format="#,##0.0%", locale=normalize_language(lang))
