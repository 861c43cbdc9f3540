"""/lapor: the visit report, a durable guided conversation on the form engine (issue #6, decision 1 in docs/design.md).

``HANDLERS`` (group 0): /lapor, /batal, the ``lapor`` / ``lapor:<household_id>`` buttons and the form's own
``f:<session>:<version>:<value>`` buttons. ``INPUT_HANDLERS`` go in group -1, *before* every other handler: while
a pendamping has a report open, their typed text, photo or location are answers to it (and nothing else sees
them); with no report open they pass through untouched to whatever else handles messages.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import render
from handlers.access import answer, require
from handlers.callbacks import ReportButton
from handlers.context import AppContext
from handlers.form_runner import Turn
from handlers.forms import Input, LocationInput, PhotoInput, TextInput, parse_callback
from handlers.report.flow import RUNNER
from handlers.types import HandlerList
from models.actor import Actor
from models.tables import Role

INPUT_GROUP = -1


@require(Role.PENDAMPING)
async def lapor(update: Update, context: AppContext, actor: Actor) -> None:
    """/lapor [nama|NIK|KK]"""
    search = " ".join(context.args or []).strip()
    await RUNNER.start(Turn(update, context, actor), search=search or None)
    raise ApplicationHandlerStop


@require(Role.PENDAMPING)
async def lapor_button(update: Update, context: AppContext, actor: Actor) -> None:
    """``lapor`` (the picker) or ``lapor:<household_id>``; the id may be forged — the scoped query decides."""
    assert update.callback_query is not None
    pressed = ReportButton.unpack(update.callback_query.data)
    turn = Turn(update, context, actor)
    if pressed is not None and pressed.household_id is None:
        await RUNNER.start(turn)
    elif pressed is not None:
        await RUNNER.start(turn, household_id=pressed.household_id)
    else:
        await answer(update, render.not_found_or_out_of_scope(actor.language))
    raise ApplicationHandlerStop


async def form_button(update: Update, context: AppContext) -> None:
    """``f:<session>:<version>:<value>``; the runner checks who is pressing in the same transaction."""
    assert update.callback_query is not None
    pressed = parse_callback(update.callback_query.data or "")
    if pressed is None:
        await update.callback_query.answer()
        return
    await RUNNER.on_press(update, context, pressed)
    raise ApplicationHandlerStop


@require(Role.PENDAMPING)
async def batal(update: Update, context: AppContext, actor: Actor) -> None:
    await RUNNER.ask_cancel(Turn(update, context, actor))
    raise ApplicationHandlerStop


async def form_input(update: Update, context: AppContext) -> None:
    """Group -1: an answer typed, photographed or shared — only if this person has a report open."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    given: Input
    if message.location is not None:
        given = LocationInput(message.location.latitude, message.location.longitude)
    elif message.photo:
        largest = message.photo[-1]
        given = PhotoInput(largest.file_id, largest.file_unique_id)
    elif message.text is not None:
        given = TextInput(message.text)
    else:
        return
    if await RUNNER.on_input(update, context, given):
        raise ApplicationHandlerStop


HANDLERS: HandlerList = [
    CommandHandler("lapor", lapor),
    CommandHandler("batal", batal),
    CallbackQueryHandler(lapor_button, pattern=ReportButton.pattern()),
    CallbackQueryHandler(form_button, pattern=r"^f:"),
]

INPUT_HANDLERS: HandlerList = [
    MessageHandler(
        # New messages only: a live location or an edited text sends edits that are not new answers.
        filters.UpdateType.MESSAGE
        & filters.ChatType.PRIVATE
        & ((filters.TEXT & ~filters.COMMAND) | filters.LOCATION | filters.PHOTO),
        form_input,
    ),
]
