"""Texts and keyboards of the form engine itself: any question, stale buttons, cancel, resume, bad input.

A question's own words come from its form (the step's prompt and option msgids); this module lays them out:
inline buttons carrying ``f:<session>:<version>:<value>``, the location request keyboard, the grid of toggles,
the review screen's buttons, and the precise message for an answer that does not fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove

from handlers.forms.engine import CANCEL, DROP, KEEP, RESUME, UNDO, Question, callback
from handlers.forms.grid import Grid, decode
from handlers.forms.steps import (
    SKIP,
    Choice,
    Custom,
    DateStep,
    Invalid,
    LocationStep,
    Option,
    PhotoStep,
    Review,
    TextStep,
)
from handlers.i18n import N_, translator
from handlers.i18n.format import long_date, number
from handlers.render import Reply, buttons, reply
from handlers.render.limits import quote

# Generic problems; any other ``Invalid.code`` is itself a msgid written by the form (with the same params).
PROBLEMS = {
    "date_format": N_(
        "“{text}” bukan tanggal yang bisa saya baca. Tulis dengan format HH-BB-TTTT, misalnya {example}."
    ),
    "date_missing": N_("Tanggal {text} tidak ada di kalender. Tulis dengan format HH-BB-TTTT, misalnya {example}."),
    "date_future": N_("Tanggal {date} belum terjadi. Tanggal paling akhir yang bisa dipakai: {latest}."),
    "date_too_early": N_("Tanggal {date} terlalu awal. Tanggal paling awal yang bisa dipakai: {earliest}."),
    "text_short": N_("Jawaban terlalu pendek; tulis paling sedikit {min} huruf."),
    "text_long": N_("Jawaban terlalu panjang ({length} huruf); paling banyak {max} huruf."),
    "message": "{message}",  # a problem already written for people (models.validate), shown as is
}

HINTS = {
    "choice": N_("Untuk pertanyaan ini, pilih salah satu tombol di bawah."),
    "grid": N_("Untuk pertanyaan ini, ketuk tombol di bawah lalu tekan “Lanjut”."),
    "date": N_("Tulis tanggal dengan format HH-BB-TTTT, atau pilih tombol di bawah."),
    "text": N_("Untuk pertanyaan ini, tulis jawabannya sebagai pesan."),
    "photo": N_("Untuk pertanyaan ini, kirim foto (ikon 📎 lalu Kamera/Galeri)."),
    "location": N_("Untuk pertanyaan ini, tekan tombol “📍 Kirim lokasi” di bawah."),
    "review": N_("Periksa ringkasan di bawah, lalu tekan “Kirim laporan” atau ubah bagian yang keliru."),
    "custom": N_("Pilih salah satu tombol di bawah."),
}


def problem_text(problem: Invalid, lang: str) -> str:
    _ = translator(lang)
    template = _(PROBLEMS.get(problem.code, problem.code))
    params: dict[str, Any] = {"example": "05-11-2026"}
    for key, value in problem.params.items():
        if isinstance(value, date):
            params[key] = long_date(value, lang)
        elif key == "text":  # what the person typed is echoed back: a long paste must not push the reply past 4096
            params[key] = quote(str(value))
        else:
            params[key] = escape(str(value))
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


def _label(option: Option, lang: str) -> str:
    text = translator(lang)(option.label)
    return f"{option.icon} {text}".strip()


def question(
    q: Question,
    short_id: str,
    version: int,
    lang: str,
    *,
    problem: Invalid | None = None,
    hint: bool = False,
    editing: bool = False,
) -> Reply:
    """Any question of any form, with its buttons bound to this session and version."""
    _ = translator(lang)
    step = q.step
    lines: list[str] = []
    if problem is not None:
        lines.append("⚠️ " + problem_text(problem, lang))
    elif hint:
        lines.append("ℹ️ " + _(HINTS.get(step.kind, HINTS["choice"])))
    lines.append(step.prompt(q.scope))
    if isinstance(step, Grid) and (item := step.picking(q.scope)) is not None:
        lines.append(_("<b>{item}</b>: pilih salah satu.").format(item=_(item.label)))
    rows = choices(q, lang, editing=editing)
    if isinstance(step, LocationStep):
        share = [KeyboardButton(_(step.share_label or N_("📍 Kirim lokasi")), request_location=True)]
        keyboard = [share, *([KeyboardButton(label) for label, _value in row] for row in rows)]
        return reply("\n\n".join(lines), ReplyKeyboardMarkup(keyboard, resize_keyboard=True, one_time_keyboard=True))
    bound = [[(label, callback(short_id, version, value)) for label, value in row] for row in rows]
    return reply("\n\n".join(lines), buttons(bound) if bound else None)


def choices(q: Question, lang: str, *, editing: bool = False) -> list[list[tuple[str, str]]]:
    """The question's buttons as rows of (label, value): inline buttons carry the value in their data; a location
    question's reply-keyboard buttons send their label as text (``typed_value`` maps it back)."""
    _ = translator(lang)
    step, scope = q.step, q.scope
    rows: list[list[tuple[str, str]]] = []
    if isinstance(step, Choice):
        options = step.options_for(scope)
        for start in range(0, len(options), step.columns):
            rows.append([(_label(o, lang), o.value) for o in options[start : start + step.columns]])
    elif isinstance(step, DateStep):
        rows.append([(_label(o, lang), o.value) for o in step.quick(scope)])
    elif isinstance(step, TextStep):
        if step.skippable:  # skipping while changing an answer clears it: the button says so
            clears = editing and step.clear_label and scope.saved(q.key)
            rows.append([(_(step.clear_label if clears else step.skip_label or N_("Lewati")), SKIP)])
    elif isinstance(step, Grid):
        rows.extend(_grid_rows(step, q, lang))
    elif isinstance(step, PhotoStep):
        if step.can_skip(scope):
            rows.extend(_skip_rows(step.skip_reasons, step.skip_label, lang))
    elif isinstance(step, LocationStep):
        rows.extend(_skip_rows(step.skip_reasons, step.skip_label, lang))
    elif isinstance(step, Review):
        labels = [(f"✏️ {_(step.labels[s])}", f"e:{s}") for s in step.sections_for(scope) if s in step.labels]
        rows.extend(labels[i : i + 2] for i in range(0, len(labels), 2))
        rows.append([(_(step.submit_label or N_("✅ Kirim")), "kirim")])
    elif isinstance(step, Custom):
        rows.extend([(_label(o, lang), o.value) for o in row] for row in step.buttons(scope))
    if editing and not isinstance(step, (Review, LocationStep)):
        rows.append([(_("↩ Batal ubah"), UNDO)])
    return [row for row in rows if row]


