"""Texts and keyboards of the supervisor's decisions: /tinjau (reports, data changes, referrals), /graduasi,
/umumkan. The report itself is shown with the visit form's own summary (``render.report_summary``), so the
koordinator reads exactly what the pendamping confirmed.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from handlers.callbacks import (
    AnnouncementButton,
    AnnouncementStatusButton,
    ChangeButton,
    GraduationDecisionButton,
    GraduationPageButton,
    GraduationProposeButton,
    HouseholdButton,
    ReferralButton,
    ReviewButton,
    ReviewSectionButton,
)
from handlers.i18n import N_, translator
from handlers.i18n.format import date_time, number
from handlers.render import Reply, buttons, change_values, mask_id, reply, with_names
from handlers.render.report_labels import CHANGE_KIND_LABELS, SECTOR_LABELS
from handlers.render.report_summary import SECTION_LABELS, month_name, summary_lines
from models.announcements import DeliveryCounts
from models.period import Period
from models.queries.graduation import CandidatePage
from models.queries.regions import Area
from models.queries.review import Next, QueuedChange, QueuedReferral, QueuedVisit
from models.review import ChangeOutcome
from models.visits import VisitReport

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


def _kind(kind: str, lang: str) -> str:
    """The visit form's label of a data change kind."""
    return translator(lang)(CHANGE_KIND_LABELS.get(kind, kind))


def _sector(sector: str, lang: str) -> str:
    return translator(lang)(SECTOR_LABELS.get(sector, sector))


def problem(code: str, lang: str) -> Reply:
    _ = translator(lang)
    return reply(_(PROBLEMS.get(code, PROBLEMS["not_found"])))


# --- reports ------------------------------------------------------------------------------------------------


def review_card(queued: Next[QueuedVisit], report: VisitReport, lang: str, tz: str, *, full_ids: bool) -> Reply:
    _ = translator(lang)
    item = queued.item
    assert item is not None
    kk = item.kk if full_ids else mask_id(item.kk)
    lines = [
        "🔎 <b>"
        + _("Tinjau laporan ({position} dari {total})").format(position=queued.position, total=queued.remaining)
        + "</b>",
        _("KK {kk} · {desa} · pendamping {name}").format(
            kk=kk, desa=escape(item.desa_name), name=escape(item.pendamping_name or "-")
        ),
        _("Dikirim {when}").format(when=date_time(item.submitted_at, lang, tz))
        + (" · ⏰ " + _("terlambat") if item.late else ""),
        "",
        *summary_lines(report, lang, full_ids=full_ids),
    ]
    if item.latitude is not None and item.longitude is not None:
        lines.append(f"🗺 {item.latitude:.5f}, {item.longitude:.5f}")
    rows = [
        [
            (_("✅ Setujui"), ReviewButton("ok", item.visit_id).pack()),
            (_("↩️ Kembalikan"), ReviewButton("rt", item.visit_id).pack()),
        ],
        [
            (_("⏭ Lewati"), ReviewButton("sk", item.visit_id).pack()),
            (_("🏠 Kartu keluarga"), HouseholdButton(item.household_id).pack()),
        ],
    ]
    return reply("\n".join(lines), buttons(rows))


def photo_caption(head_name: str, lang: str) -> str:
    _ = translator(lang)
    return _("📷 Foto kunjungan — {head}").format(head=escape(head_name))


def queue_empty(area: Area, changes: int, referrals: int, lang: str, *, skipped: bool = False) -> Reply:
    _ = translator(lang)
    if skipped:
        text = _(
            "Tidak ada lagi laporan setelah ini. Laporan yang dilewati tetap menunggu; ketik /tinjau untuk mulai dari awal."
        )
    else:
        text = _("Tidak ada laporan yang menunggu tinjauan di {area}. 👍").format(area=escape(area.name))
    rows = []
    if changes:
        rows.append([(_("📝 Perubahan data ({n})").format(n=number(changes, lang)), ChangeButton("nx", 0).pack())])
    if referrals:
        rows.append([(_("🤝 Rujukan terbuka ({n})").format(n=number(referrals, lang)), ReferralButton("nx", 0).pack())])
    return reply(text, buttons(rows) if rows else None)


