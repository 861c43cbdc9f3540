"""Button data: one small typed class per button shape, packed and checked here and nowhere else.

Telegram hands a button's ``callback_data`` back verbatim, but any client can send any string of up to 64 bytes
instead, so the data a handler gets is untrusted. The renderers build buttons with ``SomeButton(...).pack()`` and
the handlers read them with ``SomeButton.unpack(data)``, which answers ``None`` for anything this code did not
produce: a wrong prefix, the wrong number of parts, an id that is not a short run of ASCII digits, a word outside
the allowed set, a period that does not exist. The handler then refuses politely, as before. The wire format is
the one the hand-written strings used (``sv:tj:ok:<visit>``), so buttons already in people's chats keep working.

A class is a frozen dataclass whose fields are ``int``, ``str``, ``Period`` or a ``Literal`` of words; fields
with a default may be missing at the end of the data (``riwayat`` and ``riwayat:<id>``) and are left out when
packed. Several classes may share a prefix when one button family has several shapes; each refuses the others.
The visit form's buttons (``f:…``) have their own format, versioned per question, in ``handlers/forms/engine.py``.

This module is the one place data is packed and checked (``CallbackData``), with the shapes of everyone's buttons
(registration, households, reports, the schedule, reminders, relinking). The supervisors' shapes (``sv:…``) are
in ``handlers/callbacks_supervisor.py``: classes only, packed and checked by the code here.
"""

from __future__ import annotations

import dataclasses
import re
import types
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self, Union, get_args, get_origin, get_type_hints

from handlers.types import callback_int
from models.period import Period

MAX_BYTES = 64  # Telegram's limit on callback_data
TELEGRAM_ID_DIGITS = 16  # Telegram user ids fit in 52 bits
SEPARATOR = ":"


class CallbackData:
    """Base of every button class; subclasses are frozen dataclasses with a ``prefix``."""

    prefix: ClassVar[str]

    def pack(self) -> str:
        """The callback data; raises ``ValueError`` for a value that could not come back intact."""
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        values = [getattr(self, f.name) for f in fields]
        while values and fields[len(values) - 1].default is not dataclasses.MISSING:
            if values[-1] != fields[len(values) - 1].default:
                break
            values.pop()  # a trailing default is left out: ``riwayat``, not ``riwayat:None``
        parts = [self.prefix]
        for value in values:
            text = str(value)
            if SEPARATOR in text or not text:
                raise ValueError(f"{type(self).__name__}: empty or {SEPARATOR!r} inside a value: {text!r}")
            parts.append(text)
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def matches(cls, data: str | None) -> bool:
        """Whether ``data`` starts with this class's prefix (the shape may still be wrong)."""
        return data is not None and (data == cls.prefix or data.startswith(cls.prefix + SEPARATOR))

    @classmethod
    def pattern(cls) -> str:
        """The regular expression a ``CallbackQueryHandler`` routes this prefix with."""
        return rf"^{re.escape(cls.prefix)}(?:{SEPARATOR}|$)"

    @classmethod
    def unpack(cls, data: str | None) -> Self | None:
        """The button ``data`` stands for, or ``None`` when this code could not have produced it."""
        if data is None or not cls.matches(data):
            return None
        rest = data[len(cls.prefix) + 1 :]
        texts = rest.split(SEPARATOR) if data != cls.prefix else []
        fields = _fields(cls)
        required = sum(1 for _, _, has_default in fields if not has_default)
        if not required <= len(texts) <= len(fields):
            return None
        values: dict[str, Any] = {}
        for (name, kind, _), text in zip(fields, texts, strict=False):
            value = _decode(kind, text)
            if value is _REFUSED:
                return None
            values[name] = value
        return cls(**values)


_REFUSED = object()


_FIELDS: dict[type[CallbackData], tuple[tuple[str, Any, bool], ...]] = {}


