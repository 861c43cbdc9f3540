"""/pendamping [nama|telepon]: one pendamping's record, or the area's leaderboard (lowest coverage first)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers import render
from handlers.access import require
from handlers.callbacks_supervisor import PendampingButton, PendampingPageButton
from handlers.context import AppContext
from handlers.render import supervisor as texts
from handlers.supervisor.common import (
    SUPERVISORS,
    area_in_scope,
    button,
    calendar,
    callback_data,
    current_period,
    send,
)
from handlers.types import HandlerList
from models.actor import Actor
from models.queries import pendamping
from models.queries.regions import Area, get_area
from models.queries.review import count_waiting


async def record(update: Update, context: AppContext, actor: Actor, pendamping_id: int) -> None:
    period = current_period(context)
    async with context.read_db() as session:
        found = await pendamping.pendamping_record(
            session, actor, pendamping_id, period, calendar(context).period_deadline, context.services.tz
        )
    if found is None:
        await send(update, render.not_found_or_out_of_scope(actor.language))
        return
    await send(update, texts.pendamping_record(found, period, actor.language, str(context.services.tz)))


async def board(update: Update, context: AppContext, actor: Actor, area: Area, page: int) -> None:
    period = current_period(context)
    async with context.read_db() as session:
        standings = await pendamping.leaderboard(session, actor, area.code, period)
        waiting = await count_waiting(session, actor, area.code)
    size = pendamping.PAGE_SIZE
    page = min(max(page, 0), max(0, (len(standings) - 1) // size))
    await send(update, texts.leaderboard(standings, area, period, page, size, actor.language, waiting))


@require(*SUPERVISORS)
async def pendamping_command(update: Update, context: AppContext, actor: Actor) -> None:
    text = " ".join(context.args or []).strip()
    if not text:
        async with context.read_db() as session:
            area = await get_area(session, actor.area_code)
        if area is not None:
            await board(update, context, actor, area, 0)
        return
    async with context.read_db() as session:
        hits = await pendamping.find_pendamping(session, actor, text)
    if len(hits) == 1:
        await record(update, context, actor, hits[0].id)
        return
    await send(update, texts.pendamping_choice(hits, text, actor.language))


@button(*SUPERVISORS)
async def open_record(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:pd:<user id>`` — forged ids are answered like unknown ones by the scoped query."""
    pressed = PendampingButton.unpack(callback_data(update))
    if pressed is None:
        await send(update, render.not_found_or_out_of_scope(actor.language))
        return
    await record(update, context, actor, pressed.user_id)


@button(*SUPERVISORS)
async def board_page(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:pl:<area>:<page>``"""
    pressed = PendampingPageButton.unpack(callback_data(update))
    if pressed is None:
        await send(update, render.not_found_or_out_of_scope(actor.language))
        return
    area = await area_in_scope(update, context, actor, pressed.area)
    if area is not None:
        await board(update, context, actor, area, pressed.page)


HANDLERS: HandlerList = [
    CommandHandler("pendamping", pendamping_command),
    CallbackQueryHandler(open_record, pattern=PendampingButton.pattern()),
    CallbackQueryHandler(board_page, pattern=PendampingPageButton.pattern()),
]