def _skip_rows(reasons: Sequence[Option], label: str, lang: str) -> list[list[tuple[str, str]]]:
    """One "skip" button, or one per reason (``skip:<reason>``): skipped and why in one tap."""
    if reasons:
        return [[(_label(o, lang), f"{SKIP}:{o.value}")] for o in reasons]
    return [[(translator(lang)(label or N_("Lewati")), SKIP)]]


# Typed words people use for a yes/no button ("iya" for "Ya"); compared after ``_plain``.
ALIASES = {"iya": "ya", "y": "ya", "yes": "ya", "tdk": "tidak", "nggak": "tidak", "gak": "tidak", "enggak": "tidak"}


def _plain(text: str) -> str:
    """A label or a typed answer without case, icons or punctuation: "✅ Semua memenuhi" → "semua memenuhi"."""
    kept = "".join(char if char.isalnum() else " " for char in text.casefold())
    return " ".join(kept.split())


def typed_value(q: Question, lang: str, text: str, *, editing: bool = False) -> str | None:
    """The value of the button whose label the person typed instead of tapping ("kemarin", "ya", "Lanjut"),
    in their language or in Indonesian; None when the text is no button's label. A household in the picker is
    found by its search, not here (its buttons depend on the list shown)."""
    if isinstance(q.step, Custom):
        return None
    typed = _plain(text)
    typed = ALIASES.get(typed, typed)
    if not typed:
        return None
    for language in dict.fromkeys((lang, "id")):
        for row in choices(q, language, editing=editing):
            for label, value in row:
                if _plain(label) == typed:
                    return value
    return None


