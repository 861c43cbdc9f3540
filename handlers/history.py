"""/riwayat: the pendamping's last reports (or one household's, from its card), each openable read-only; a
report sent back by a supervisor can be reopened, corrected and resubmitted from here."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler

from handlers import render
from handlers.access import answer, require
from handlers.callbacks import HistoryButton, VisitButton
from handlers.context import AppContext
from handlers.form_runner import Turn
from handlers.render import report_summary as texts
from handlers.render import with_rows
from handlers.render.review_card import review_rows
from handlers.report.flow import RUNNER
from handlers.types import HandlerList
from models.actor import Actor
from models.queries.households import household_card
from models.queries.visits import load_report, recent_visits
from models.tables import ReviewStatus, Role


@require()
async def riwayat(update: Update, context: AppContext, actor: Actor) -> None:
    async with context.db() as session:
        lines = await recent_visits(session, actor)
    await answer(update, texts.history(lines, actor.language))
    raise ApplicationHandlerStop


@require()
async def riwayat_button(update: Update, context: AppContext, actor: Actor) -> None:
    """``riwayat`` or ``riwayat:<household_id>`` (from the household card)."""
    pressed = HistoryButton.unpack(update.callback_query.data if update.callback_query else None)
    async with context.db() as session:
        if pressed is not None and pressed.household_id is None:
            await answer(update, texts.history(await recent_visits(session, actor), actor.language))
            raise ApplicationHandlerStop
        household_id = pressed.household_id if pressed else None
        card = await household_card(session, actor, household_id) if household_id is not None else None
        lines = await recent_visits(session, actor, household_id=card.id) if card is not None else []
    if card is None:
        await answer(update, render.not_found_or_out_of_scope(actor.language))
    else:
        await answer(update, texts.history(lines, actor.language, household=card.head_name))
    raise ApplicationHandlerStop


@require()
async def open_visit(update: Update, context: AppContext, actor: Actor) -> None:
    """``rv:<visit_id>`` read-only; ``rv:<visit_id>:fix`` reopens a sent-back report for correction."""
    pressed = VisitButton.unpack(update.callback_query.data if update.callback_query else None)
    visit_id = pressed.visit_id if pressed else ""
    if pressed is not None and pressed.action == "fix" and actor.role is Role.PENDAMPING:
        await RUNNER.start_correction(Turn(update, context, actor), visit_id)
        raise ApplicationHandlerStop
    async with context.db() as session:
        report = await load_report(session, actor, visit_id) if len(visit_id) == 32 else None
    if report is None:
        await answer(update, render.not_found_or_out_of_scope(actor.language))
    else:
        can_fix = actor.role is Role.PENDAMPING and report.review_status == ReviewStatus.RETURNED.value
        payload = texts.visit_view(report, actor.language, can_fix=can_fix, full_ids=actor.is_admin)
        if actor.is_supervisor:  # load_report found it through their scope: they may decide it here
            pending = report.review_status == ReviewStatus.PENDING.value
            payload = with_rows(payload, review_rows(visit_id, pending, actor.language))
        await answer(update, payload)
    raise ApplicationHandlerStop


HANDLERS: HandlerList = [
    CommandHandler("riwayat", riwayat),
    CallbackQueryHandler(riwayat_button, pattern=HistoryButton.pattern()),
    CallbackQueryHandler(open_visit, pattern=VisitButton.pattern()),
]
