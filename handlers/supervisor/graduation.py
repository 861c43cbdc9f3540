"""/graduasi [wilayah]: households meeting the graduation criteria; a koordinator proposes, an admin confirms."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers import render
from handlers.access import require
from handlers.callbacks import GraduationDecisionButton, GraduationPageButton, GraduationProposeButton
from handlers.context import AppContext
from handlers.render import supervisor_review as texts
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
from models import review
from models.actor import Actor
from models.queries import graduation
from models.queries.households import household_card
from models.queries.regions import Area
from models.review import ReviewError


async def show(update: Update, context: AppContext, actor: Actor, area: Area, page: int) -> None:
    async with context.db() as session:
        found = await graduation.candidates(session, actor, area.code, current_period(context), page)
    await send(update, texts.candidates(found, area, actor.language, can_confirm=actor.is_admin))


@require(*SUPERVISORS)
async def graduasi(update: Update, context: AppContext, actor: Actor) -> None:
    words = [w for w in (context.args or []) if w]
    target = await resolve_target(
        update, context, actor, words, choice=lambda code, _: GraduationPageButton(code, 0), example="/graduasi cikulur"
    )
    if target is not None:
        await show(update, context, actor, target.area, 0)


async def _propose(update: Update, context: AppContext, actor: Actor, household_id: int) -> None:
    now = context.now()
    async with context.db() as session:
        reasons = await graduation.candidate_reasons(session, actor, household_id, current_period(context))
        if reasons is None:
            raise ReviewError("not_found")
        proposal = await review.propose_graduation(session, actor, household_id, reasons, now)
        card = await household_card(session, actor, household_id)
        assert card is not None
        await review.notify_admins(
            session, proposal, texts.proposal_notice(card.head_name, card.desa_name, actor.name, "id"), now
        )
    await send(update, texts.proposed(card.head_name, actor.language))


async def _decide(update: Update, context: AppContext, actor: Actor, proposal_id: int, confirm: bool) -> None:
    async with context.db() as session:
        household_id = await review.decide_graduation(session, actor, proposal_id, confirm, context.now())
        card = await household_card(session, actor, household_id)
    await send(update, texts.graduation_decided(card.head_name if card else "", confirm, actor.language))


@button(*SUPERVISORS)
async def tapped(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:gd:aj:<household>``, ``sv:gd:ok|no:<proposal>``, ``sv:gd:pg:<area>:<page>``."""
    data = callback_data(update)
    try:
        if (paging := GraduationPageButton.unpack(data)) is not None:
            area = await area_in_scope(update, context, actor, paging.area)
            if area is not None:
                await show(update, context, actor, area, paging.page)
        elif (proposal := GraduationProposeButton.unpack(data)) is not None:
            await _propose(update, context, actor, proposal.household_id)
        elif (decision := GraduationDecisionButton.unpack(data)) is not None:
            await _decide(update, context, actor, decision.proposal_id, decision.decision == "ok")
        else:
            await send(update, render.not_found_or_out_of_scope(actor.language))
    except ReviewError as error:
        await send(update, texts.problem(error.code, actor.language))


HANDLERS: HandlerList = [
    CommandHandler("graduasi", graduasi),
    CallbackQueryHandler(tapped, pattern=GraduationDecisionButton.pattern()),
]
