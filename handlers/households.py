"""/kpm: search the households in one's scope and open a household card."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers import render
from handlers.access import answer, require
from handlers.context import AppContext
from handlers.types import HandlerList
from models.actor import Actor
from models.queries.households import household_card, search_households


@require()
async def kpm(update: Update, context: AppContext, actor: Actor) -> None:
    query = " ".join(context.args or [])
    if not query:
        await answer(update, render.search_prompt(actor.language))
        return
    async with context.db() as session:
        hits = await search_households(session, actor, query)
    await answer(update, render.household_hits(hits, actor.language, query))


@require()
async def open_card(update: Update, context: AppContext, actor: Actor) -> None:
    """Callback ``hh:<id>``. The id comes from the client and may be forged: the scoped query decides."""
    data = update.callback_query.data if update.callback_query else None
    raw_id = (data or "").removeprefix("hh:")
    card = None
    if raw_id.isdigit():
        async with context.db() as session:
            card = await household_card(session, actor, int(raw_id))
    if card is None:
        await answer(update, render.not_found_or_out_of_scope(actor.language))
        return
    today = context.local_now().date()
    await answer(update, render.household_card(card, actor.language, today, full_ids=actor.is_admin))


HANDLERS: HandlerList = [CommandHandler("kpm", kpm), CallbackQueryHandler(open_card, pattern=r"^hh:")]
