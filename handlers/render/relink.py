"""Texts when a roster entry moves to another Telegram account: to the newcomer, the old account and the admins.

Phone numbers are recycled; these messages make a move visible to the people who can undo it.
"""

from __future__ import annotations

from html import escape

from handlers.callbacks import RelinkButton
from handlers.i18n import translator
from handlers.render import ROLE_NAMES, Reply, buttons, reply, with_names
from models.actor import Actor


def pending(lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        _(
            "Nomor ini sudah terhubung ke akun Telegram lain. Untuk peran koordinator dan admin, admin wilayah "
            "harus mengonfirmasi pindah akun lebih dulu; Anda akan diberi tahu di sini."
        )
    )


def old_account_moved(person: Actor) -> Reply:
    _ = translator(person.language)
    return reply(
        _(
            "Data petugas <b>{name}</b> baru saja dihubungkan ke akun Telegram lain, sehingga akun ini tidak lagi "
            "terhubung. Bila bukan Anda yang melakukannya, segera hubungi admin Jamsosratu."
        ).format(name=escape(person.name))
    )


def old_account_asked(person: Actor) -> Reply:
    _ = translator(person.language)
    return reply(
        _(
            "Akun Telegram lain meminta dihubungkan ke data petugas <b>{name}</b> (nomor yang sama). Admin akan "
            "memeriksanya. Bila bukan Anda yang meminta, segera hubungi admin Jamsosratu."
        ).format(name=escape(person.name))
    )


def admin_moved(admin: Actor, person: Actor, area: str, new_telegram_id: int) -> Reply:
    _ = translator(admin.language)
    return reply(
        _(
            "Data petugas <b>{name}</b> ({role}, {area}) dihubungkan ke akun Telegram baru (ID {telegram_id}); "
            "akun lamanya sudah diberi tahu. Nomor HP bisa berpindah tangan: bila tidak semestinya, "
            "nonaktifkan dengan /nonaktifkan."
        ).format(
            name=escape(person.name), role=_(ROLE_NAMES[person.role]), area=escape(area), telegram_id=new_telegram_id
        )
    )


def admin_request(admin: Actor, person: Actor, area: str, new_telegram_id: int) -> Reply:
    _ = translator(admin.language)
    text = with_names(
        _(
            "Akun Telegram baru (ID {telegram_id}) membagikan nomor <b>{name}</b> ({role}, {area}) dan meminta "
            "dihubungkan. Setujui hanya bila Anda yakin nomor itu masih milik {name}."
        ),
        name=escape(person.name),
        role=_(ROLE_NAMES[person.role]),
        area=escape(area),
        telegram_id=str(new_telegram_id),
    )
    return reply(text, buttons([[(_("Setujui pindah akun"), RelinkButton(person.id, str(new_telegram_id)).pack())]]))


def confirmed(admin: Actor, person: Actor) -> Reply:
    _ = translator(admin.language)
    return reply(_("Akun Telegram baru {name} sudah dihubungkan.").format(name=escape(person.name)))


def nothing_to_confirm(lang: str) -> Reply:
    _ = translator(lang)
    return reply(_("Tidak ada permintaan pindah akun yang bisa Anda setujui (sudah diproses atau kedaluwarsa)."))
