"""Admin commands in the chat: /undang (invite code) and /nonaktifkan (deactivate a person)."""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.ext import CommandHandler

from handlers import render
from handlers.access import answer, require
from handlers.context import AppContext
from handlers.types import HandlerList
from models import users
from models.actor import Actor
from models.regions import RegionCodeError, normalize_region_code
from models.tables import Role

ROLE_WORDS = {"pendamping": Role.PENDAMPING, "koordinator": Role.KOORDINATOR, "admin": Role.ADMIN}


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


@require(Role.ADMIN)
async def undang(update: Update, context: AppContext, actor: Actor) -> None:
    """/undang <peran> <wilayah> [nama …]"""
    args = context.args or []
    if len(args) < 2 or args[0].lower() not in ROLE_WORDS:
        await answer(update, render.usage(actor.language, "/undang pendamping|koordinator|admin <kode wilayah> [nama]"))
        return
    role, area, name = ROLE_WORDS[args[0].lower()], args[1], " ".join(args[2:]) or None
    try:
        async with context.db() as session:
            code = await users.create_invite(
                session, role=role, area=area, name=name, created_by=actor.id, now=context.now()
            )
            area_code = normalize_region_code(area)
            area_name = await users.area_name(session, area_code)
    except (users.UserError, RegionCodeError) as error:
        await answer(update, render.problem(str(error)))
        return
    expires: date = (context.now() + users.INVITE_TTL).astimezone(context.services.tz).date()
    link = invite_link(context.bot.username, code)
    await answer(update, render.invite_created(actor.language, code, link, role, area_name, expires))


@require(Role.ADMIN)
async def nonaktifkan(update: Update, context: AppContext, actor: Actor) -> None:
    """/nonaktifkan <telepon>"""
    args = context.args or []
    if not args:
        await answer(update, render.usage(actor.language, "/nonaktifkan <nomor telepon>"))
        return
    who = " ".join(args)
    async with context.db() as session:
        user = await users.find_user(session, who)
        if user is not None:
            await users.set_active(session, user, False, by=str(actor.id))
            name = user.name
    if user is None:
        await answer(update, render.user_not_found(actor.language, who))
        return
    await answer(update, render.user_deactivated(actor.language, name))


HANDLERS: HandlerList = [CommandHandler("undang", undang), CommandHandler("nonaktifkan", nonaktifkan)]
