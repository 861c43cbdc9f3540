"""/tinjau: the review queue of reports, one message per report edited in place as the koordinator moves on —
setujui / kembalikan with a note / lewati, each proposed data change accepted or rejected on the card itself —
and ``/tinjau <nomor laporan>`` for one report. The data-change and referral queues (``review_queues``) are a
button away on every card, or ``/tinjau perubahan`` / ``/tinjau rujukan``.

After a decision the next card is the one after the decided report, so the position holds ("2 dari 77" after
"2 dari 78"). Every screen goes through ``handlers.screen``, which waits out Telegram's flood limit, so a
koordinator pressing fast gets every card whole, a moment later.

"Kembalikan" asks which section and then waits for the note as the person's next text message. That wait is a
row in ``form_session`` (``models.review.begin_return_note``), so a restart or a second bot process in between
loses nothing. The note is picked up by a handler in group -2 (``handlers.supervisor.answers``, shared with
/penyaluran's reason), ahead of every other text handler, which stops the update there when it took it and lets
it through untouched otherwise.
"""

from __future__ import annotations

import contextlib
import re
from datetime import time

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers import render
from handlers.access import require
from handlers.callbacks_supervisor import ReviewButton, ReviewChangeButton, ReviewSectionButton
from handlers.context import AppContext
from handlers.render import review_card as cards
from handlers.render import supervisor_review as texts
from handlers.screen import patiently, show
from handlers.supervisor import review_queues
from handlers.supervisor.answers import answers, question_handler
from handlers.supervisor.common import SUPERVISORS, button, callback_data
from handlers.types import HandlerList
from models import period_board, review
from models.actor import Actor
from models.queries import review as queue
from models.queries.regions import get_area
from models.queries.visits import load_report
from models.review import ReviewError

SECTIONS = set(review.SECTIONS)
REPORT_NUMBER = re.compile(r"^[0-9A-Za-z]{8}(?:[0-9A-Za-z]{24})?$")  # the short number, or a whole visit id


def _quiet_end(context: AppContext) -> time | None:
    """The end of the quiet hours when a decision made now waits for it, else None."""
    calendar = context.services.calendar
    return calendar.quiet_end if calendar.in_quiet_hours(context.now()) else None


async def card_for(
    context: AppContext, actor: Actor, found: queue.Next[queue.QueuedVisit], notice: str | None = None
) -> render.Reply | None:
    """The card of ``found`` (None when the report is gone or out of scope)."""
    item = found.item
    if item is None:
        return None
    async with context.db() as session:
        report = await load_report(session, actor, item.visit_id)
        changes = await queue.visit_changes(session, item.visit_id)
        others = await queue.other_queues(session, actor, actor.area_code)
    if report is None:
        return None
    tz = str(context.services.tz)
    return cards.review_card(found, report, changes, others, actor.language, tz, full_ids=actor.is_admin, notice=notice)


async def show_next_report(
    update: Update,
    context: AppContext,
    actor: Actor,
    after: str | None = None,
    *,
    key: queue.QueueKey | None = None,
    notice: str | None = None,
    edit: bool = True,
) -> None:
    """The next report in the queue (after ``after``, or after ``key`` once a report is decided), or what else
    waits when none does."""
    async with context.db() as session:
        found = await queue.next_visit(session, actor, actor.area_code, after, key=key)
    payload = await card_for(context, actor, found, notice)
    if payload is None:
        async with context.db() as session:
            others = await queue.other_queues(session, actor, actor.area_code)
            area = await get_area(session, actor.area_code)
        assert area is not None
        skipped = found.remaining > 0  # reports still wait, before this one (skipped earlier)
        payload = cards.queue_empty(area, others, actor.language, skipped=skipped, notice=notice)
    await show(update, payload, edit=edit)


async def show_report(
    update: Update, context: AppContext, actor: Actor, visit_id: str, *, notice: str | None = None, edit: bool = True
) -> None:
    """One report's card, whatever its status; its queue position when it waits."""
    async with context.db() as session:
        found = await queue.visit_item(session, actor, actor.area_code, visit_id)
    payload = await card_for(context, actor, found, notice)
    await show(update, payload or render.not_found_or_out_of_scope(actor.language), edit=edit)


async def open_number(update: Update, context: AppContext, actor: Actor, given: str) -> None:
    """``/tinjau 3F2A9C01``: the report with that number, if the koordinator may see it."""
    if not REPORT_NUMBER.match(given):
        await show(update, cards.bad_number(given, actor.language), edit=False)
        return
    async with context.db() as session:
        found = await queue.visits_numbered(session, actor, given)
    if not found:
        await show(update, cards.number_not_found(given, actor.language), edit=False)
    elif len(found) == 1:
        await show_report(update, context, actor, found[0], edit=False)
    else:
        await show(update, cards.number_choice(found, actor.language), edit=False)


@require(*SUPERVISORS)
async def tinjau(update: Update, context: AppContext, actor: Actor) -> None:
    """``/tinjau [nomor | perubahan | rujukan]``"""
    given = (context.args or [""])[0]
    what = given.lower()
    if what.startswith("perubahan"):
        await review_queues.show_next_change(update, context, actor, edit=False)
    elif what.startswith("rujukan"):
        await review_queues.show_next_referral(update, context, actor, edit=False)
    elif given:
        await open_number(update, context, actor, given)
    else:
        await show_next_report(update, context, actor, edit=False)


