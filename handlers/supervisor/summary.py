"""/ringkasan [wilayah] [periode]: one screen on how an area is doing, with buttons to drill down."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers.access import require
from handlers.callbacks_supervisor import SummaryButton
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
from models.period import Period
from models.queries import summary
from models.queries.regions import Area, get_area
from models.scope import covers_area


async def show(update: Update, context: AppContext, actor: Actor, area: Area, period: Period) -> None:
    async with context.read_db() as session:
        result = await summary.area_summary(session, actor, area, period, context.services.tz)
        parent = await get_area(session, area.parent_code) if area.parent_code else None
    if parent is not None and not covers_area(actor, parent.code):
        parent = None
    await send(update, texts.summary(result, actor.language, parent=parent))


@require(*SUPERVISORS)
async def ringkasan(update: Update, context: AppContext, actor: Actor) -> None:
    target = await resolve_target(
        update,
        context,
        actor,
        list(context.args or []),
        choice=SummaryButton,
        example="/ringkasan lebak oktober 2026",
    )
    if target is not None:
        await show(update, context, actor, target.area, target.period)


@button(*SUPERVISORS)
async def drill(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:rk:<area>:<period>`` — a sub-area, the parent, or the previous period."""
    pressed = SummaryButton.unpack(callback_data(update))
    if pressed is None or pressed.period > current_period(context):
        await send(update, texts.bad_period(actor.language, str(pressed.period) if pressed else "?"))
        return
    area = await area_in_scope(update, context, actor, pressed.area)
    if area is not None:
        await show(update, context, actor, area, pressed.period)


HANDLERS: HandlerList = [
    CommandHandler("ringkasan", ringkasan),
    CallbackQueryHandler(drill, pattern=SummaryButton.pattern()),
]
