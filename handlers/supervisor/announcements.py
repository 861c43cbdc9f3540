"""/umumkan <wilayah> <teks> (admin): preview, then one outbox message per pendamping of the area, and a count of
delivered / failed on request. The draft between preview and "kirim" is kept in the database."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers import render
from handlers.access import require
from handlers.callbacks_supervisor import AnnouncementAreaButton, AnnouncementButton, AnnouncementStatusButton
from handlers.context import AppContext
from handlers.render import supervisor
from handlers.render import supervisor_review as texts
from handlers.supervisor.common import area_in_scope, button, callback_data, send
from handlers.types import HandlerList
from models import announcements
from models.actor import Actor
from models.announcements import AnnouncementError
from models.queries.regions import Area, LookupOutcome, resolve_area
from models.tables import Role

PROVINCE_WORDS = {"banten", "semua", "provinsi"}


@require(Role.ADMIN)
async def umumkan(update: Update, context: AppContext, actor: Actor) -> None:
    message = update.effective_message
    raw = (message.text or "") if message else ""
    body = raw.split(maxsplit=1)[1] if len(raw.split(maxsplit=1)) == 2 else ""
    where, _, text = body.strip().partition(" ")
    if not where or not text.strip():
        await send(update, texts.announce_usage(actor.language))
        return
    async with context.db() as session:
        lookup = await resolve_area(session, actor, "" if where.lower() in PROVINCE_WORDS else where)
    if lookup.outcome is LookupOutcome.CHOICE:
        # Keep the text while the admin picks the area; the choice button completes the draft.
        try:
            async with context.db() as session:
                await announcements.save_draft(session, actor, actor.area_code, text, context.now())
        except AnnouncementError as error:
            await send(update, texts.problem(error.code, actor.language))
            return
        data = [AnnouncementAreaButton(a.code).pack() for a in lookup.choices]
        await send(update, supervisor.area_choice(actor.language, where, lookup.choices, data))
        return
    if lookup.outcome is not LookupOutcome.FOUND or lookup.area is None:
        if lookup.outcome is LookupOutcome.OUT_OF_SCOPE:
            await send(update, supervisor.area_out_of_scope(actor.language, where))
        else:
            await send(update, supervisor.area_not_found(actor.language, where, "/umumkan lebak …"))
        return
    await preview(update, context, actor, lookup.area, text)


async def preview(update: Update, context: AppContext, actor: Actor, area: Area, text: str) -> None:
    try:
        async with context.db() as session:
            draft = await announcements.save_draft(session, actor, area.code, text, context.now())
            people = await announcements.recipients(session, actor, area.code)
    except AnnouncementError as error:
        await send(update, texts.problem(error.code, actor.language))
        return
    if not people:
        await send(update, texts.problem("no_recipients", actor.language))
        return
    message = texts.announcement_message(draft.text, actor.name, actor.language)
    await send(update, texts.announcement_preview(area, len(people), message, actor.language))


@button(Role.ADMIN)
async def tapped(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:um:ok`` (send the draft), ``sv:um:x`` (drop it), ``sv:um:st:<id>`` (delivery count)."""
    data = callback_data(update)
    pressed = AnnouncementButton.unpack(data)
    try:
        if pressed is not None and pressed.action == "ok":
            now = context.now()
            async with context.db() as session:
                draft = await announcements.take_draft(session, actor, now)
                html = texts.announcement_message(draft.text, actor.name, "id")
                announcement, queued = await announcements.publish(session, actor, draft, html, now)
            await send(update, texts.announcement_queued(announcement.id, queued, actor.language))
        elif pressed is not None and pressed.action == "x":
            async with context.db() as session:
                await announcements.discard_draft(session, actor, context.now())
            await send(update, texts.announcement_cancelled(actor.language))
        elif (status := AnnouncementStatusButton.unpack(data)) is not None:
            async with context.db() as session:
                counts = await announcements.delivery_counts(session, actor, status.announcement_id)
            await send(update, texts.announcement_status(status.announcement_id, counts, actor.language))
        elif (chosen := AnnouncementAreaButton.unpack(data)) is not None:
            area = await area_in_scope(update, context, actor, chosen.area)
            if area is not None:
                async with context.db() as session:
                    waiting = await announcements.peek_draft(session, actor, context.now())
                await preview(update, context, actor, area, waiting.text)
        else:
            await send(update, render.not_found_or_out_of_scope(actor.language))
    except AnnouncementError as error:
        await send(update, texts.problem(error.code, actor.language))


HANDLERS: HandlerList = [
    CommandHandler("umumkan", umumkan),
    CallbackQueryHandler(tapped, pattern=AnnouncementButton.pattern()),
]
