"""/grafik [jenis] [wilayah]: a chart sent as a photo — coverage trend, compliance by commitment, coverage by area.

The numbers come from the same queries as /ringkasan; drawing runs in a worker thread (``handlers/charts.py``).
"""

from __future__ import annotations

import asyncio
from functools import partial

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers import charts, render
from handlers.access import require
from handlers.callbacks_supervisor import ChartButton
from handlers.context import AppContext
from handlers.i18n.format import percent
from handlers.render import supervisor as texts
from handlers.render import supervisor_files as files
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
from models.queries.regions import Area

KINDS = {"cakupan": "cakupan", "tren": "cakupan", "kepatuhan": "kepatuhan", "komitmen": "kepatuhan",
         "wilayah": "wilayah", "sebaran": "wilayah"}  # fmt: skip
TREND_PERIODS = 6


async def draw(update: Update, context: AppContext, actor: Actor, kind: str, area: Area, period: Period) -> None:
    lang = actor.language
    fmt = partial(percent, lang=lang)
    titles = files.chart_titles(kind, area, period, lang)
    async with context.read_db() as session:
        if kind == "cakupan":
            trend = await summary.coverage_trend(session, actor, area, period, TREND_PERIODS)
            empty = all(c.households == 0 for _, c in trend)
            titles = files.chart_titles(kind, area, period, lang, first=trend[0][0])
            # A month without a single report has no data: a gap, not a 0 % point (the caption names it).
            shares = [c.visited_share if c.visited else None for _, c in trend]
            titles["caption"] += files.chart_gaps([p for p, c in trend if not c.visited], lang)
            job = partial(charts.trend, [files.short_month(p, lang) for p, _ in trend], shares,
                          title=titles["title"], ylabel=titles["axis"], percent=fmt)  # fmt: skip
        elif kind == "kepatuhan":
            items = await summary.compliance_by_commitment(session, actor, area.code, period)
            empty = not items
            job = partial(charts.bars, [texts.commitment_label(i, lang) for i in items], [i.met_share for i in items],
                          counts=[f"{i.met}/{i.checked}" for i in items], title=titles["title"], xlabel=titles["axis"],
                          percent=fmt)  # fmt: skip
        else:
            result = await summary.area_summary(session, actor, area, period, context.services.tz)
            lines = sorted(result.subareas, key=lambda c: (c.visited_share, c.name)) or [result.total]
            empty = result.is_empty
            job = partial(charts.bars, [c.name for c in lines], [c.visited_share for c in lines],
                          counts=[f"{c.visited}/{c.households}" for c in lines], title=titles["title"],
                          xlabel=titles["axis"], percent=fmt)  # fmt: skip
    if empty:
        await send(update, files.chart_empty(kind, area, lang))
        return
    chat = update.effective_chat
    assert chat is not None
    await chat.send_chat_action(ChatAction.UPLOAD_PHOTO)
    png = await asyncio.to_thread(job)
    await chat.send_photo(photo=png, caption=titles["caption"], parse_mode="HTML")


@require(*SUPERVISORS)
async def grafik(update: Update, context: AppContext, actor: Actor) -> None:
    words = list(context.args or [])
    kind = KINDS.get(words[0].lower()) if words else None
    if kind is not None:
        words = words[1:]
    target = await resolve_target(
        update,
        context,
        actor,
        words,
        choice=lambda code, _: ChartButton(kind or "menu", code),
        example="/grafik cakupan lebak",
    )
    if target is None:
        return
    if kind is None:
        await send(update, files.chart_menu(target.area, actor.language))
        return
    await draw(update, context, actor, kind, target.area, target.period)


@button(*SUPERVISORS)
async def tapped(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:gr:<kind>:<area>`` (kind ``menu``: ask which chart)."""
    pressed = ChartButton.unpack(callback_data(update))
    kind = pressed.kind if pressed else None
    if pressed is None or (kind not in KINDS.values() and kind != "menu"):
        await send(update, render.not_found_or_out_of_scope(actor.language))
        return
    area = await area_in_scope(update, context, actor, pressed.area)
    if area is None:
        return
    if kind == "menu":
        await send(update, files.chart_menu(area, actor.language))
        return
    await draw(update, context, actor, str(kind), area, current_period(context))


HANDLERS: HandlerList = [
    CommandHandler("grafik", grafik),
    CallbackQueryHandler(tapped, pattern=ChartButton.pattern()),
]
