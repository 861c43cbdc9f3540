"""/tinjau's other two queues: proposed data changes (verifikasi / tolak) and open referrals (tutup), one item at
a time, each screen edited in place like the report cards (``handlers.screen``). Reached by the buttons on every
report card, or by ``/tinjau perubahan`` and ``/tinjau rujukan``.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from handlers import render
from handlers.callbacks_supervisor import ChangeButton, ReferralButton
from handlers.context import AppContext
from handlers.render import review_card as cards
from handlers.render import supervisor_review as texts
from handlers.screen import show
from handlers.supervisor.common import SUPERVISORS, button, callback_data
from handlers.types import HandlerList
from models import review
from models.actor import Actor
from models.queries import review as queue
from models.review import ReviewError


async def show_next_change(
    update: Update,
    context: AppContext,
    actor: Actor,
    after: int | None = None,
    *,
    notice: str | None = None,
    edit: bool = True,
) -> None:
    async with context.db() as session:
        found = await queue.next_change(session, actor, actor.area_code, after)
    tz = str(context.services.tz)
    payload = (
        texts.change_card(found, actor.language, tz, full_ids=actor.is_admin, notice=notice)
        if found.item
        else texts.changes_empty(actor.language, notice)
    )
    await show(update, payload, edit=edit)


async def show_next_referral(
    update: Update,
    context: AppContext,
    actor: Actor,
    after: int | None = None,
    *,
    notice: str | None = None,
    edit: bool = True,
) -> None:
    async with context.db() as session:
        found = await queue.next_referral(session, actor, actor.area_code, after)
    payload = (
        texts.referral_card(found, actor.language, str(context.services.tz), notice)
        if found.item
        else texts.referrals_empty(actor.language, notice)
    )
    await show(update, payload, edit=edit)


@button(*SUPERVISORS)
async def on_change(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:dc:ok|no|nx:<change id>`` (``nx:0`` starts the queue)."""
    pressed = ChangeButton.unpack(callback_data(update))
    if pressed is None:
        await show(update, render.not_found_or_out_of_scope(actor.language), edit=False)
        return
    change_id = pressed.change_id
    if pressed.action == "nx":
        await show_next_change(update, context, actor, after=change_id or None)
        return
    approve = pressed.action == "ok"
    try:
        async with context.db() as session:
            outcome = await review.decide_change(session, actor, change_id, approve, context.now())
    except ReviewError as error:
        await show(update, texts.problem(error.code, actor.language), edit=False)
        return
    notice = cards.change_decided(outcome, approve, actor.language)
    await show_next_change(update, context, actor, after=change_id, notice=notice)


@button(*SUPERVISORS)
async def on_referral(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:rj:ok|nx:<referral id>``"""
    pressed = ReferralButton.unpack(callback_data(update))
    if pressed is None:
        await show(update, render.not_found_or_out_of_scope(actor.language), edit=False)
        return
    referral_id = pressed.referral_id
    if pressed.action == "nx":
        await show_next_referral(update, context, actor, after=referral_id or None)
        return
    try:
        async with context.db() as session:
            head = await review.close_referral(session, actor, referral_id, context.now())
    except ReviewError as error:
        await show(update, texts.problem(error.code, actor.language), edit=False)
        return
    notice = texts.referral_closed(head, actor.language)
    await show_next_referral(update, context, actor, after=referral_id, notice=notice)


HANDLERS: HandlerList = [
    CallbackQueryHandler(on_change, pattern=ChangeButton.pattern()),
    CallbackQueryHandler(on_referral, pattern=ReferralButton.pattern()),
]
