"""/ekspor [jenis] [wilayah] [periode]: an XLSX file for Dinas Sosial, sent as a document.

Small files are built and sent at once. Larger ones get a "sedang disiapkan" message and are built in a
background task (rows streamed from the database, the workbook written in a worker thread), so the person can
keep using the bot; the file follows when ready. A file over Telegram's 50 MB is not sent; the person is told
to pick a smaller area.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers import render
from handlers.access import require
from handlers.callbacks_supervisor import ExportButton
from handlers.context import AppContext
from handlers.render import supervisor_files as files
from handlers.supervisor.common import (
    SUPERVISORS,
    area_in_scope,
    button,
    callback_data,
    current_period,
    resolve_target,
    send,
    send_workbook,
)
from handlers.types import HandlerList
from models import export
from models.actor import Actor
from models.period import Period
from models.queries import summary
from models.queries.regions import Area

log = logging.getLogger(__name__)

INLINE_MAX_ROWS = 5_000  # above this the file is built in the background
KINDS = {k.value: k for k in export.ExportKind}


async def build_and_send(context: AppContext, chat_id: int, actor: Actor, kind: export.ExportKind, area: Area,
                         period: Period, rows: int) -> None:  # fmt: skip
    lang = actor.language
    path = None
    try:
        async with context.read_db() as session:  # minutes of reading must not hold the writers' connection
            result = await summary.area_summary(session, actor, area, period, context.services.tz)
            titles, lines = files.export_summary(kind.value, result, rows, context.now(), lang)
            made = await export.build_export(
                session,
                actor,
                kind,
                area.code,
                period,
                tz=context.services.tz,
                labels=files.export_labels(lang),
                texts=files.export_values(lang),
                sheet_titles=titles,
                summary=lines,
            )
        path = made.path
        await send_workbook(
            context,
            chat_id,
            path,
            made.size,
            filename=f"jsika_{kind.value}_{area.code}_{period}.xlsx",
            caption=files.export_caption(kind.value, area, period, made.rows, lang),
            lang=lang,
        )
    except Exception:
        log.exception("export %s of %s %s failed", kind.value, area.code, period)
        with contextlib.suppress(Exception):
            await context.bot.send_message(chat_id, **files.export_failed(lang))
    finally:
        if path is not None:
            with contextlib.suppress(OSError):
                await asyncio.to_thread(os.remove, path)


async def start(update: Update, context: AppContext, actor: Actor, kind: export.ExportKind, area: Area,
                period: Period) -> None:  # fmt: skip
    async with context.db() as session:
        rows = await export.count_rows(session, actor, kind, area.code, period, context.services.tz)
    if rows == 0:
        await send(update, files.export_empty(kind.value, area, period, actor.language))
        return
    chat = update.effective_chat
    assert chat is not None
    if rows <= INLINE_MAX_ROWS:
        await build_and_send(context, chat.id, actor, kind, area, period, rows)
        return
    await send(update, files.export_preparing(kind.value, rows, actor.language))
    context.application.create_task(
        build_and_send(context, chat.id, actor, kind, area, period, rows), update=update, name=f"ekspor-{chat.id}"
    )


@require(*SUPERVISORS)
async def ekspor(update: Update, context: AppContext, actor: Actor) -> None:
    words = list(context.args or [])
    kind = KINDS.get(words[0].lower()) if words else None
    if kind is not None:
        words = words[1:]
    target = await resolve_target(
        update,
        context,
        actor,
        words,
        choice=lambda code, period: ExportButton(kind.value if kind else "menu", code, period),
        example="/ekspor kunjungan lebak 2026-10",
    )
    if target is None:
        return
    if kind is None:
        await send(update, files.export_menu(target.area, target.period, actor.language))
        return
    await start(update, context, actor, kind, target.area, target.period)


@button(*SUPERVISORS)
async def tapped(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:ek:<kind|menu>:<area>:<period>``"""
    pressed = ExportButton.unpack(callback_data(update))
    if (
        pressed is None
        or pressed.period > current_period(context)
        or (pressed.kind not in KINDS and pressed.kind != "menu")
    ):
        await send(update, render.not_found_or_out_of_scope(actor.language))
        return
    area = await area_in_scope(update, context, actor, pressed.area)
    if area is None:
        return
    if pressed.kind == "menu":
        await send(update, files.export_menu(area, pressed.period, actor.language))
        return
    await start(update, context, actor, KINDS[pressed.kind], area, pressed.period)


HANDLERS: HandlerList = [
    CommandHandler("ekspor", ekspor),
    CallbackQueryHandler(tapped, pattern=ExportButton.pattern()),
]
