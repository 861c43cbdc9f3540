"""Texts and keyboards of the supervisor's decisions: /tinjau's data-change and referral queues, /graduasi,
/umumkan. The report card and its decisions are in ``render.review_card``.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from handlers.callbacks_supervisor import (
    AnnouncementButton,
    AnnouncementStatusButton,
    ChangeButton,
    GraduationConfirmButton,
    GraduationDecidedButton,
    GraduationDecisionButton,
    GraduationPageButton,
    GraduationProposeButton,
    ReferralButton,
    ReviewButton,
)
from handlers.i18n import N_, translator
from handlers.i18n.format import date_time, number
from handlers.render import Reply, buttons, change_values, reply, with_names
from handlers.render.report_labels import SECTOR_LABELS
from handlers.render.review_card import kind_label
from models.announcements import DeliveryCounts
from models.queries.graduation import CandidatePage
from models.queries.regions import Area
from models.queries.review import Next, QueuedChange, QueuedReferral

REASON_LABELS = {
    "skor_rendah": N_("skor deprivasi ≤ 3 pada dua kunjungan terakhir"),
    "tanpa_komitmen": N_("tidak ada lagi anggota dalam kategori komitmen"),
    "mandiri": N_("keluarga minta keluar (graduasi mandiri)"),
}
PROBLEMS = {
    "not_found": N_("Data itu tidak ditemukan atau di luar wilayah Anda."),
    "not_pending": N_("Laporan ini sudah diputuskan (disetujui atau dikembalikan) sebelumnya."),
    "already_decided": N_("Ini sudah diputuskan sebelumnya."),
    "not_allowed": N_("Hanya admin provinsi yang dapat mengonfirmasi graduasi."),
    "bad_section": N_("Bagian laporan itu tidak dikenal."),
    "out_of_scope": N_("Wilayah itu di luar wilayah Anda."),
    "empty": N_("Teks pengumuman kosong. Cara pakai: /umumkan &lt;wilayah&gt; &lt;teks pengumuman&gt;"),
    "too_long": N_("Pengumuman terlalu panjang; paling banyak 3.500 karakter."),
    "no_draft": N_(
        "Tidak ada pengumuman yang menunggu dikirim. Tulis lagi dengan /umumkan &lt;wilayah&gt; &lt;teks&gt;."
    ),
    "no_recipients": N_("Belum ada pendamping aktif yang terhubung ke bot di wilayah itu."),
}


def _sector(sector: str, lang: str) -> str:
    return translator(lang)(SECTOR_LABELS.get(sector, sector))


def problem(code: str, lang: str) -> Reply:
    return reply(problem_text(code, lang))


def problem_text(code: str, lang: str) -> str:
    """The problem as a line (a list's notice), HTML like every message here."""
    _ = translator(lang)
    return _(PROBLEMS.get(code, PROBLEMS["not_found"]))


# --- data changes and referrals -----------------------------------------------------------------------------


def _values(values: dict[str, object]) -> str:
    return ", ".join(f"{escape(str(k))}: {escape(str(v))}" for k, v in values.items()) or "-"


def change_card(queued: Next[QueuedChange], lang: str, tz: str, *, full_ids: bool, notice: str | None = None) -> Reply:
    _ = translator(lang)
    item = queued.item
    assert item is not None
    lines = [notice, ""] if notice else []
    lines += [
        "📝 <b>"
        + _("Perubahan data ({position} dari {total})").format(position=queued.position, total=queued.remaining)
        + "</b>",
        f"🏠 {escape(item.head_name)} — {escape(item.desa_name)}",
        _("Jenis: {kind}").format(kind=kind_label(item.kind, lang)),
    ]
    if item.member_name:
        lines.append(_("Anggota: {name}").format(name=escape(item.member_name)))
    lines.append(_("Nilai lama: {old}").format(old=escape(item.old_value or "-")))
    lines.append(_("Nilai baru: {new}").format(new=_values(change_values(item.new_value, full_ids, lang))))
    lines.append(
        _("Diajukan oleh {name}, {when}").format(
            name=escape(item.proposed_by or "-"), when=date_time(item.created_at, lang, tz)
        )
    )
    rows = [
        [
            (_("✅ Verifikasi"), ChangeButton("ok", item.change_id).pack()),
            (_("✖️ Tolak"), ChangeButton("no", item.change_id).pack()),
        ],
        [(_("⏭ Lewati"), ChangeButton("nx", item.change_id).pack())],
    ]
    return reply("\n".join(lines), buttons(rows))


def changes_empty(lang: str, notice: str | None = None) -> Reply:
    _ = translator(lang)
    text = _("Tidak ada (lagi) perubahan data yang menunggu verifikasi.")
    return reply(
        f"{notice}\n\n{text}" if notice else text,
        buttons([[(_("🔎 Antrean laporan"), ReviewButton("nx", "-").pack())]]),
    )


def referral_card(queued: Next[QueuedReferral], lang: str, tz: str, notice: str | None = None) -> Reply:
    _ = translator(lang)
    item = queued.item
    assert item is not None
    who = escape(item.member_name) if item.member_name else _("seluruh keluarga")
    lines = [notice, ""] if notice else []
    lines += [
        "🤝 <b>"
        + _("Rujukan terbuka ({position} dari {total})").format(position=queued.position, total=queued.remaining)
        + "</b>",
        f"🏠 {escape(item.head_name)} — {escape(item.desa_name)}",
        _("Sektor: {sector} · untuk {who}").format(sector=_sector(item.sector, lang), who=who),
        _("Kebutuhan: {need}").format(need=escape(item.need)),
        _("Status: {status} · dibuat {when}").format(
            status=escape(item.status), when=date_time(item.created_at, lang, tz)
        ),
    ]
    rows = [
        [
            (_("✔️ Tutup (sudah ditangani)"), ReferralButton("ok", item.referral_id).pack()),
            (_("⏭ Lewati"), ReferralButton("nx", item.referral_id).pack()),
        ]
    ]
    return reply("\n".join(lines), buttons(rows))


def referral_closed(head_name: str, lang: str) -> str:
    _ = translator(lang)
    return "✔️ " + _("Rujukan untuk {head} ditutup (sudah ditangani).").format(head=escape(head_name))


def referrals_empty(lang: str, notice: str | None = None) -> Reply:
    _ = translator(lang)
    text = _("Tidak ada (lagi) rujukan terbuka.")
    return reply(
        f"{notice}\n\n{text}" if notice else text,
        buttons([[(_("🔎 Antrean laporan"), ReviewButton("nx", "-").pack())]]),
    )


# --- /graduasi ----------------------------------------------------------------------------------------------


def candidates(page: CandidatePage, area: Area, lang: str, *, can_confirm: bool, notice: str | None = None) -> Reply:
    _ = translator(lang)
    head = "🎓 <b>" + _("Calon graduasi — {area}").format(area=escape(area.name)) + "</b>"
    if notice:
        head = f"{notice}\n\n{head}"
    if page.total == 0:
        return reply(head + "\n\n" + _("Belum ada KPM yang memenuhi kriteria graduasi."))
    lines = [
        head,
        _("{n} KPM memenuhi kriteria; {m} sudah diajukan dan menunggu konfirmasi admin.").format(
            n=page.total, m=page.proposed
        ),
        _("Halaman {page} dari {pages}").format(page=page.page + 1, pages=page.pages),
        "",
    ]
    rows = []
    for c in page.rows:
        why = "; ".join(_(REASON_LABELS.get(r, r)) for r in c.reasons) or _("sudah diajukan")
        mark = " ⏳ " + _("(diajukan)") if c.proposal_id else ""
        lines.append(f"• <b>{escape(c.head_name)}</b> ({escape(c.desa_name)}){mark} — {why}")
        if c.proposal_id and can_confirm:
            rows.append(
                [
                    (
                        _("✅ Konfirmasi: {head}").format(head=c.head_name)[:60],
                        GraduationDecisionButton("ok", c.proposal_id, area.code, page.page).pack(),
                    ),
                    (_("✖️ Tolak"), GraduationDecisionButton("no", c.proposal_id, area.code, page.page).pack()),
                ]
            )
        elif not c.proposal_id:
            rows.append(
                [
                    (
                        _("🎓 Ajukan: {head}").format(head=c.head_name)[:60],
                        GraduationProposeButton(c.household_id, area.code, page.page).pack(),
                    )
                ]
            )
    nav = []
    if page.page > 0:
        nav.append((_("◀ Sebelumnya"), GraduationPageButton(area.code, page.page - 1).pack()))
    if page.page + 1 < page.pages:
        nav.append((_("Berikutnya ▶"), GraduationPageButton(area.code, page.page + 1).pack()))
    if nav:
        rows.append(nav)
    return reply("\n".join(lines), buttons(rows))


def confirm_proposal(
    head_name: str, desa: str, reasons: Sequence[str], household_id: int, area_code: str, page: int, lang: str
) -> Reply:
    """ "Ajukan" asks once more before anything is sent to the admins."""
    _ = translator(lang)
    why = "; ".join(_(REASON_LABELS.get(r, r)) for r in reasons)
    text = "🎓 " + _(
        "Ajukan graduasi <b>{head}</b> ({desa})? Alasan: {why}. Admin provinsi akan diberi tahu untuk mengonfirmasi."
    ).format(head=escape(head_name), desa=escape(desa), why=why)
    rows = [
        [
            (_("✅ Ya, ajukan"), GraduationConfirmButton(household_id, area_code, page).pack()),
            (_("✖ Batal"), GraduationPageButton(area_code, page).pack()),
        ]
    ]
    return reply(text, buttons(rows))


def proposed(head_name: str, lang: str, *, already: bool = False) -> str:
    """The line the list starts with after a proposal (HTML)."""
    _ = translator(lang)
    if already:
        return "🎓 " + _("Graduasi {head} sudah diajukan sebelumnya dan menunggu konfirmasi admin provinsi.").format(
            head=escape(head_name)
        )
    return "🎓 " + _("Graduasi {head} diajukan. Menunggu konfirmasi admin provinsi.").format(head=escape(head_name))


def proposal_notice(head_name: str, desa: str, proposer: str, lang: str) -> str:
    _ = translator(lang)
    text = _("Pengajuan graduasi baru: {head} ({desa}), diajukan oleh {name}. Ketik /graduasi untuk mengonfirmasi.")
    return "🎓 " + with_names(text, head=escape(head_name), desa=escape(desa), name=escape(proposer))


def confirm_decision(
    head_name: str,
    desa: str,
    reasons: Sequence[str],
    confirm: bool,
    proposal_id: int,
    area_code: str,
    page: int,
    lang: str,
) -> Reply:
    """An admin's "konfirmasi" or "tolak" asks once more, on the list's own message: graduation ends the KPM's
    active status."""
    _ = translator(lang)
    why = "; ".join(_(REASON_LABELS.get(r, r)) for r in reasons) or "-"
    if confirm:
        text = "🎓 " + _(
            "Konfirmasi graduasi <b>{head}</b> ({desa})? Alasan: {why}. Status KPM menjadi “graduasi” dan tidak lagi "
            "aktif."
        ).format(head=escape(head_name), desa=escape(desa), why=why)
        yes = _("✅ Ya, konfirmasi")
    else:
        text = "🎓 " + _("Tolak pengajuan graduasi <b>{head}</b> ({desa})? KPM tetap aktif.").format(
            head=escape(head_name), desa=escape(desa)
        )
        yes = _("✖️ Ya, tolak")
    decided = GraduationDecidedButton("ok" if confirm else "no", proposal_id, area_code, page).pack()
    return reply(text, buttons([[(yes, decided), (_("✖ Batal"), GraduationPageButton(area_code, page).pack())]]))


def graduation_decided(head_name: str, confirm: bool, lang: str) -> str:
    """The line the list starts with after an admin's decision (HTML)."""
    _ = translator(lang)
    if confirm:
        return "🎓 " + _("Graduasi {head} dikonfirmasi. Status KPM kini “graduasi”.").format(head=escape(head_name))
    return _("Pengajuan graduasi {head} ditolak; KPM tetap aktif.").format(head=escape(head_name))


# --- /umumkan -----------------------------------------------------------------------------------------------


def announce_usage(lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        _(
            "Cara pakai: /umumkan &lt;wilayah&gt; &lt;teks pengumuman&gt;\nMisalnya: /umumkan lebak Rapat pendamping hari Jumat pukul 09.00 di kantor Dinsos.\nPakai “banten” untuk seluruh provinsi."
        )
    )


def announcement_message(text: str, admin_name: str, lang: str) -> str:
    _ = translator(lang)
    return "📢 <b>" + _("Pengumuman Dinas Sosial") + f"</b>\n\n{escape(text)}\n\n— {escape(admin_name)}"


def announcement_preview(area: Area, recipients: int, message_html: str, lang: str) -> Reply:
    _ = translator(lang)
    text = _("Pratinjau pengumuman untuk <b>{n} pendamping</b> di {area}:").format(
        n=number(recipients, lang), area=escape(area.name)
    )
    rows = [
        [
            (_("📢 Kirim ke {n} pendamping").format(n=recipients), AnnouncementButton("ok").pack()),
            (_("✖ Batal"), AnnouncementButton("x").pack()),
        ]
    ]
    return reply(text + "\n\n" + message_html, buttons(rows))


def announcement_queued(announcement_id: int, queued: int, lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        "📢 "
        + _("Pengumuman diantrekan untuk {n} pendamping dan dikirim bertahap sesuai batas Telegram.").format(
            n=number(queued, lang)
        ),
        buttons([[(_("🔄 Status pengiriman"), AnnouncementStatusButton(announcement_id).pack())]]),
    )


def announcement_status(announcement_id: int, counts: DeliveryCounts, lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        _(
            "Status pengumuman #{id}: {sent} terkirim, {failed} gagal, {waiting} menunggu (dari {total} pendamping)."
        ).format(
            id=announcement_id, sent=counts.sent, failed=counts.failed, waiting=counts.waiting, total=counts.total
        ),
        buttons([[(_("🔄 Perbarui"), AnnouncementStatusButton(announcement_id).pack())]]),
    )


def announcement_cancelled(lang: str) -> Reply:
    _ = translator(lang)
    return reply(_("Pengumuman dibatalkan; tidak ada yang dikirim."))