def ask_section(visit_id: str, head_name: str, lang: str) -> Reply:
    _ = translator(lang)
    labels = [(_(label), ReviewSectionButton(visit_id, key).pack()) for key, label in SECTION_LABELS.items()]
    rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    rows.append(
        [
            (_("Seluruh laporan"), ReviewSectionButton(visit_id, "semua").pack()),
            (_("✖ Batal"), ReviewButton("x", visit_id).pack()),
        ]
    )
    return reply(
        _("Laporan {head} dikembalikan. Bagian mana yang perlu diperbaiki?").format(head=escape(head_name)),
        buttons(rows),
    )


def section_name(section: str | None, lang: str) -> str:
    _ = translator(lang)
    return _(SECTION_LABELS[section]) if section in SECTION_LABELS else _("seluruh laporan")


def ask_note(head_name: str, pendamping: str | None, section: str | None, lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        _(
            "Tulis catatan untuk {name} tentang bagian <b>{section}</b> laporan {head}: apa yang perlu diperbaiki? Kirim sebagai pesan biasa."
        ).format(
            name=escape(pendamping or _("pendamping")), section=section_name(section, lang), head=escape(head_name)
        ),
        buttons([[(_("✖ Batal"), ReviewButton("x", "-").pack())]]),
    )


def note_cancelled(lang: str) -> Reply:
    _ = translator(lang)
    return reply(_("Baik, laporan tidak jadi dikembalikan."))


def returned(head_name: str, pendamping: str | None, section: str | None, note: str, lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        "↩️ "
        + _("Laporan {head} dikembalikan ke {name} (bagian {section}) dengan catatan: {note}").format(
            head=escape(head_name),
            name=escape(pendamping or "-"),
            section=section_name(section, lang),
            note=escape(note),
        )
    )


def returned_notice(head_name: str, period: str, section: str | None, note: str, reviewer: str, lang: str) -> str:
    """The pendamping's message (through the outbox), HTML."""
    _ = translator(lang)
    return "\n".join(
        [
            "↩️ <b>" + _("Laporan dikembalikan untuk diperbaiki") + "</b>",
            _("Keluarga {head}, periode {period}").format(
                head=escape(head_name), period=month_name(Period.parse(period), lang)
            ),
            _("Bagian: {section}").format(section=section_name(section, lang)),
            _("Catatan dari {name}: {note}").format(name=escape(reviewer), note=escape(note)),
            "",
            _("Buka /riwayat, pilih laporan ini, perbaiki lalu kirim ulang."),
        ]
    )


def approved(head_name: str, outcomes: Sequence[ChangeOutcome], lang: str) -> Reply:
    _ = translator(lang)
    lines = ["✅ " + _("Laporan {head} disetujui.").format(head=escape(head_name))]
    for outcome in outcomes:
        kind = _kind(outcome.kind, lang)
        if outcome.applied:
            lines.append("   • " + _("{kind}: diterapkan ke data KPM").format(kind=kind))
        else:
            lines.append(
                "   • "
                + _("{kind}: belum diterapkan — {problem}; periksa lewat “Perubahan data”").format(
                    kind=kind, problem=escape(outcome.problem or "")
                )
            )
    return reply("\n".join(lines))


# --- data changes and referrals -----------------------------------------------------------------------------


def _values(values: dict[str, object]) -> str:
    return ", ".join(f"{escape(str(k))}: {escape(str(v))}" for k, v in values.items()) or "-"


