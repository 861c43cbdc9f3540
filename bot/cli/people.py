"""``jsika user …`` and ``jsika invite …``: the roster from the command line."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import typer

from bot.cli.common import JsikaTyper, console, fail, run_with_db, settings

if TYPE_CHECKING:
    from models.db import Database

user_app = JsikaTyper(help="Pengguna (petugas) / users.", no_args_is_help=True)
invite_app = JsikaTyper(help="Kode undangan / invite codes.", no_args_is_help=True)


class Role(enum.StrEnum):
    """The roles ``--role`` accepts: ``models.tables.Role``'s values, spelled here so that loading the command
    does not load SQLAlchemy (a test keeps the two equal)."""

    PENDAMPING = "pendamping"
    KOORDINATOR = "koordinator"
    ADMIN = "admin"


@user_app.command("add")
def user_add(
    name: str = typer.Option(..., "--name", help="Nama lengkap"),
    phone: str = typer.Option(..., "--phone", help="Nomor telepon (08…, +62…)"),
    role: Role = typer.Option(..., "--role", help="pendamping | koordinator | admin"),
    area: str = typer.Option(..., "--area", help="Kode wilayah, mis. 36.02 atau 36.02.05"),
) -> None:
    """Tambah atau perbarui satu petugas di roster."""
    from models import tables, users
    from models.regions import RegionCodeError

    async def work(db: Database) -> str:
        async with db.session() as session:
            user = await users.add_user(session, name=name, phone=phone, role=tables.Role(role.value), area=area)
            return f"{user.name} ({user.role.value}, {user.area_code}, {user.phone})"

    try:
        console.print(f"Tersimpan: {run_with_db(work)}")
    except (users.UserError, RegionCodeError) as error:
        raise fail(str(error)) from None


@user_app.command("deactivate")
def user_deactivate(who: str = typer.Argument(..., help="Nomor telepon atau id pengguna")) -> None:
    """Nonaktifkan petugas: bot menolaknya dengan sopan sampai diaktifkan lagi."""
    _set_active(who, False)


@user_app.command("activate")
def user_activate(who: str = typer.Argument(..., help="Nomor telepon atau id pengguna")) -> None:
    """Aktifkan kembali petugas yang pernah dinonaktifkan."""
    _set_active(who, True)


def _set_active(who: str, active: bool) -> None:
    from models import users

    async def work(db: Database) -> str | None:
        async with db.session() as session:
            user = await users.find_user(session, who)
            if user is None:
                return None
            await users.set_active(session, user, active, by="cli")
            return user.name

    name = run_with_db(work)
    if name is None:
        raise fail(f"Pengguna {who} tidak ditemukan.")
    console.print(f"{name}: {'aktif' if active else 'nonaktif'}.")


@invite_app.command("create")
def invite_create(
    role: Role = typer.Option(..., "--role", help="pendamping | koordinator | admin"),
    area: str = typer.Option(..., "--area", help="Kode wilayah, mis. 36.02"),
    name: str | None = typer.Option(None, "--name", help="Nama orang yang diundang"),
    days: int = typer.Option(7, "--days", min=1, max=90, help="Masa berlaku (hari)"),
) -> None:
    """Buat kode undangan sekali pakai dan tautan t.me untuk bot."""
    from datetime import UTC, datetime, timedelta

    from models import tables, users
    from models.regions import RegionCodeError

    async def work(db: Database) -> str:
        async with db.session() as session:
            return await users.create_invite(
                session,
                role=tables.Role(role.value),
                area=area,
                name=name,
                now=datetime.now(UTC),
                ttl=timedelta(days=days),
            )

    try:
        code = run_with_db(work)
    except (users.UserError, RegionCodeError) as error:
        raise fail(str(error)) from None
    username = settings().bot_username
    console.print(f"Kode: [bold]{code}[/]  (berlaku {days} hari, sekali pakai)")
    console.print(f"Tautan: https://t.me/{username}?start={code}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(invite_app, name="invite")
