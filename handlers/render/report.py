"""Texts of the visit report (/lapor): questions, option labels, the picker. The review screen, the confirmation
and the read-only report live in ``render.report_summary``.

Prompts take the form engine's ``Scope`` (answers, the report context, the language) and return HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from handlers.forms import Scope
from handlers.i18n import N_, translator
from handlers.render import data_repair, mask_id, schedule
from handlers.render.limits import quote
from handlers.render.report_labels import (  # noqa: F401 - re-exported: the form reads them as texts.*
    ALL_MET,
    AS_IS,
    CHANGE_KIND_LABELS,
    CLEAR_NOTES,
    CONDITION_LABELS,
    CONDITION_VALUE_LABELS,
    DATE_BEFORE_PERIOD,
    DATE_IN_FUTURE,
    EDD_NOT_FUTURE,
    EDD_TOO_FAR,
    FEMALE,
    LOCATION_SKIP_BUTTONS,
    LOCATION_SKIP_LABELS,
    MALE,
    MISSED_LABELS,
    NEXT,
    NO,
    NOT_MET_LABELS,
    ONE_BY_ONE,
    PHOTO_SKIP_BUTTONS,
    PHOTO_SKIP_LABELS,
    PREVIOUS,
    REASON_NOT_PLAIN,
    REFERRAL_STOP_LABELS,
    RELATION_LABELS,
    RELATION_NOT_HEAD,
    RELATION_UNKNOWN,
    REST_NO,
    RESULT_LABELS,
    SCHOOL_LABELS,
    SECTOR_LABELS,
    SHARE_LOCATION,
    SHOW_LIST,
    STOP_LABELS,
    SUBMIT,
    TODAY,
    WELFARE_LABELS,
    WHOLE_FAMILY,
    YES,
    YESTERDAY,
)
from handlers.render.report_summary import SECTION_LABELS, month_name, review  # noqa: F401 - re-exported
from handlers.report_context import ctx_of
from models.queries.households import HouseholdHit
from models.queries.worklist import WorkItem
from models.visit_facts import CommitmentItem


def _household(scope: Scope) -> str:
    facts = ctx_of(scope).facts
    return f"🏠 <b>{escape(facts.head_name)}</b> · {escape(facts.desa_name)}\n" if facts else ""


# A question whose text is fixed is data: its msgid, translated into the asker's language when asked.
Prompt = Callable[[Scope], str]


def fixed(message: str, *, household: bool = False) -> Prompt:
    """The prompt ``message`` (an ``N_`` msgid), headed by the household's name when ``household``."""

    def prompt(scope: Scope) -> str:
        text = translator(scope.lang)(message)
        return _household(scope) + text if household else text

    return prompt


def first_or_more(first: str, more: str) -> Prompt:
    """One text for the first item of a repeated group ("Ada perubahan?"), another for the next ones."""

    def prompt(scope: Scope) -> str:
        return translator(scope.lang)(first if scope.item == 1 else more)

    return prompt


def birth_or_other(birth: str, other: str) -> Prompt:
    """One text when the change being recorded is a birth, another for the other kinds."""

    def prompt(scope: Scope) -> str:
        return translator(scope.lang)(birth if scope.get("jenis") == "kelahiran" else other)

    return prompt


def why(item: CommitmentItem, lang: str) -> str:
    """ "Siti, 8 th, SD — kehadiran sekolah ≥ 85%": who, how old, and the rule that makes it apply."""
    _ = translator(lang)
    who = [escape(item.member_name), _("{age} th").format(age=item.age)]
    if item.school_level and item.category == "pendidikan":
        who.append(item.school_level)
    label = item.label_en if lang == "en" and item.label_en else item.label
    return f"{', '.join(who)} — {escape(label)}"


# --- picker -------------------------------------------------------------------------------------------------


def work_label(item: WorkItem) -> str:
    mark = ("⚠️ " if item.overdue else "") + data_repair.list_mark(item.needs_repair)
    return f"{mark}{item.head_name} · {item.desa_name}"[:60]


