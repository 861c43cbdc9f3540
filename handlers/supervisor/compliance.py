"""/kepatuhan [wilayah] [periode]: members not meeting commitments by type and escalation level; a list per type."""

from __future__ import annotations

from functools import cache

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers import render
from handlers.access import require
from handlers.callbacks_supervisor import ComplianceButton, ComplianceMembersButton
from handlers.context import AppContext
from handlers.render import supervisor as texts
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
from models.actor import Actor
from models.period import Period
from models.queries import compliance
from models.queries.regions import Area
from models.queries.summary import commitment_labels
from models.rules import shipped_programmes


@cache
def commitment_codes() -> tuple[str, ...]:
    """Every commitment code of the shipped programmes, in a fixed order: buttons carry the index (64-byte limit)."""
    codes: list[str] = []
    for programme in sorted(shipped_programmes().values(), key=lambda p: p.code):
        codes += [rule.code for rule in programme.commitments if rule.code not in codes]
    return tuple(codes)


async def overview(update: Update, context: AppContext, actor: Actor, area: Area, period: Period) -> None:
    async with context.read_db() as session:
        gaps = await compliance.gaps_by_commitment(session, actor, area.code, period)
    await send(update, texts.compliance(gaps, area, period, commitment_codes(), actor.language))


@require(*SUPERVISORS)
async def kepatuhan(update: Update, context: AppContext, actor: Actor) -> None:
    target = await resolve_target(
        update,
        context,
        actor,
        list(context.args or []),
        choice=ComplianceButton,
        example="/kepatuhan lebak 2026-10",
    )
    if target is not None:
        await overview(update, context, actor, target.area, target.period)


@button(*SUPERVISORS)
async def tapped(update: Update, context: AppContext, actor: Actor) -> None:
    """``sv:kp:<area>:<period>`` (overview) or ``sv:kp:<area>:<period>:<commitment index>:<page>`` (members)."""
    data = callback_data(update)
    pressed = ComplianceButton.unpack(data) or ComplianceMembersButton.unpack(data)
    if pressed is None or pressed.period > current_period(context):
        await send(update, render.not_found_or_out_of_scope(actor.language))
        return
    period = pressed.period
    area = await area_in_scope(update, context, actor, pressed.area)
    if area is None:
        return
    if isinstance(pressed, ComplianceButton):
        await overview(update, context, actor, area, period)
        return
    index, page = pressed.index, pressed.page
    codes = commitment_codes()
    if index >= len(codes):
        await send(update, render.not_found_or_out_of_scope(actor.language))
        return
    code = codes[index]
    async with context.read_db() as session:
        members, total = await compliance.gap_members(session, actor, area.code, period, code, page)
    label_id, label_en = commitment_labels(code)
    label = label_en if actor.language == "en" else label_id
    reply = texts.compliance_members(
        members, total, label, area, period, index, page, compliance.PAGE_SIZE, actor.language
    )
    await send(update, reply)


HANDLERS: HandlerList = [
    CommandHandler("kepatuhan", kepatuhan),
    CallbackQueryHandler(tapped, pattern=ComplianceButton.pattern()),
]
