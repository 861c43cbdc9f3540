"""/penyaluran [wilayah] [periode]: the period close in the chat (issue 21).

A koordinator opens their area's disbursement list — by default the latest closed period — and sees the counts
per verdict, then pages through the suspension recommendations (confirm, or override with a reason) and the
unverified households, and signs the list once nothing is undecided. An admin without an area gets the province
board: who has signed, the totals, and the export as XLSX. One message per screen, edited in place like /tinjau.

Opening a kabupaten/kota's list brings its stored verdicts up to date first (``models.period_board``): the
close is idempotent, so this needs no admin step and a late report approved since counts until the signature.
The reason for an override or an adjustment is the person's next text message (``handlers.supervisor.answers``),
read in its own handler group ahead of /tinjau's note (a pending one of either kind is dropped when the other is
asked for).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
import uuid

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers import render
from handlers.access import require
from handlers.callbacks_supervisor import (
    PayoutCancelButton,
    PayoutDecisionButton,
    PayoutExportButton,
    PayoutSignButton,
    PayoutViewButton,
)
from handlers.context import AppContext
from handlers.render import penyaluran as texts
from handlers.render import supervisor_files as files
from handlers.render.period_close import list_texts
from handlers.screen import show
from handlers.supervisor.answers import answers, question_handler
from handlers.supervisor.common import (
    SUPERVISORS,
    BadPeriod,
    area_in_scope,
    button,
    callback_data,
    resolve_target,
    send_workbook,
)
from handlers.supervisor.common import split_period as split
from handlers.types import HandlerList
from models import period_board, period_close, review
from models.actor import Actor
from models.period import Period
from models.period_close import PeriodCloseError
from models.period_export import write_list
from models.queries import period_board as lists
from models.queries.regions import Area
from models.tables import Verdict
from models.validate import plain_words

log = logging.getLogger(__name__)


def _tz(context: AppContext) -> str:
    return str(context.services.tz)


async def show_board(update: Update, context: AppContext, actor: Actor, area: Area, period: Period, *,
                     notice: str | None = None, edit: bool = True) -> None:  # fmt: skip
    """The area's list (its kabupaten/kota's verdicts refreshed first), or the province board."""
    lang = actor.language
    try:
        async with context.db() as session:
            await period_board.refresh_area(session, actor, area.code, period, context.services.calendar, context.now())
    except PeriodCloseError as error:
        if error.code == "not_closed":
            async with context.read_db() as session:
                opens = await period_board.closes_on(session, period, context.services.calendar)
            await show(update, texts.not_closed(period, opens, lang), edit=edit)
        else:
            await show(update, texts.failed(error.code, error.detail, lang), edit=edit)
        return
    if period_board.kabupaten_of(area.code) is None:
        async with context.read_db() as session:
            areas = await lists.province_board(session, period)
        await show(update, texts.province(period, areas, lang, _tz(context)), edit=edit)
        return
    async with context.read_db() as session:
        found = await lists.area_board(session, actor, area.code, period)
    can_sign = period_close.may_sign(actor, area.code)
    payload = texts.board(
        area, period, found, lang, _tz(context), can_sign=can_sign, admin=actor.is_admin, notice=notice
    )
    await show(update, payload, edit=edit)


async def show_list(update: Update, context: AppContext, actor: Actor, area: Area, period: Period, view: str,
                    page: int, *, notice: str | None = None, edit: bool = True) -> None:  # fmt: skip
    """A page of the recommendations (``r``) or of the unverified households (``u``)."""
    kabupaten = period_board.kabupaten_of(area.code)
    if kabupaten is None:  # the province has no list of its own: its kabupaten/kota do
        await show_board(update, context, actor, area, period, notice=notice, edit=edit)
        return
    async with context.read_db() as session:
        found = await (lists.recommendations if view == "r" else lists.unverified)(
            session, actor, area.code, period, page
        )
        signed = await period_close.is_signed(session, kabupaten, period)
    render_list = texts.recommendations if view == "r" else texts.unverified
    payload = render_list(area, period, found, actor.language, _tz(context), signed=signed, notice=notice)
    await show(update, payload, edit=edit)


@require(*SUPERVISORS)
async def penyaluran(update: Update, context: AppContext, actor: Actor) -> None:
    """``/penyaluran [wilayah] [periode]`` — the latest closed period unless one is named."""
    words = [w for w in (context.args or []) if w][:8]
    today = context.local_now().date()
    async with context.db() as session:
        await period_board.clear_reason(session, actor, context.now(), done=False)
        latest = await period_board.latest_closed(session, context.services.calendar, today)
    with contextlib.suppress(BadPeriod):  # resolve_target words a bad period itself
        if split(words, today)[0] is None:
            words.append(str(latest))
    target = await resolve_target(
        update,
        context,
        actor,
        words,
        choice=lambda code, period: PayoutViewButton(code, period),
        example="/penyaluran lebak 2026-10",
    )
    if target is not None:
        await show_board(update, context, actor, target.area, target.period, edit=False)


async def _decide(update: Update, context: AppContext, actor: Actor, pressed: PayoutDecisionButton) -> None:
    area = await area_in_scope(update, context, actor, pressed.area)
    if area is None:
        return
    async with context.db() as session:
        item = await lists.listed_one(session, actor, pressed.verdict_id)
    if item is None:
        await show(update, render.not_found_or_out_of_scope(actor.language), edit=False)
        return
    period = Period.parse(item.period)
    if pressed.action == "ok":
        async with context.db() as session:
            await period_close.decide(session, actor, pressed.verdict_id, confirm=True, reason=None, now=context.now())
        notice = texts.confirmed(item.head_name, actor.language)
        await show_list(update, context, actor, area, period, pressed.view, pressed.page, notice=notice)
        return
    action: period_board.ReasonAction = "override" if pressed.action == "no" else "adjust"
    async with context.db() as session:
        signed = await period_close.is_signed(session, item.desa_code[:5], period)
    if action == "override" and signed:
        raise PeriodCloseError("signed")
    if action == "adjust" and not signed:
        raise PeriodCloseError("not_signed")
    async with context.db() as session:
        await review.clear_return_note(session, actor, context.now(), done=False)
        await period_board.begin_reason(
            session, actor, action, pressed.verdict_id, area.code, pressed.page, context.now()
        )
    await show(update, texts.ask_reason(item, action, area.code, pressed.view, pressed.page, actor.language))


async def _sign(update: Update, context: AppContext, actor: Actor, pressed: PayoutSignButton) -> None:
    area = await area_in_scope(update, context, actor, pressed.area)
    if area is None:
        return
    if not period_close.may_sign(actor, area.code):
        raise PeriodCloseError("not_allowed")
    if pressed.step == "ask":
        async with context.db() as session:
            await period_board.refresh_area(session, actor, area.code, pressed.period, context.services.calendar,
                                            context.now())  # fmt: skip
            found = await lists.area_board(session, actor, area.code, pressed.period)
        if found.signed_at is not None or found.undecided or not found.total:
            code = "already_signed" if found.signed_at else "undecided" if found.undecided else "not_closed"
            notice = texts.failed(code, "", actor.language)["text"]
            await show_board(update, context, actor, area, pressed.period, notice=notice)
            return
        await show(update, texts.ask_sign(area, pressed.period, found, actor.language))
        return
    async with context.db() as session:
        await period_close.sign(session, actor, area.code, pressed.period, context.now())
    await show_board(update, context, actor, area, pressed.period, notice=texts.signed(actor.language))


@button(*SUPERVISORS)
async def tapped(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:py:v|d|x|s|e:…`` — every area in button data is checked against the presser's scope again."""
    data = callback_data(update)
    try:
        if (viewed := PayoutViewButton.unpack(data)) is not None:
            area = await area_in_scope(update, context, actor, viewed.area)
            if area is not None:
                async with context.db() as session:
                    await period_board.clear_reason(session, actor, context.now(), done=False)
                if viewed.view == "a":
                    await show_board(update, context, actor, area, viewed.period)
                else:
                    await show_list(update, context, actor, area, viewed.period, viewed.view, viewed.page)
        elif (decided := PayoutDecisionButton.unpack(data)) is not None:
            await _decide(update, context, actor, decided)
        elif (cancelled := PayoutCancelButton.unpack(data)) is not None:
            area = await area_in_scope(update, context, actor, cancelled.area)
            if area is not None:
                async with context.db() as session:
                    await period_board.clear_reason(session, actor, context.now(), done=False)
                await show_list(update, context, actor, area, cancelled.period, cancelled.view, cancelled.page)
        elif (signing := PayoutSignButton.unpack(data)) is not None:
            await _sign(update, context, actor, signing)
        elif (export := PayoutExportButton.unpack(data)) is not None:
            await _export(update, context, actor, export)
        else:
            await show(update, render.not_found_or_out_of_scope(actor.language), edit=False)
    except PeriodCloseError as error:
        await show(update, texts.failed(error.code, error.detail, actor.language), edit=False)


