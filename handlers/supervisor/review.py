"""/tinjau: the review queue — reports one at a time (setujui / kembalikan with a note / lewati), then proposed data
changes (verifikasi / tolak) and open referrals (tutup). ``/tinjau perubahan`` and ``/tinjau rujukan`` jump there.

"Kembalikan" asks which section and then waits for the note as the person's next text message. That wait is a
row in ``form_session`` (``models.review.begin_return_note``), so a restart or a second bot process in between
loses nothing. The note is picked up by a handler in group -2, ahead of every other text handler, which stops
the update there when it took it and lets it through untouched otherwise.
"""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import render
from handlers.access import current_actor, require
from handlers.callbacks import ChangeButton, ReferralButton, ReviewButton, ReviewSectionButton
from handlers.context import AppContext
from handlers.render import supervisor_review as texts
from handlers.supervisor.common import SUPERVISORS, button, callback_data, send
from handlers.types import HandlerList
from models import review
from models.actor import Actor
from models.queries import review as queue
from models.queries.regions import get_area
from models.queries.visits import load_report
from models.review import ReviewError

SECTIONS = set(review.SECTIONS)


async def show_next_report(update: Update, context: AppContext, actor: Actor, after: str | None = None) -> None:
    async with context.db() as session:
        found = await queue.next_visit(session, actor, actor.area_code, after)
        report = await load_report(session, actor, found.item.visit_id) if found.item else None
        if found.item is None or report is None:
            changes = await queue.next_change(session, actor, actor.area_code)
            referrals = await queue.next_referral(session, actor, actor.area_code)
            area = await get_area(session, actor.area_code)
    if found.item is None or report is None:
        assert area is not None
        reply = texts.queue_empty(
            area, changes.remaining, referrals.remaining, actor.language, skipped=after is not None
        )
        await send(update, reply)
        return
    item = found.item
    chat = update.effective_chat
    assert chat is not None
    if item.photo_file_id:
        with contextlib.suppress(TelegramError):  # a photo Telegram no longer has must not block the review
            await chat.send_photo(photo=item.photo_file_id, caption=texts.photo_caption(item.head_name, actor.language))
    if item.latitude is not None and item.longitude is not None:
        with contextlib.suppress(TelegramError):
            await chat.send_location(latitude=item.latitude, longitude=item.longitude)
    await chat.send_message(
        **texts.review_card(found, report, actor.language, str(context.services.tz), full_ids=actor.is_admin)
    )


async def show_next_change(update: Update, context: AppContext, actor: Actor, after: int | None = None) -> None:
    async with context.db() as session:
        found = await queue.next_change(session, actor, actor.area_code, after)
    await send(
        update,
        texts.change_card(found, actor.language, str(context.services.tz), full_ids=actor.is_admin)
        if found.item
        else texts.changes_empty(actor.language),
    )


async def show_next_referral(update: Update, context: AppContext, actor: Actor, after: int | None = None) -> None:
    async with context.db() as session:
        found = await queue.next_referral(session, actor, actor.area_code, after)
    reply = (
        texts.referral_card(found, actor.language, str(context.services.tz))
        if found.item
        else texts.referrals_empty(actor.language)
    )
    await send(update, reply)


@require(*SUPERVISORS)
async def tinjau(update: Update, context: AppContext, actor: Actor) -> None:
    what = (context.args or [""])[0].lower()
    if what.startswith("perubahan"):
        await show_next_change(update, context, actor)
    elif what.startswith("rujukan"):
        await show_next_referral(update, context, actor)
    else:
        await show_next_report(update, context, actor)


