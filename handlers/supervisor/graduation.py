"""/graduasi [wilayah]: households meeting the graduation criteria; a koordinator proposes (after a "ya, ajukan"),
an admin confirms. The list is one message, edited in place: "ajukan" turns it into the question, the answer
turns it back into the list, with the household now marked "diajukan" and no second "ajukan" for it; an admin's
"konfirmasi" / "tolak" asks the same way and the list comes back without the decided household's buttons."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers import render, screen
from handlers.access import require
from handlers.callbacks_supervisor import (
    GraduationConfirmButton,
    GraduationDecidedButton,
    GraduationDecisionButton,
    GraduationPageButton,
    GraduationProposeButton,
)
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
from models import graduation_proposals
from models.actor import Actor
from models.queries import graduation
from models.queries.households import household_card
from models.queries.regions import Area
from models.review import ReviewError


async def show_list(
    update: Update,
    context: AppContext,
    actor: Actor,
    area: Area,
    page: int,
    *,
    notice: str | None = None,
    edit: bool = True,
) -> None:
    async with context.db() as session:
        found = await graduation.candidates(session, actor, area.code, current_period(context), page)
    payload = texts.candidates(found, area, actor.language, can_confirm=actor.is_admin, notice=notice)
    await screen.show(update, payload, edit=edit)


@require(*SUPERVISORS)
async def graduasi(update: Update, context: AppContext, actor: Actor) -> None:
    words = [w for w in (context.args or []) if w]
    target = await resolve_target(
        update, context, actor, words, choice=lambda code, _: GraduationPageButton(code, 0), example="/graduasi cikulur"
    )
    if target is not None:
        await show_list(update, context, actor, target.area, 0, edit=False)


async def _ask(update: Update, context: AppContext, actor: Actor, household_id: int, code: str, page: int) -> None:
    """ "Ajukan": the question, on the list's own message."""
    area = await area_in_scope(update, context, actor, code or actor.area_code)
    if area is None:
        return
    async with context.db() as session:
        reasons = await graduation.candidate_reasons(session, actor, household_id, current_period(context))
        card = await household_card(session, actor, household_id) if reasons is not None else None
        already = await graduation_proposals.pending_proposal(session, household_id) if card is not None else None
    if reasons is None or card is None:
        raise ReviewError("not_found")
    if already is not None:
        notice = texts.proposed(card.head_name, actor.language, already=True)
        await show_list(update, context, actor, area, page, notice=notice)
        return
    ask = texts.confirm_proposal(card.head_name, card.desa_name, reasons, household_id, area.code, page, actor.language)
    await screen.show(update, ask)


async def _propose(update: Update, context: AppContext, actor: Actor, household_id: int, code: str, page: int) -> None:
    """ "Ya, ajukan": the proposal (once: a second tap finds it proposed), the admins told, the list again."""
    area = await area_in_scope(update, context, actor, code)
    if area is None:
        return
    now = context.now()
    async with context.db() as session:
        reasons = await graduation.candidate_reasons(session, actor, household_id, current_period(context))
        card = await household_card(session, actor, household_id) if reasons is not None else None
        if reasons is None or card is None:
            raise ReviewError("not_found")
        already = await graduation_proposals.pending_proposal(session, household_id) is not None
        if not already:
            proposal = await graduation_proposals.propose_graduation(session, actor, household_id, reasons, now)
            notice = texts.proposal_notice(card.head_name, card.desa_name, actor.name, "id")
            await graduation_proposals.notify_admins(session, proposal, notice, now)
    line = texts.proposed(card.head_name, actor.language, already=already)
    await show_list(update, context, actor, area, page, notice=line)


async def _ask_decision(
    update: Update, context: AppContext, actor: Actor, proposal_id: int, confirm: bool, code: str, page: int
) -> None:
    """An admin's "konfirmasi" / "tolak": the question, on the list's own message (decided ones: the list)."""
    if not actor.is_admin:
        raise ReviewError("not_allowed")
    area = await area_in_scope(update, context, actor, code or actor.area_code)
    if area is None:
        return
    async with context.db() as session:
        waiting = await graduation_proposals.waiting_proposal(session, actor, proposal_id)
        card = await household_card(session, actor, waiting[0]) if waiting is not None else None
    if waiting is None or card is None:
        await show_list(
            update, context, actor, area, page, notice=texts.problem_text("already_decided", actor.language)
        )
        return
    ask = texts.confirm_decision(
        card.head_name, card.desa_name, waiting[1], confirm, proposal_id, area.code, page, actor.language
    )
    await screen.show(update, ask)


async def _decide(
    update: Update, context: AppContext, actor: Actor, proposal_id: int, confirm: bool, code: str, page: int
) -> None:
    """ "Ya": the decision (once: a second tap finds it decided), then the list again, without that household's
    buttons — a confirmed household leaves the list, a rejected one is a candidate again."""
    area = await area_in_scope(update, context, actor, code)
    if area is None:
        return
    async with context.db() as session:
        household_id = await graduation_proposals.decide_graduation(session, actor, proposal_id, confirm, context.now())
        card = await household_card(session, actor, household_id)
    line = texts.graduation_decided(card.head_name if card else "", confirm, actor.language)
    await show_list(update, context, actor, area, page, notice=line)


@button(*SUPERVISORS)
async def tapped(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:gd:aj:<household>[:<area>:<page>]``, ``sv:gd:ya:<household>:<area>:<page>``,
    ``sv:gd:ok|no:<proposal>``, ``sv:gd:pg:<area>:<page>``."""
    data = callback_data(update)
    try:
        if (paging := GraduationPageButton.unpack(data)) is not None:
            area = await area_in_scope(update, context, actor, paging.area)
            if area is not None:
                await show_list(update, context, actor, area, paging.page)
        elif (asked := GraduationProposeButton.unpack(data)) is not None:
            await _ask(update, context, actor, asked.household_id, asked.area, asked.page)
        elif (confirmed := GraduationConfirmButton.unpack(data)) is not None:
            await _propose(update, context, actor, confirmed.household_id, confirmed.area, confirmed.page)
        elif (decision := GraduationDecisionButton.unpack(data)) is not None:
            await _ask_decision(
                update, context, actor, decision.proposal_id, decision.decision == "ok", decision.area, decision.page
            )
        elif (decided := GraduationDecidedButton.unpack(data)) is not None:
            await _decide(
                update, context, actor, decided.proposal_id, decided.decision == "ok", decided.area, decided.page
            )
        else:
            await send(update, render.not_found_or_out_of_scope(actor.language))
    except ReviewError as error:
        await send(update, texts.problem(error.code, actor.language))


HANDLERS: HandlerList = [
    CommandHandler("graduasi", graduasi),
    CallbackQueryHandler(tapped, pattern=GraduationDecisionButton.pattern()),
]