@answers(period_board.pending_reason)
async def take_reason(
    update: Update, context: AppContext, actor: Actor, pending: period_board.PendingReason, text: str
) -> None:
    """Group -4, ahead of /tinjau's note: the awaited reason for an override or an adjustment."""
    reason = " ".join(text.split())
    refused = (
        "short" if len(reason) < period_board.REASON_MIN
        else "long" if len(reason) > period_board.REASON_MAX
        else None if plain_words(reason) else "plain"
    )  # fmt: skip
    if refused is not None:
        await show(update, texts.reason_refused(refused, actor.language), edit=False)
        return
    try:
        async with context.db() as session:
            if pending.action == "override":
                row = await period_close.decide(session, actor, pending.verdict_id, confirm=False, reason=reason,
                                                now=context.now())  # fmt: skip
                period, view, after = Period.parse(row.period), "r", None
            else:
                adjustment = await period_close.adjust(session, actor, pending.verdict_id, reason=reason,
                                                       now=context.now())  # fmt: skip
                period, after = Period.parse(adjustment.period), adjustment.verdict_after.value
                view = "u" if adjustment.verdict_before is Verdict.UNVERIFIED else "r"
            item = await lists.listed_one(session, actor, pending.verdict_id)
            await period_board.clear_reason(session, actor, context.now())
    except PeriodCloseError as error:
        async with context.db() as session:
            await period_board.clear_reason(session, actor, context.now(), done=False)
        await show(update, texts.failed(error.code, error.detail, actor.language), edit=False)
        return
    head = item.head_name if item else ""
    notice = texts.overridden(head, actor.language) if after is None else texts.adjusted(head, after, actor.language)
    area = await area_in_scope(update, context, actor, pending.area_code)
    if area is not None:
        await show_list(update, context, actor, area, period, view, pending.page, notice=notice, edit=False)