@button(*SUPERVISORS)
async def on_report(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:tj:ok|rt|sk|x:<visit>`` and ``sv:tj:sc:<visit>:<section>``."""
    data = callback_data(update)
    pressed = ReviewButton.unpack(data)
    chosen = ReviewSectionButton.unpack(data)
    if pressed is None and chosen is None:
        await send(update, render.not_found_or_out_of_scope(actor.language))
        return
    action = pressed.action if pressed else "sc"
    visit_id = pressed.visit_id if pressed else chosen.visit_id if chosen else ""
    try:
        if action == "ok":
            async with context.db() as session:
                outcomes = await review.approve_visit(session, actor, visit_id, context.now())
                report = await load_report(session, actor, visit_id)
            await send(update, texts.approved(report.head_name if report else "", outcomes, actor.language))
            await show_next_report(update, context, actor)
        elif action == "rt":
            async with context.db() as session:
                report = await load_report(session, actor, visit_id)
            if report is None:
                raise ReviewError("not_found")
            await send(update, texts.ask_section(visit_id, report.head_name, actor.language))
        elif chosen is not None and (chosen.section in SECTIONS or chosen.section == "semua"):
            section = None if chosen.section == "semua" else chosen.section
            async with context.db() as session:
                await review.begin_return_note(session, actor, visit_id, section, context.now())
                report = await load_report(session, actor, visit_id)
            assert report is not None  # begin_return_note found it through the same scope
            await send(update, texts.ask_note(report.head_name, report.pendamping_name, section, actor.language))
        elif action == "x":
            async with context.db() as session:
                await review.clear_return_note(session, actor, context.now(), done=False)
            await send(update, texts.note_cancelled(actor.language))
        elif action == "sk":
            await show_next_report(update, context, actor, after=visit_id)
        else:
            await send(update, render.not_found_or_out_of_scope(actor.language))
    except ReviewError as error:
        await send(update, texts.problem(error.code, actor.language))


async def take_note(update: Update, context: AppContext) -> None:
    """Group -2: a text message that is the note of a pending "kembalikan" is consumed here, nothing else is."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not message.text:
        return
    async with context.db() as session:
        pending = await review.pending_return_note(session, user.id, context.now())
    if pending is None:
        return
    actor = await current_actor(update, context)
    if actor is None or not actor.active or not actor.is_supervisor:
        return
    note = message.text.strip()[:1000]
    try:
        async with context.db() as session:
            returned = await review.return_visit(session, actor, pending.visit_id, pending.section, note, context.now())
            notice = texts.returned_notice(
                returned.head_name, returned.period, returned.section, note, actor.name, returned.pendamping_language
            )
            await review.notify_returned(session, returned, notice, context.now())
            await review.clear_return_note(session, actor, context.now())
    except ReviewError as error:
        async with context.db() as session:
            await review.clear_return_note(session, actor, context.now(), done=False)
        await send(update, texts.problem(error.code, actor.language))
        raise ApplicationHandlerStop from None
    reply = texts.returned(returned.head_name, returned.pendamping_name, returned.section, note, actor.language)
    await send(update, reply)
    await show_next_report(update, context, actor)
    raise ApplicationHandlerStop


@button(*SUPERVISORS)
async def on_change(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:dc:ok|no|nx:<change id>`` (``nx:0`` starts the queue)."""
    pressed = ChangeButton.unpack(callback_data(update))
    if pressed is None:
        await send(update, render.not_found_or_out_of_scope(actor.language))
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
        await send(update, texts.problem(error.code, actor.language))
        return
    await send(update, texts.change_decided(outcome, approve, actor.language))
    await show_next_change(update, context, actor, after=change_id)


@button(*SUPERVISORS)
async def on_referral(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:rj:ok|nx:<referral id>``"""
    pressed = ReferralButton.unpack(callback_data(update))
    if pressed is None:
        await send(update, render.not_found_or_out_of_scope(actor.language))
        return
    referral_id = pressed.referral_id
    if pressed.action == "nx":
        await show_next_referral(update, context, actor, after=referral_id or None)
        return
    try:
        async with context.db() as session:
            head = await review.close_referral(session, actor, referral_id, context.now())
    except ReviewError as error:
        await send(update, texts.problem(error.code, actor.language))
        return
    await send(update, texts.referral_closed(head, actor.language))
    await show_next_referral(update, context, actor, after=referral_id)


HANDLERS: HandlerList = [
    CommandHandler("tinjau", tinjau),
    CallbackQueryHandler(on_report, pattern=ReviewButton.pattern()),
    CallbackQueryHandler(on_change, pattern=ChangeButton.pattern()),
    CallbackQueryHandler(on_referral, pattern=ReferralButton.pattern()),
]
NOTE_HANDLERS: HandlerList = [MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, take_note)]