def change_card(queued: Next[QueuedChange], lang: str, tz: str, *, full_ids: bool) -> Reply:
    _ = translator(lang)
    item = queued.item
    assert item is not None
    lines = [
        "📝 <b>"
        + _("Perubahan data ({position} dari {total})").format(position=queued.position, total=queued.remaining)
        + "</b>",
        f"🏠 {escape(item.head_name)} — {escape(item.desa_name)}",
        _("Jenis: {kind}").format(kind=_kind(item.kind, lang)),
    ]
    if item.member_name:
        lines.append(_("Anggota: {name}").format(name=escape(item.member_name)))
    lines.append(_("Nilai lama: {old}").format(old=escape(item.old_value or "-")))
    lines.append(_("Nilai baru: {new}").format(new=_values(change_values(item.new_value, full_ids))))
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


def change_decided(outcome: ChangeOutcome, approve: bool, lang: str) -> Reply:
    _ = translator(lang)
    kind = _kind(outcome.kind, lang)
    if not approve:
        return reply("✖️ " + _("{kind}: ditolak.").format(kind=kind))
    if outcome.applied:
        return reply("✅ " + _("{kind}: diverifikasi dan diterapkan ke data KPM.").format(kind=kind))
    return reply(
        "⚠️ "
        + _("{kind} belum bisa diterapkan: {problem}. Perubahan tetap menunggu; perbaiki datanya atau tolak.").format(
            kind=kind, problem=escape(outcome.problem or "")
        )
    )


def changes_empty(lang: str) -> Reply:
    _ = translator(lang)
    return reply(_("Tidak ada (lagi) perubahan data yang menunggu verifikasi."))


def referral_card(queued: Next[QueuedReferral], lang: str, tz: str) -> Reply:
    _ = translator(lang)
    item = queued.item
    assert item is not None
    who = escape(item.member_name) if item.member_name else _("seluruh keluarga")
    lines = [
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


def referral_closed(head_name: str, lang: str) -> Reply:
    _ = translator(lang)
    return reply("✔️ " + _("Rujukan untuk {head} ditutup (sudah ditangani).").format(head=escape(head_name)))


def referrals_empty(lang: str) -> Reply:
    _ = translator(lang)
    return reply(_("Tidak ada (lagi) rujukan terbuka."))


# --- /graduasi ----------------------------------------------------------------------------------------------


def candidates(page: CandidatePage, area: Area, lang: str, *, can_confirm: bool) -> Reply:
    _ = translator(lang)
    head = "🎓 <b>" + _("Calon graduasi — {area}").format(area=escape(area.name)) + "</b>"
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
                        GraduationDecisionButton("ok", c.proposal_id).pack(),
                    ),
                    (_("✖️ Tolak"), GraduationDecisionButton("no", c.proposal_id).pack()),
                ]
            )
        elif not c.proposal_id:
            rows.append(
                [(_("🎓 Ajukan: {head}").format(head=c.head_name)[:60], GraduationProposeButton(c.household_id).pack())]
            )
    nav = []
    if page.page > 0:
        nav.append((_("◀ Sebelumnya"), GraduationPageButton(area.code, page.page - 1).pack()))
    if page.page + 1 < page.pages:
        nav.append((_("Berikutnya ▶"), GraduationPageButton(area.code, page.page + 1).pack()))
    if nav:
        rows.append(nav)
    return reply("\n".join(lines), buttons(rows))


def proposed(head_name: str, lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        "🎓 " + _("Graduasi {head} diajukan. Menunggu konfirmasi admin provinsi.").format(head=escape(head_name))
    )


def proposal_notice(head_name: str, desa: str, proposer: str, lang: str) -> str:
    _ = translator(lang)
    text = _("Pengajuan graduasi baru: {head} ({desa}), diajukan oleh {name}. Ketik /graduasi untuk mengonfirmasi.")
    return "🎓 " + with_names(text, head=escape(head_name), desa=escape(desa), name=escape(proposer))


def graduation_decided(head_name: str, confirm: bool, lang: str) -> Reply:
    _ = translator(lang)
    if confirm:
        return reply(
            "🎓 " + _("Graduasi {head} dikonfirmasi. Status KPM kini “graduasi”.").format(head=escape(head_name))
        )
    return reply(_("Pengajuan graduasi {head} ditolak; KPM tetap aktif.").format(head=escape(head_name)))


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