def hit_label(hit: HouseholdHit) -> str:
    who = f"{hit.matched_member} ({hit.head_name})" if hit.matched_member else hit.head_name
    return f"{who} · KK {mask_id(hit.kk)}"[:60]


def pick_prompt(scope: Scope) -> str:
    _, ctx = translator(scope.lang), ctx_of(scope)
    if ctx.hits is not None:
        if not ctx.hits:
            return _("Tidak ada keluarga dampingan yang cocok dengan “{q}”. Coba nama lain, NIK atau nomor KK.").format(
                q=quote(ctx.search or "")
            )
        return _("Hasil pencarian “{q}”. Pilih keluarga yang dikunjungi:").format(q=quote(ctx.search or ""))
    work = ctx.worklist
    if work is None or work.total == 0:
        return _("Belum ada keluarga dampingan yang terdaftar atas nama Anda. Hubungi koordinator Anda.")
    head = _("📝 <b>Lapor kunjungan</b> — periode {period}").format(period=month_name(work.period, scope.lang))
    lines = [head, schedule.work_counts(work, scope.lang)]
    if not work.items:
        lines.append(_("Semua keluarga sudah dilaporkan periode ini. 👍"))
    else:
        lines.append(_("Pilih keluarga di bawah (yang paling lama belum dikunjungi di atas)."))
    lines.append(_("Atau ketik nama, NIK, atau nomor KK untuk mencari."))
    if work.pages > 1:
        lines.append(_("Halaman {page} dari {pages}.").format(page=work.page + 1, pages=work.pages))
    return "\n".join(lines)


# --- kunjungan ----------------------------------------------------------------------------------------------


def date_prompt(scope: Scope) -> str:
    _ = translator(scope.lang)
    return _household(scope) + _(
        "📅 Tanggal kunjungan? Pilih tombol, atau tulis tanggalnya dengan format HH-BB-TTTT (misalnya {example})."
    ).format(example=ctx_of(scope).today.strftime("%d-%m-%Y"))


met_prompt = fixed(N_("👥 Bertemu dengan keluarga?"), household=True)

not_met_prompt = fixed(N_("Mengapa tidak bertemu dengan keluarga?"))


# --- komitmen -----------------------------------------------------------------------------------------------


def commitments_prompt(scope: Scope) -> str:
    _, ctx = translator(scope.lang), ctx_of(scope)
    items = ctx.items(scope.answers)
    lines = [_("✅ <b>Komitmen periode {period}</b>").format(period=month_name(ctx.period(scope.answers), scope.lang))]
    lines.extend(f"• {why(item, scope.lang)}" for item in items)
    lines.append("")
    lines.append(_("Semua dipenuhi? Jika ada yang tidak, pilih “Isi satu per satu”."))
    return "\n".join(lines)


def commitment_prompt(scope: Scope) -> str:
    _ = translator(scope.lang)
    item: CommitmentItem = scope.item
    period = month_name(ctx_of(scope).period(scope.answers), scope.lang)
    return f"{why(item, scope.lang)}\n\n" + _("Dipenuhi pada periode {period}?").format(period=period)


def missed_prompt(scope: Scope) -> str:
    _ = translator(scope.lang)
    item: CommitmentItem = scope.item
    return f"{why(item, scope.lang)}\n\n" + _("Apa alasan tidak memenuhi?")


# --- kondisi, kesejahteraan ---------------------------------------------------------------------------------


condition_prompt = fixed(
    N_(
        "🏠 <b>Kondisi keluarga</b>\nKetuk baris untuk memilih jawabannya dari daftar (sudah diisi dari kunjungan "
        "terakhir, bila ada). Lalu tekan “Lanjut”: jawaban yang tampil ikut tersimpan."
    )
)

welfare_prompt = fixed(
    N_(
        "📊 <b>Indikator kesejahteraan</b>\nKetuk untuk mengganti: ⬜ belum dijawab → ✅ ya → ❌ tidak. "
        "Jumlah “ya” menjadi skor kekurangan keluarga. Lalu tekan “Lanjut”."
    )
)


# --- perubahan, rujukan -------------------------------------------------------------------------------------