async def _export(update: Update, context: AppContext, actor: Actor, pressed: PayoutExportButton) -> None:
    """The province's list as XLSX (admins only): "sedang disiapkan", then the file from a background task."""
    if not actor.is_admin:
        raise PeriodCloseError("not_allowed")
    include_unsigned = pressed.which == "all"
    async with context.read_db() as session:
        areas = await lists.province_board(session, pressed.period)
    if not any(a.closed and (include_unsigned or a.signed_at) for a in areas):
        await show(update, texts.export_nothing(pressed.period, actor.language), edit=False)
        return
    chat = update.effective_chat
    assert chat is not None
    await show(update, texts.export_preparing(actor.language), edit=False)
    context.application.create_task(
        _build_and_send(context, chat.id, actor, pressed.period, include_unsigned),
        update=update,
        name=f"penyaluran-{chat.id}",
    )


async def _build_and_send(
    context: AppContext, chat_id: int, actor: Actor, period: Period, include_unsigned: bool
) -> None:
    lang = actor.language
    path = os.path.join(tempfile.gettempdir(), f"jsika_penyaluran_{period}_{uuid.uuid4().hex}.xlsx")
    try:
        words = list_texts(lang, period, context.now(), context.services.tz, include_unsigned)
        async with context.read_db() as session:
            made = await write_list(session, period, path, include_unsigned=include_unsigned,
                                    tz=context.services.tz, texts=words)  # fmt: skip
        await send_workbook(
            context,
            chat_id,
            path,
            made.size,
            filename=f"jsika_penyaluran_{period}.xlsx",
            caption=texts.export_caption(period, made.rows, made.unsigned, include_unsigned, lang),
            lang=lang,
        )
    except Exception:
        log.exception("disbursement list export of %s failed", period)
        with contextlib.suppress(Exception):
            await context.bot.send_message(chat_id, **files.export_failed(lang))
    finally:
        with contextlib.suppress(OSError):
            await asyncio.to_thread(os.remove, path)


HANDLERS: HandlerList = [
    CommandHandler("penyaluran", penyaluran),
    CallbackQueryHandler(tapped, pattern=r"^sv:py:"),
]
REASON_HANDLERS: HandlerList = [question_handler(take_reason)]