def _grid_rows(step: Grid, q: Question, lang: str) -> list[list[tuple[str, str]]]:
    _ = translator(lang)
    picking = step.picking(q.scope)
    state = step.state(q.scope)
    if picking is not None:  # the open item's short list, on the same message
        current = state.get(picking.code)
        rows = [
            [(("✅ " if decode(o.value) == current else "") + _(o.label), f"v:{index}")]
            for index, o in enumerate(picking.options)
        ]
        rows.append([(_("– (kosongkan)"), "v:-"), (_("↩ Kembali"), "back")])
        return rows
    rows = []
    for index, item in enumerate(step.items):
        value = state.get(item.code)
        chosen = next((o for o in item.options if decode(o.value) == value and value is not None), None)
        if item.options and all(o.icon for o in item.options):
            icon = chosen.icon if chosen else "⬜"
            text = f"{icon} {_(item.label)}"
        else:
            text = f"{_(item.label)}: {_(chosen.label) if chosen else '–'}"
        rows.append([(text, f"g:{index}")])
    if step.fill_value is not None:
        rows.append([(_(step.fill_label), "fill")])
    footer = []
    if any(state.get(item.code) is not None for item in step.items):
        footer.append((_("🗑 Kosongkan"), "clear"))
    footer.append((_("Lanjut ➜"), "ok"))
    rows.append(footer)
    return rows


def stale(lang: str) -> str:
    _ = translator(lang)
    return _("Tombol ini sudah tidak berlaku.")


def gone(lang: str, status: str | None) -> str:
    _ = translator(lang)
    if status == "submitted":
        return _("Laporan ini sudah terkirim.")
    if status == "cancelled":
        return _("Laporan ini sudah dibatalkan.")
    return _("Tombol ini sudah tidak berlaku.")


def notice(text: str) -> Reply:
    return reply(escape(text))


def received(lang: str, markup: ReplyKeyboardRemove) -> Reply:
    _ = translator(lang)
    return reply(_("✓ Diterima."), markup)


def cancelled(lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        _("Laporan dibatalkan. Jawaban yang sudah diisi dihapus. Ketik /lapor untuk mulai lagi."), ReplyKeyboardRemove()
    )


def nothing_to_cancel(lang: str) -> Reply:
    _ = translator(lang)
    return reply(_("Tidak ada laporan yang sedang diisi."))


def confirm_cancel(lang: str, short_id: str, version: int) -> Reply:
    _ = translator(lang)
    return reply(
        _("Batalkan laporan yang sedang diisi? Semua jawaban di dalamnya akan dihapus."),
        buttons(
            [
                [
                    (_("Ya, batalkan"), callback(short_id, version, CANCEL)),
                    (_("Tidak, lanjutkan"), callback(short_id, version, KEEP)),
                ]
            ]
        ),
    )


def resume_offer(lang: str, short_id: str, version: int, about: str, answered: int, drop_arg: str = "") -> Reply:
    """/lapor while a draft is open: carry on with it, or throw it away (and start what was asked for)."""
    _ = translator(lang)
    text = _("Anda masih punya draf laporan: <b>{about}</b> ({count} jawaban tersimpan).").format(
        about=escape(about), count=number(answered, lang)
    )
    drop = DROP + (f":{drop_arg}" if drop_arg else "")
    return reply(
        text,
        buttons(
            [
                [
                    (_("▶ Lanjutkan draf"), callback(short_id, version, RESUME)),
                    (_("🗑 Buang"), callback(short_id, version, drop)),
                ]
            ]
        ),
    )