change_kind_prompt = first_or_more(
    N_("📝 <b>Perubahan data keluarga</b>\nAda perubahan yang perlu dicatat? (diverifikasi dulu sebelum data diubah)"),
    N_("Ada perubahan lain? Pilih jenisnya, atau “Selesai”."),
)


def change_member_prompt(scope: Scope) -> str:
    _ = translator(scope.lang)
    kind = _(CHANGE_KIND_LABELS.get(scope.get("jenis"), ""))
    return _("{kind}: anggota keluarga yang mana?").format(kind=kind)


change_name_prompt = birth_or_other(
    N_("Nama bayi? (tulis “Bayi Ny. Siti” jika belum diberi nama)"), N_("Nama lengkap orang yang pindah masuk?")
)

sex_prompt = fixed(N_("Jenis kelamin?"))


def relation_prompt(scope: Scope) -> str:
    """A newcomer's relationship to the head, named: the registry stores it (SHDK) once the change is verified."""
    _ = translator(scope.lang)
    facts = ctx_of(scope).facts
    return _("Apa hubungan {name} dengan kepala keluarga {head}?").format(
        name=quote(str(scope.get("nama") or "-"), 60), head=quote(facts.head_name if facts else "-", 60)
    )


event_date_prompt = birth_or_other(
    N_("Tanggal lahir? Tulis dengan format HH-BB-TTTT."), N_("Tanggal meninggal? Tulis dengan format HH-BB-TTTT.")
)

nik_prompt = fixed(N_("NIK-nya (16 angka)? Tekan “Lewati” jika belum tahu."))

edd_prompt = fixed(N_("Hari perkiraan lahir (HPL)? Tulis dengan format HH-BB-TTTT."))

phone_prompt = fixed(N_("Nomor telepon baru keluarga? Misalnya 0812-3456-7890."))

address_prompt = fixed(N_("Alamat baru (jalan/kampung, RT/RW)?"))

school_prompt = fixed(N_("Jenjang sekolah sekarang?"))

referral_prompt = first_or_more(
    N_("🤝 <b>Rujukan</b>\nPerlu dirujuk ke dinas lain (OPD)? Pilih sektornya."),
    N_("Ada rujukan lain? Pilih sektornya, atau “Selesai”."),
)

referral_member_prompt = fixed(N_("Untuk siapa rujukannya?"))

need_prompt = fixed(N_("Kebutuhannya dalam beberapa kata? (misalnya “anak putus sekolah, perlu seragam”)"))


# --- bukti, catatan -----------------------------------------------------------------------------------------


def photo_prompt(scope: Scope) -> str:
    _ = translator(scope.lang)
    rules = ctx_of(scope).rules
    if rules is not None and rules.evidence.photo_required:
        return _("📷 Kirim foto kunjungan (wajib untuk program ini): ikon 📎 lalu Kamera.")
    return _("📷 Kirim foto kunjungan (ikon 📎 lalu Kamera). Tidak bisa memotret? Pilih alasannya di bawah.")


photo_skip_prompt = fixed(N_("Mengapa tanpa foto?"))

other_reason_prompt = fixed(N_("Alasan lainnya apa? Tulis dalam beberapa kata (paling banyak 100 huruf)."))

location_prompt = fixed(
    N_(
        "📍 Bagikan lokasi kunjungan: tekan tombol “Kirim lokasi” di bawah (GPS harus aktif). "
        "Tidak bisa? Pilih alasannya di bawah."
    )
)

location_skip_prompt = fixed(N_("Mengapa lokasi tidak dikirim?"))


def notes_prompt(scope: Scope) -> str:
    """Changing the note from the review shows the note as it stands, and what each button does with it."""
    _ = translator(scope.lang)
    current = scope.saved(scope.key)
    if not current:
        return _("🗒 Catatan tambahan? Tulis catatan, atau tekan “Lewati”.")
    return _(
        "🗒 Catatan sekarang:\n<i>{note}</i>\n\nTulis catatan baru untuk menggantinya, “↩ Batal ubah” untuk "
        "menyimpan yang ini, atau “🗑 Hapus catatan”."
    ).format(note=escape(str(current)))
