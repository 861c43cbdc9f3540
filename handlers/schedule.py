"""/jadwal: what a pendamping still has to visit this period, most overdue first, with a button to report each."""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler

from handlers.access import answer, require
from handlers.callbacks import ScheduleButton
from handlers.context import AppContext
from handlers.render import schedule as texts
from handlers.types import HandlerList
from models.actor import Actor
from models.period import Period
from models.queries.worklist import programmes_of, worklist
from models.rules import shipped_programmes
from models.tables import Role
from models.visit_facts import programme_rules


async def _show(update: Update, context: AppContext, actor: Actor, page: int) -> None:
    calendar = context.services.calendar
    today = context.local_now().date()
    period = Period.of(today)
    async with context.db() as session:
        work = await worklist(session, actor, period, page=page)
        codes = await programmes_of(session, actor)
        days = [(await programme_rules(session, code)).period.deadline_working_days for code in codes]
    if not days:
        days = [shipped_programmes()["JAMSOSRATU"].period.deadline_working_days]
    deadline = calendar.period_deadline(period, min(days))
    payload = texts.worklist(work, actor.language, deadline, calendar.working_days_between(today, deadline))
    query = update.callback_query
    if (
        query is not None
        and (pressed := ScheduleButton.unpack(query.data))
        and pressed.page is not None
        and query.message
    ):
        await query.answer()  # paging: the list is edited in place
        try:
            await query.edit_message_text(**payload)
        except BadRequest:
            await context.bot.send_message(query.message.chat.id, **payload)
        return
    await answer(update, payload)


@require(Role.PENDAMPING)
async def jadwal(update: Update, context: AppContext, actor: Actor) -> None:
    await _show(update, context, actor, 0)
    raise ApplicationHandlerStop


@require(Role.PENDAMPING)
async def jadwal_button(update: Update, context: AppContext, actor: Actor) -> None:
    """``jadwal`` (from reminders and confirmations) or ``jadwal:p<page>``."""
    pressed = ScheduleButton.unpack(update.callback_query.data if update.callback_query else None)
    await _show(update, context, actor, pressed.page or 0 if pressed else 0)
    raise ApplicationHandlerStop


HANDLERS: HandlerList = [
    CommandHandler("jadwal", jadwal),
    CallbackQueryHandler(jadwal_button, pattern=ScheduleButton.pattern()),
]