async def _approve(update: Update, context: AppContext, actor: Actor, visit_id: str) -> None:
    async with context.db() as session:
        key = await queue.queue_key(session, visit_id)
        done = await review.approve_visit(session, actor, visit_id, context.now())
        notice = cards.approved_notice(done.head_name, done.period, actor.name, done.pendamping_language)
        await review.notify_pendamping(session, done, "review_approved", notice, context.now())
    line = cards.approved(done, actor.language, _quiet_end(context))
    await show_next_report(update, context, actor, key=key, notice=line)


async def _send_photo(update: Update, context: AppContext, actor: Actor, visit_id: str) -> None:
    """ "📷 Lihat foto": the visit's photo, sent only when asked for."""
    async with context.db() as session:
        found = await queue.visit_item(session, actor, actor.area_code, visit_id)
    item, chat = found.item, update.effective_chat
    if item is None or chat is None:
        await show(update, render.not_found_or_out_of_scope(actor.language), edit=False)
        return
    photo = item.photo_file_id
    if not photo:
        return
    caption = cards.photo_caption(item.head_name, actor.language)
    message = update.callback_query.message if update.callback_query else None
    with contextlib.suppress(TelegramError):  # a photo Telegram no longer has must not block the review
        await patiently(
            lambda: chat.send_photo(
                photo=photo,
                caption=caption,
                parse_mode="HTML",
                reply_to_message_id=message.message_id if message else None,
            )
        )


@button(*SUPERVISORS)
async def on_report(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:tj:<action>:<visit>`` and ``sv:tj:sc:<visit>:<section>``."""
    data = callback_data(update)
    pressed = ReviewButton.unpack(data)
    chosen = ReviewSectionButton.unpack(data)
    if pressed is None and chosen is None:
        await show(update, render.not_found_or_out_of_scope(actor.language), edit=False)
        return
    action = pressed.action if pressed else "sc"
    visit_id = pressed.visit_id if pressed else chosen.visit_id if chosen else ""
    try:
        if action == "ok":
            await _approve(update, context, actor, visit_id)
        elif action == "rt":
            async with context.db() as session:
                report = await load_report(session, actor, visit_id)
            if report is None:
                raise ReviewError("not_found")
            await show(update, cards.ask_section(visit_id, report.head_name, actor.language))
        elif chosen is not None and (chosen.section in SECTIONS or chosen.section == "semua"):
            section = None if chosen.section == "semua" else chosen.section
            async with context.db() as session:
                await period_board.clear_reason(session, actor, context.now(), done=False)  # one awaited text
                await review.begin_return_note(session, actor, visit_id, section, context.now())
                report = await load_report(session, actor, visit_id)
            assert report is not None  # begin_return_note found it through the same scope
            reply = cards.ask_note(visit_id, report.head_name, report.pendamping_name, section, actor.language)
            await show(update, reply)
        elif action == "x":
            async with context.db() as session:
                await review.clear_return_note(session, actor, context.now(), done=False)
            if visit_id == "-":
                await show(update, cards.note_cancelled(actor.language))
            else:
                await show_report(update, context, actor, visit_id)
        elif action == "sk":
            await show_next_report(update, context, actor, after=visit_id)
        elif action == "ft":
            await _send_photo(update, context, actor, visit_id)
        elif action == "op":
            await show_report(update, context, actor, visit_id)
        elif action == "nx":
            await show_next_report(update, context, actor)
        else:
            await show(update, render.not_found_or_out_of_scope(actor.language), edit=False)
    except ReviewError as error:
        await show(update, texts.problem(error.code, actor.language), edit=False)


@button(*SUPERVISORS)
async def on_card_change(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:tj:dc:ok|no:<change>``: one data change decided on its report's card, which is shown again."""
    pressed = ReviewChangeButton.unpack(callback_data(update))
    if pressed is None:
        await show(update, render.not_found_or_out_of_scope(actor.language), edit=False)
        return
    approve = pressed.action == "ok"
    try:
        async with context.db() as session:
            outcome = await review.decide_change(session, actor, pressed.change_id, approve, context.now())
    except ReviewError as error:
        await show(update, texts.problem(error.code, actor.language), edit=False)
        return
    notice = cards.change_decided(outcome, approve, actor.language)
    if outcome.visit_id is None:
        await show(update, render.reply(notice))
    else:
        await show_report(update, context, actor, outcome.visit_id, notice=notice)


@answers(review.pending_return_note)
async def take_note(update: Update, context: AppContext, actor: Actor, pending: review.PendingNote, text: str) -> None:
    """Group -2: the note of a pending "kembalikan"."""
    note = text.strip()[:1000]
    try:
        async with context.db() as session:
            key = await queue.queue_key(session, pending.visit_id)
            returned = await review.return_visit(session, actor, pending.visit_id, pending.section, note, context.now())
            notice = cards.returned_notice(
                returned.head_name, returned.period, returned.section, note, actor.name, returned.pendamping_language
            )
            await review.notify_pendamping(session, returned, "review_returned", notice, context.now())
            await review.clear_return_note(session, actor, context.now())
    except ReviewError as error:
        async with context.db() as session:
            await review.clear_return_note(session, actor, context.now(), done=False)
        await show(update, texts.problem(error.code, actor.language), edit=False)
        return
    line = cards.returned(
        returned.head_name, returned.pendamping_name, returned.section, note, actor.language, _quiet_end(context)
    )
    await show_next_report(update, context, actor, key=key, notice=line, edit=False)


HANDLERS: HandlerList = [
    CommandHandler("tinjau", tinjau),
    CallbackQueryHandler(on_card_change, pattern=ReviewChangeButton.pattern()),
    CallbackQueryHandler(on_report, pattern=ReviewButton.pattern()),
    *review_queues.HANDLERS,
]
NOTE_HANDLERS: HandlerList = [question_handler(take_note)]
