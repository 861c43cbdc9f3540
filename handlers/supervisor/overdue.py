"""/tunggakan [wilayah]: households not yet visited this period, by pendamping, paged, each with its card."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers import render
from handlers.access import require
from handlers.callbacks_supervisor import OverdueButton
from handlers.context import AppContext
from handlers.render import supervisor as texts
from handlers.supervisor.common import (
    SUPERVISORS,
    area_in_scope,
    button,
    callback_data,
    current_period,
    resolve_target,
    send,
)
from handlers.types import HandlerList
from models.actor import Actor
from models.queries import overdue, summary
from models.queries.regions import Area


async def show(update: Update, context: AppContext, actor: Actor, area: Area, page: int) -> None:
    period = current_period(context)
    async with context.read_db() as session:
        found = await overdue.overdue_page(session, actor, area.code, period, page)
        totals = await summary.coverage(session, actor, area, period)
    await send(update, texts.overdue(found, area, totals.overdue, actor.language))


@require(*SUPERVISORS)
async def tunggakan(update: Update, context: AppContext, actor: Actor) -> None:
    target = await resolve_target(
        update,
        context,
        actor,
        list(context.args or []),
        choice=lambda code, _: OverdueButton(code, 0),
        example="/tunggakan cikulur",
    )
    if target is not None:
        await show(update, context, actor, target.area, 0)


@button(*SUPERVISORS)
async def page(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:tg:<area>:<page>``"""
    pressed = OverdueButton.unpack(callback_data(update))
    if pressed is None:
        await send(update, render.not_found_or_out_of_scope(actor.language))
        return
    area = await area_in_scope(update, context, actor, pressed.area)
    if area is not None:
        await show(update, context, actor, area, pressed.page)


HANDLERS: HandlerList = [
    CommandHandler("tunggakan", tunggakan),
    CallbackQueryHandler(page, pattern=OverdueButton.pattern()),
]
