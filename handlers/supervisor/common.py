"""What every supervisor command shares: reading ``[wilayah] [periode]`` from the message, and re-checking an area
that arrives in button data (which a client can forge) against the person's scope.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps

from telegram import Update
from telegram.constants import ChatAction

from handlers import render
from handlers.access import ActorHandler, Handler, require
from handlers.callbacks import CallbackData
from handlers.context import AppContext
from handlers.render import supervisor as texts
from handlers.render import supervisor_files as files
from models.actor import Actor
from models.calendar import WorkCalendar
from models.export import TELEGRAM_DOCUMENT_LIMIT
from models.period import Period
from models.queries.regions import Area, LookupOutcome, get_area, resolve_area
from models.scope import covers_area
from models.tables import Role

SUPERVISORS = (Role.KOORDINATOR, Role.ADMIN)

MONTHS = {
    "januari": 1, "jan": 1, "january": 1, "februari": 2, "feb": 2, "february": 2, "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "jun": 6, "june": 6, "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "aug": 8, "august": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10,
    "okt": 10, "oct": 10, "october": 10, "november": 11, "nov": 11, "desember": 12, "des": 12, "dec": 12,
    "december": 12,
}  # fmt: skip
_YEAR_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")


@dataclass(frozen=True, slots=True)
class Target:
    area: Area
    period: Period


class BadPeriod(ValueError):
    pass


def current_period(context: AppContext) -> Period:
    return Period.of(context.local_now().date())


def calendar(context: AppContext) -> WorkCalendar:
    return context.services.calendar


def split_period(words: list[str], today: date) -> tuple[Period | None, list[str]]:
    """Take a period out of the words (``2026-10``, ``10-2026``, ``oktober [2026]``); the rest names the area.

    A month without a year is the latest such month not after today. Raises ``BadPeriod`` for ``2026-13``.
    """
    rest: list[str] = []
    found: Period | None = None
    index = 0
    while index < len(words):
        word = words[index].strip().lower().rstrip(",")
        ym, my = _YEAR_MONTH.match(word), _MONTH_YEAR.match(word)
        try:
            if found is None and (ym or my):
                year, month = (int(ym[1]), int(ym[2])) if ym else (int(my[2]), int(my[1]))  # type: ignore[index]
                found = Period(year, month)
            elif found is None and word in MONTHS:
                following = words[index + 1] if index + 1 < len(words) else ""
                if following.isdigit() and len(following) == 4:
                    found, index = Period(int(following), MONTHS[word]), index + 1
                else:
                    year = today.year if MONTHS[word] <= today.month else today.year - 1
                    found = Period(year, MONTHS[word])
            else:
                rest.append(words[index])
        except ValueError:
            raise BadPeriod(words[index]) from None
        index += 1
    return found, rest


async def resolve_target(
    update: Update,
    context: AppContext,
    actor: Actor,
    words: list[str],
    *,
    choice: Callable[[str, Period], CallbackData],
    example: str,
) -> Target | None:
    """The area and period a command asks about, or None after telling the person what was wrong.

    ``choice`` builds the button for each area an ambiguous name may mean, from its code and the period.
    """
    today = context.local_now().date()
    now = Period.of(today)
    try:
        period, rest = split_period(words, today)
    except BadPeriod as error:
        await send(update, texts.bad_period(actor.language, str(error)))
        return None
    period = period or now
    if period > now:
        await send(update, texts.future_period(actor.language, period))
        return None
    text = " ".join(rest)
    async with context.read_db() as session:
        lookup = await resolve_area(session, actor, text)
    if lookup.outcome is LookupOutcome.FOUND and lookup.area is not None:
        return Target(lookup.area, period)
    if lookup.outcome is LookupOutcome.CHOICE:
        data = [choice(a.code, period).pack() for a in lookup.choices]
        await send(update, texts.area_choice(actor.language, text, lookup.choices, data))
    elif lookup.outcome is LookupOutcome.OUT_OF_SCOPE:
        await send(update, texts.area_out_of_scope(actor.language, text))
    else:
        await send(update, texts.area_not_found(actor.language, text, example))
    return None


async def area_in_scope(update: Update, context: AppContext, actor: Actor, code: str) -> Area | None:
    """An area from button data, if it exists and the actor covers it; otherwise says so and returns None."""
    area = None
    if covers_area(actor, code):
        async with context.read_db() as session:
            area = await get_area(session, code)
    if area is None:
        await send(update, render.not_found_or_out_of_scope(actor.language))
    return area


def callback_data(update: Update) -> str | None:
    """The pressed button's data, for a ``…Button.unpack`` to check."""
    return update.callback_query.data if update.callback_query else None


async def send(update: Update, payload: render.Reply) -> None:
    """Send a message to the chat the update came from (a button press was already acknowledged by ``button``)."""
    if update.effective_chat is not None:
        await update.effective_chat.send_message(**payload)


def button(*roles: Role) -> Callable[[ActorHandler], Handler]:
    """``require(*roles)`` for button presses, acknowledging the press first — exactly once, as Telegram wants,
    however many messages the handler then sends."""

    def decorate(handler: ActorHandler) -> Handler:
        @wraps(handler)
        async def acknowledged(update: Update, context: AppContext, actor: Actor) -> None:
            if update.callback_query is not None:
                await update.callback_query.answer()
            await handler(update, context, actor)

        return require(*roles)(acknowledged)

    return decorate


async def send_workbook(
    context: AppContext, chat_id: int, path: str, size: int, *, filename: str, caption: str, lang: str
) -> None:
    """A built XLSX as a document, or the polite "too large" when it is over Telegram's 50 MB: /ekspor and
    /penyaluran's list go out the same way (the long timeouts are for a slow uplink, not a slow build)."""
    if size > TELEGRAM_DOCUMENT_LIMIT:
        await context.bot.send_message(chat_id, **files.export_too_large(size, lang))
        return
    await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
    handle = await asyncio.to_thread(open, path, "rb")
    with handle:
        await context.bot.send_document(
            chat_id,
            document=handle,
            filename=filename,
            caption=caption,
            parse_mode="HTML",
            read_timeout=120,
            write_timeout=120,
        )
