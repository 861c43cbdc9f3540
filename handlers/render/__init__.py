"""Every text and keyboard a person reads (a handler is a translator, nothing more: docs/design.md).

This package is the one place for them: shared helpers and registration texts here, one module per feature
beside it (``render.report``, ``render.supervisor`` …).

Functions take plain data and a language and return ``Reply`` — keyword arguments for ``reply_text`` /
``send_message`` / ``edit_message_text``. Message ids are the Indonesian texts (see ``handlers/i18n``); user data
is HTML-escaped because replies use HTML parse mode.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import ParseMode

from handlers.callbacks import HouseholdButton, LanguageButton
from handlers.commands import Command
from handlers.i18n import N_, translator
from handlers.i18n.format import long_date, short_date
from handlers.render import data_repair, report_labels
from handlers.render.limits import quote
from models.actor import Actor
from models.masking import mask_nik, mask_number
from models.queries.households import HouseholdCard, HouseholdHit
from models.rules import age_in_years
from models.tables import Role

Reply = dict[str, Any]

ROLE_NAMES = {Role.PENDAMPING: N_("pendamping"), Role.KOORDINATOR: N_("koordinator"), Role.ADMIN: N_("admin provinsi")}


def with_names(template: str, **values: str) -> str:
    """``template.format(**values)`` without the template's full stop right after a value that already ends in
    one: "Terima kasih, Budi Santoso, S.Sos.." reads "…, S.Sos." (names and titles often end in a dot)."""
    for key, value in values.items():
        if value.endswith("."):
            template = template.replace("{" + key + "}.", "{" + key + "}")
    return template.format(**values)


def reply(text: str, markup: Any = None) -> Reply:
    out: Reply = {"text": text, "parse_mode": ParseMode.HTML}
    if markup is not None:
        out["reply_markup"] = markup
    return out


def mask_id(number: str) -> str:
    """A KK: ``3601234567890001`` → ``3601********0001`` (the rule lives in ``models/masking.py``)."""
    return str(mask_number(number))


def show_nik(nik: str, full_ids: bool) -> str:
    """A NIK as this reader may see it: whole for an admin, else ``3601************`` (no birth date, no serial)."""
    return nik if full_ids else str(mask_nik(nik))


ID_KEYS = frozenset({"nik"})  # data-change values holding a NIK (a birth, someone moving in)


# The visit form's order of a change's values (``handlers/report/convert.py``); other keys follow as stored.
VALUE_ORDER = {
    key: n
    for n, key in enumerate(
        ("nama", "hubungan", "jenis_kelamin", "tanggal_lahir", "tanggal", "nik", "telepon", "alamat", "hpl", "jenjang")
    )
}


RELATION_KEY = "hubungan"  # a move-in's relationship to the head (``models.tables.Relation``'s word)


def change_values(values: Mapping[str, Any], full_ids: bool, lang: str = "id") -> dict[str, Any]:
    """A proposed data change's values for display: its NIK masked unless the reader may see it whole, its dates
    (stored ISO, ``2026-11-10``) the way people write them (``10 Nov 2026``), a newcomer's relationship to the
    head in the reader's words ("istri" / "wife"); in the form's order whatever the database kept (PostgreSQL's
    JSONB sorts keys its own way), so both databases show "nama, hubungan, nik" alike."""
    ordered = sorted(values.items(), key=lambda kv: VALUE_ORDER.get(kv[0], len(VALUE_ORDER)))
    return {
        k: show_nik(str(v), full_ids) if k in ID_KEYS and v
        else relation_word(str(v), lang) if k == RELATION_KEY and v
        else _readable_date(v, lang)
        for k, v in ordered
    }  # fmt: skip


def relation_word(value: str, lang: str) -> str:
    """ "orang tua" → "orang tua" / "parent": the registry's word as the reader's language says it in a sentence."""
    label = report_labels.RELATION_LABELS.get(value)
    return report_labels.inline(translator(lang)(label)) if label else value


def _readable_date(value: Any, lang: str) -> Any:
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return short_date(date.fromisoformat(value), lang)
        except ValueError:
            return value
    return value


def with_rows(payload: Reply, rows: Sequence[Sequence[InlineKeyboardButton]]) -> Reply:
    """``payload`` with ``rows`` of buttons put above its own inline keyboard (a screen shared by several roles,
    each adding what it may do)."""
    markup = payload.get("reply_markup")
    own = list(markup.inline_keyboard) if isinstance(markup, InlineKeyboardMarkup) else []
    return {**payload, "reply_markup": InlineKeyboardMarkup([*map(list, rows), *own])}


def buttons(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


# --- registration -------------------------------------------------------------------------------------------


def _contact_keyboard(lang: str) -> ReplyKeyboardMarkup:
    _ = translator(lang)
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_("📱 Bagikan nomor telepon saya"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def ask_contact(lang: str, first_name: str) -> Reply:
    _ = translator(lang)
    keyboard = _contact_keyboard(lang)
    text = _(
        "Selamat datang di <b>JSiKa Bot</b>, {name}.\n\n"
        "Untuk memastikan Anda pendamping atau koordinator Jamsosratu, tekan tombol di bawah untuk membagikan "
        "nomor telepon Anda. Nomor itu dicocokkan dengan daftar petugas Dinas Sosial.\n\n"
        "Punya kode undangan? Kirim: <code>/start KODE</code>"
    )
    text = with_names(text, name=escape(first_name))
    return reply(text, keyboard)


def welcome(actor: Actor, area_name: str, commands: Sequence[Command], *, again: bool = False) -> Reply:
    _ = translator(actor.language)
    head = _("Halo lagi, {name}!") if again else _("Terima kasih, {name}. Akun Anda sudah terhubung.")
    role = _(ROLE_NAMES[actor.role])
    lines = [
        with_names(head, name=escape(actor.name)),
        _("Peran: <b>{role}</b> — wilayah <b>{area}</b>.").format(role=role, area=escape(area_name)),
        "",
        _("Yang bisa Anda lakukan:"),
        *command_lines(commands, actor.language),
    ]
    return reply("\n".join(lines), ReplyKeyboardRemove())


def command_lines(commands: Sequence[Command], lang: str) -> list[str]:
    _ = translator(lang)
    return [f"/{command.name} — {escape(_(command.help))}" for command in commands]


def help_text(actor: Actor | None, commands: Sequence[Command], lang: str) -> Reply:
    _ = translator(lang)
    if actor is None:
        intro = _("Anda belum terdaftar. Ketik /start lalu bagikan nomor telepon Anda, atau pakai kode undangan.")
    else:
        intro = _("Perintah untuk {role}:").format(role=_(ROLE_NAMES[actor.role]))
    return reply("\n".join([intro, "", *command_lines(commands, lang)]))


def not_on_roster(lang: str, contact: str = "") -> Reply:
    """Said once a day (``models/strangers.py``): whom to contact, and how to come back — never "ketik /start"."""
    _ = translator(lang)
    if contact:
        whom = _("Untuk didaftarkan, hubungi {contact}.").format(contact=escape(contact))
    else:
        whom = _(
            "Untuk didaftarkan, hubungi koordinator Jamsosratu di Dinas Sosial kabupaten/kota Anda dan minta nomor "
            "Anda dimasukkan ke daftar petugas JSiKa."
        )
    lines = [
        _("Maaf, nomor Anda belum terdaftar sebagai petugas JSiKa."),
        whom,
        _(
            "Setelah nomor Anda didaftarkan, tekan lagi tombol “📱 Bagikan nomor telepon saya”. Jika Anda diberi "
            "kode undangan, kirim: <code>/start KODE</code>. Sampai saat itu pesan lain ke bot ini tidak dibalas."
        ),
    ]
    return reply("\n".join(lines), _contact_keyboard(lang))


def foreign_contact(lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        _(
            "Yang dibagikan harus nomor Anda sendiri, bukan kontak orang lain. Tekan tombol “Bagikan nomor telepon saya”."
        )
    )


def deactivated(lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        _("Akun Anda sedang dinonaktifkan. Jika ini keliru, hubungi koordinator atau admin Dinas Sosial."),
        ReplyKeyboardRemove(),
    )


def throttled(lang: str) -> Reply:
    _ = translator(lang)
    return reply(_("Terlalu banyak percobaan yang gagal. Silakan coba lagi 15 menit lagi."))


def invite_refused(lang: str, reason: str) -> Reply:
    _ = translator(lang)
    texts = {
        "invalid_code": _("Kode undangan tidak dikenal. Periksa lagi kodenya, atau minta kode baru ke admin."),
        "expired_code": _("Kode undangan ini sudah kedaluwarsa. Minta kode baru ke admin."),
        "used_code": _("Kode undangan ini sudah dipakai. Setiap kode hanya berlaku sekali; minta kode baru ke admin."),
    }
    return reply(texts[reason])


def must_register(lang: str) -> Reply:
    _ = translator(lang)
    return reply(_("Anda belum terdaftar. Ketik /start untuk mendaftar."))


def not_allowed(lang: str) -> Reply:
    _ = translator(lang)
    return reply(_("Perintah ini tidak tersedia untuk peran Anda. Ketik /bantuan untuk melihat perintah Anda."))


def unknown_command(lang: str) -> Reply:
    _ = translator(lang)
    return reply(_("Perintah itu tidak dikenal. Ketik /bantuan untuk melihat perintah yang tersedia."))


def free_text_hint(actor: Actor | None, lang: str) -> Reply:
    _ = translator(lang)
    if actor is None:
        return reply(_("Halo! Ketik /start untuk mendaftar sebagai petugas JSiKa."))
    return reply(_("Saya belum paham pesan itu. Ketik /kpm NAMA untuk mencari keluarga, atau /bantuan."))


# --- language -----------------------------------------------------------------------------------------------


def choose_language(lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        _("Pilih bahasa / Choose your language:"),
        buttons([[("🇮🇩 Bahasa Indonesia", LanguageButton("id").pack()), ("🇬🇧 English", LanguageButton("en").pack())]]),
    )


def language_set(lang: str) -> Reply:
    _ = translator(lang)
    return reply(_("Bahasa diganti ke Bahasa Indonesia."))


# --- admin --------------------------------------------------------------------------------------------------


def invite_created(lang: str, code: str, link: str, role: Role, area_name: str, expires: date) -> Reply:
    _ = translator(lang)
    return reply(
        _(
            "Kode undangan untuk <b>{role}</b> wilayah <b>{area}</b>:\n<code>{code}</code>\n\n"
            "Tautan: {link}\nBerlaku sekali, sampai {expires}."
        ).format(
            role=_(ROLE_NAMES[role]), area=escape(area_name), code=code, link=link, expires=long_date(expires, lang)
        )
    )


def usage(lang: str, text: str) -> Reply:
    _ = translator(lang)
    return reply(_("Cara pakai: {usage}").format(usage=escape(text)))


def problem(message: str) -> Reply:
    """A domain error whose message is already written for people."""
    return reply(escape(message))


def user_deactivated(lang: str, name: str) -> Reply:
    _ = translator(lang)
    return reply(_("{name} sudah dinonaktifkan.").format(name=escape(name)))


def user_not_found(lang: str, who: str) -> Reply:
    _ = translator(lang)
    return reply(_("Pengguna {who} tidak ditemukan.").format(who=escape(who)))


# --- households ---------------------------------------------------------------------------------------------


def household_card(card: HouseholdCard, lang: str, today: date, *, full_ids: bool = False) -> Reply:
    _ = translator(lang)
    show = (lambda n: n) if full_ids else mask_id
    lines = [
        f"🏠 <b>{escape(card.head_name)}</b> — {escape(card.programme)}",
        _("KK {kk} · {desa}").format(kk=show(card.kk), desa=escape(card.desa_name)),
        escape(card.address),
    ]
    if card.pendamping_name:
        lines.append(_("Pendamping: {name}").format(name=escape(card.pendamping_name)))
    if card.missing:
        lines.extend(["", *data_repair.card_lines(card.missing, lang)])
    lines.append("")
    for member in card.members:
        details = [_(member.relation), _("{age} th").format(age=age_in_years(member.birth_date, today))]
        if member.school_level:
            details.append(member.school_level)
        if member.pregnancy_edd:
            details.append(_("hamil, HPL {date}").format(date=short_date(member.pregnancy_edd, lang)))
        if member.severe_disability:
            details.append(_("disabilitas berat"))
        lines.append(f"• {escape(member.name)} ({', '.join(details)}) — NIK {show_nik(member.nik, full_ids)}")
    return reply("\n".join(lines))


def household_hits(hits: Sequence[HouseholdHit], lang: str, query: str) -> Reply:
    _ = translator(lang)
    if not hits:
        return reply(_("Tidak ada keluarga dampingan yang cocok dengan “{q}”.").format(q=quote(query)))
    rows = []
    for hit in hits:
        label = f"{hit.head_name} · {hit.desa_name}"
        if hit.matched_member:
            label = f"{hit.matched_member} ({hit.head_name}) · {hit.desa_name}"
        rows.append([(label[:60], HouseholdButton(hit.id).pack())])
    return reply(_("Hasil pencarian “{q}”:").format(q=quote(query)), buttons(rows))


def search_prompt(lang: str) -> Reply:
    _ = translator(lang)
    return reply(_("Tulis nama, NIK atau nomor KK yang dicari, misalnya: /kpm Siti"))


def not_found_or_out_of_scope(lang: str) -> Reply:
    _ = translator(lang)
    return reply(_("Data itu tidak ditemukan atau di luar wilayah Anda."))


def sorry(lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        _(
            "Maaf, terjadi gangguan saat memproses pesan Anda. Jawaban Anda sebelumnya tetap tersimpan; silakan coba lagi."
        )
    )


def too_slow(lang: str) -> Reply:
    """The update's time limit cut its handling off (``bot/inbox_worker.py``): the chat moves on."""
    _ = translator(lang)
    return reply(
        _(
            "Maaf, pesan Anda terlalu lama diproses dan dihentikan. Jawaban Anda sebelumnya tetap tersimpan; "
            "silakan coba lagi sebentar lagi."
        )
    )