def _fields(cls: type[CallbackData]) -> tuple[tuple[str, Any, bool], ...]:
    """(name, type, has a default) per field, resolved once per class (the annotations are strings)."""
    if cls not in _FIELDS:
        hints = get_type_hints(cls)
        _FIELDS[cls] = tuple(
            (f.name, hints[f.name], f.default is not dataclasses.MISSING)
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        )
    return _FIELDS[cls]


def _decode(kind: Any, text: str) -> object:
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):  # ``int | None``: a trailing optional, present here
        kind = next(arg for arg in get_args(kind) if arg is not type(None))
        origin = get_origin(kind)
    if origin is Literal:
        return text if text in get_args(kind) else _REFUSED
    if kind is int:
        number = callback_int(text)
        return _REFUSED if number is None else number
    if kind is Period:
        try:
            return Period.parse(text)
        except ValueError:
            return _REFUSED
    if kind is str:
        return text
    raise TypeError(f"unsupported callback field type: {kind!r}")


# -- registration, language, households, history, the report, the schedule ------------------------------------


@dataclass(frozen=True)
class LanguageButton(CallbackData):
    """``lang:<code>``: the language picker; the handler checks the code against the catalogues."""

    prefix = "lang"
    lang: str


@dataclass(frozen=True)
class HouseholdButton(CallbackData):
    """``hh:<household>``: a household card; the scoped query decides whether the id is the presser's."""

    prefix = "hh"
    household_id: int


@dataclass(frozen=True)
class HistoryButton(CallbackData):
    """``riwayat`` (the presser's recent reports) or ``riwayat:<household>`` (one household's)."""

    prefix = "riwayat"
    household_id: int | None = None


@dataclass(frozen=True)
class VisitButton(CallbackData):
    """``rv:<visit>`` opens a report read-only; ``rv:<visit>:fix`` reopens a sent-back one for correction."""

    prefix = "rv"
    visit_id: str
    action: Literal["", "fix"] = ""


@dataclass(frozen=True)
class ReportButton(CallbackData):
    """``lapor`` (the household picker) or ``lapor:<household>`` (start a report for it)."""

    prefix = "lapor"
    household_id: int | None = None


@dataclass(frozen=True)
class ScheduleButton(CallbackData):
    """``jadwal`` (from reminders and confirmations) or ``jadwal:p<page>`` (paging, edits the list in place)."""

    prefix = "jadwal"
    page: int | None = None

    def pack(self) -> str:
        return self.prefix if self.page is None else f"{self.prefix}{SEPARATOR}p{self.page}"

    @classmethod
    def unpack(cls, data: str | None) -> Self | None:
        if data == cls.prefix:
            return cls()
        text = data.removeprefix(f"{cls.prefix}{SEPARATOR}p") if data else ""
        page = callback_int(text) if data and data != text else None
        return None if page is None else cls(page)


# -- reminders ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SnoozeButton(CallbackData):
    """``snooze:<outbox>``: the same reminder again tomorrow, once."""

    prefix = "snooze"
    outbox_id: int


SETTINGS_PATTERN = r"^atur:"  # both reminder-setting buttons go to one handler


@dataclass(frozen=True)
class DigestHourButton(CallbackData):
    """``atur:jam:<hour>``: the hour of the morning digest."""

    prefix = "atur:jam"
    hour: int


@dataclass(frozen=True)
class EventRemindersButton(CallbackData):
    """``atur:event:on|off``: commitment event reminders on or off."""

    prefix = "atur:event"
    state: Literal["on", "off"]


# -- accounts -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RelinkButton(CallbackData):
    """``rl:ok:<user id>:<telegram id>``: an admin approves moving a koordinator or admin entry to a new account."""

    prefix = "rl:ok"
    user_id: int
    telegram_id: str  # Telegram's ids outgrow ``int`` fields' nine digits; ``account`` reads it

    @property
    def account(self) -> int | None:
        """The Telegram account id, or ``None`` when the data was forged into something that is not one."""
        text = self.telegram_id
        return int(text) if text.isascii() and text.isdigit() and len(text) <= TELEGRAM_ID_DIGITS else None
