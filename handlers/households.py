"""/kpm: search the households in one's scope and open a household card (with its commitments, last visits,
open referrals, pending data changes, and buttons to report a visit or see its history)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers import render
from handlers.access import answer, require
from handlers.callbacks import HouseholdButton
from handlers.context import AppContext
from handlers.render import household as household_texts
from handlers.types import HandlerList
from models.actor import Actor
from models.period import Period
from models.queries.households import household_card, search_households
from models.queries.visits import household_activity
from models.tables import Role
from models.visit_facts import CommitmentItem, commitment_items, load_household_facts, programme_rules


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
    pressed = HouseholdButton.unpack(update.callback_query.data if update.callback_query else None)
    card = activity = facts = None
    today = context.local_now().date()
    period = Period.of(today)
    items: list[CommitmentItem] = []
    if pressed is not None:
        household_id = pressed.household_id
        async with context.db() as session:
            card = await household_card(session, actor, household_id)
            if card is not None:
                activity = await household_activity(session, actor, card.id)
                facts = await load_household_facts(session, actor, card.id)
                if facts is not None:
                    items = commitment_items(await programme_rules(session, facts.programme), facts, period)
    if card is None or activity is None:
        await answer(update, render.not_found_or_out_of_scope(actor.language))
        return
    await answer(
        update,
        household_texts.card(
            card,
            activity,
            items,
            period,
            actor.language,
            today=today,
            full_ids=actor.is_admin,
            can_report=actor.role is Role.PENDAMPING,
        ),
    )


HANDLERS: HandlerList = [CommandHandler("kpm", kpm), CallbackQueryHandler(open_card, pattern=HouseholdButton.pattern())]
