"""The /tinjau report card and the screens of deciding it: one message per report, edited in place as the
koordinator moves on (skip, approve, return, decide a data change), so the chat never fills with half-shown
items. The photo is a button that sends it on demand and the location a map link, not two more messages.

The report itself is shown with the visit form's own summary (``render.report_summary``), so the koordinator
reads exactly what the pendamping confirmed; the data changes it proposed follow, each with its own decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.callbacks import HouseholdButton
from handlers.callbacks_supervisor import (
    ChangeButton,
    ReferralButton,
    ReviewButton,
    ReviewChangeButton,
    ReviewSectionButton,
)
from handlers.i18n import N_, translator
from handlers.i18n.format import date_time, number
from handlers.render import Reply, buttons, change_values, mask_id, reply
from handlers.render.report_labels import CHANGE_KIND_LABELS
from handlers.render.report_summary import REVIEW_STATUS, SECTION_LABELS, month_name, section_name, summary_lines
from models.forms import short_id
from models.period import Period
from models.queries.regions import Area
from models.queries.review import CardChange, Next, OtherQueues, QueuedVisit
from models.review import ApprovedVisit, ChangeOutcome
from models.tables import ChangeStatus, ReviewStatus
from models.visits import VisitReport

TEXT_LIMIT = 4096  # Telegram's limit on a message's text
CHANGE_BUTTONS = 8  # changes decided on the card itself; more wait in the data-change queue
CHANGE_STATUS = {
    ChangeStatus.PROPOSED: N_("⏳ menunggu keputusan"),
    ChangeStatus.APPROVED: N_("✅ diterima"),
    ChangeStatus.REJECTED: N_("✖️ ditolak"),
}
MAPS_URL = "https://www.google.com/maps/search/?api=1&query={lat:.6f},{lon:.6f}"


def kind_label(kind: str, lang: str) -> str:
    """The visit form's label of a data change kind."""
    return translator(lang)(CHANGE_KIND_LABELS.get(kind, kind))


def fit(lines: Sequence[str], limit: int = TEXT_LIMIT) -> str:
    """``lines`` joined, cut at a line boundary to fit Telegram's limit (each line closes its own tags); a single
    line too long for it loses its end, never half an HTML entity."""
    text = ""
    for line in lines:
        candidate = f"{text}\n{line}" if text else line
        if len(candidate) > limit - 2:
            room = limit - 2 - len(text) - 1
            if room > 40 and "<" not in line:
                cut = line[:room]
                amp = cut.rfind("&")
                if amp > cut.rfind(";"):
                    cut = cut[:amp]
                text = f"{text}\n{cut}" if text else cut
            return text + "\n…"
        text = candidate
    return text


def review_card(
    queued: Next[QueuedVisit],
    report: VisitReport,
    changes: Sequence[CardChange],
    others: OtherQueues,
    lang: str,
    tz: str,
    *,
    full_ids: bool,
    notice: str | None = None,
) -> Reply:
    """One report with everything needed to decide it. ``notice`` (HTML) says what the last press did."""
    _ = translator(lang)
    item = queued.item
    assert item is not None
    pending = item.review_status is ReviewStatus.PENDING
    kk = item.kk if full_ids else mask_id(item.kk)
    if pending and queued.position:
        title = _("Tinjau laporan ({position} dari {total})").format(position=queued.position, total=queued.remaining)
    else:
        title = _("Laporan {number}").format(number=short_id(item.visit_id))
    lines = [notice, ""] if notice else []
    lines += [
        "🔎 <b>" + title + "</b>",
        _("Nomor laporan {number} · KK {kk} · {desa} · pendamping {name}").format(
            number=short_id(item.visit_id), kk=kk, desa=escape(item.desa_name), name=escape(item.pendamping_name or "-")
        ),
        _("Dikirim {when}").format(when=date_time(item.submitted_at, lang, tz))
        + (" · ⏰ " + _("terlambat") if item.late else ""),
    ]
    if not pending:
        lines.append(_("Status: {status}").format(status=_(REVIEW_STATUS.get(item.review_status.value, ""))))
    if item.earlier_note and pending:
        lines.append(
            "🔁 "
            + _("Perbaikan — dikembalikan sebelumnya dengan catatan: {note}").format(note=escape(item.earlier_note))
        )
    lines += ["", *summary_lines(report, lang, full_ids=full_ids)]
    lines += _change_lines(changes, lang, full_ids)
    if item.latitude is not None and item.longitude is not None:
        lines.append(f"🗺 {item.latitude:.5f}, {item.longitude:.5f}")
    return reply(fit(lines), _card_keyboard(item, changes, others, lang, pending=pending))


def _change_lines(changes: Sequence[CardChange], lang: str, full_ids: bool) -> list[str]:
    _ = translator(lang)
    if not changes:
        return []
    lines = ["", "📝 <b>" + _("Keputusan perubahan data") + "</b>"]
    for index, change in enumerate(changes, start=1):
        values = ", ".join(escape(str(v)) for v in change_values(change.new_value, full_ids, lang).values())
        who = f" — {escape(change.member_name)}" if change.member_name else ""
        lines.append(
            f"{index}. {kind_label(change.kind, lang)}{who}"
            + (f": {values}" if values else "")
            + f" · {_(CHANGE_STATUS[change.status])}"
        )
    return lines


def _card_keyboard(
    item: QueuedVisit, changes: Sequence[CardChange], others: OtherQueues, lang: str, *, pending: bool
) -> InlineKeyboardMarkup:
    _ = translator(lang)
    rows: list[list[InlineKeyboardButton]] = []
    if pending:
        rows.append(
            [
                InlineKeyboardButton(_("✅ Setujui"), callback_data=ReviewButton("ok", item.visit_id).pack()),
                InlineKeyboardButton(_("↩️ Kembalikan"), callback_data=ReviewButton("rt", item.visit_id).pack()),
            ]
        )
    open_changes = [(i, c) for i, c in enumerate(changes, start=1) if c.status is ChangeStatus.PROPOSED]
    for index, change in open_changes[:CHANGE_BUTTONS]:
        rows.append(
            [
                InlineKeyboardButton(
                    _("✅ Terima {n}").format(n=index), callback_data=ReviewChangeButton("ok", change.change_id).pack()
                ),
                InlineKeyboardButton(
                    _("✖️ Tolak {n}").format(n=index), callback_data=ReviewChangeButton("no", change.change_id).pack()
                ),
            ]
        )
    evidence = []
    if item.photo_file_id:
        evidence.append(
            InlineKeyboardButton(_("📷 Lihat foto"), callback_data=ReviewButton("ft", item.visit_id).pack())
        )
    if item.latitude is not None and item.longitude is not None:
        url = MAPS_URL.format(lat=item.latitude, lon=item.longitude)
        evidence.append(InlineKeyboardButton(_("🗺 Lokasi di peta"), url=url))
    if evidence:
        rows.append(evidence)
    nav = [InlineKeyboardButton(_("🏠 Kartu keluarga"), callback_data=HouseholdButton(item.household_id).pack())]
    if pending:
        nav.insert(0, InlineKeyboardButton(_("⏭ Lewati"), callback_data=ReviewButton("sk", item.visit_id).pack()))
    else:
        nav.insert(0, InlineKeyboardButton(_("🔎 Antrean tinjauan"), callback_data=ReviewButton("nx", "-").pack()))
    rows.append(nav)
    rows.extend(_queue_rows(others, lang))
    return InlineKeyboardMarkup(rows)


def _queue_rows(others: OtherQueues, lang: str) -> list[list[InlineKeyboardButton]]:
    _ = translator(lang)
    row = []
    if others.changes:
        label = _("📝 Perubahan data ({n})").format(n=number(others.changes, lang))
        row.append(InlineKeyboardButton(label, callback_data=ChangeButton("nx", 0).pack()))
    if others.referrals:
        label = _("🤝 Rujukan terbuka ({n})").format(n=number(others.referrals, lang))
        row.append(InlineKeyboardButton(label, callback_data=ReferralButton("nx", 0).pack()))
    return [row] if row else []


def photo_caption(head_name: str, lang: str) -> str:
    _ = translator(lang)
    return _("📷 Foto kunjungan — {head}").format(head=escape(head_name))


def queue_empty(
    area: Area, others: OtherQueues, lang: str, *, skipped: bool = False, notice: str | None = None
) -> Reply:
    _ = translator(lang)
    if skipped:
        text = _(
            "Tidak ada lagi laporan setelah ini. Laporan yang dilewati tetap menunggu; tekan “Antrean tinjauan” atau ketik /tinjau untuk mulai dari awal."
        )
    else:
        text = _("Tidak ada laporan yang menunggu tinjauan di {area}. 👍").format(area=escape(area.name))
    rows = _queue_rows(others, lang)
    if skipped:
        start = InlineKeyboardButton(_("🔎 Antrean tinjauan"), callback_data=ReviewButton("nx", "-").pack())
        rows.insert(0, [start])
    return reply(f"{notice}\n\n{text}" if notice else text, InlineKeyboardMarkup(rows) if rows else None)


def bad_number(given: str, lang: str) -> Reply:
    _ = translator(lang)
    excerpt = given if len(given) <= 20 else given[:20] + "…"
    return reply(
        _(
            "“{given}” bukan nomor laporan. Nomor laporan terdiri dari 8 huruf dan angka, seperti yang tertulis di pesan “Laporan terkirim”, misalnya /tinjau 3F2A9C01. Bisa juga /tinjau perubahan atau /tinjau rujukan."
        ).format(given=escape(excerpt))
    )


def number_not_found(number_text: str, lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        _(
            "Laporan {number} tidak ditemukan di wilayah Anda. Periksa nomornya, atau ketik /tinjau untuk antrean."
        ).format(number=escape(number_text.upper()))
    )


def number_choice(visit_ids: Sequence[str], lang: str) -> Reply:
    _ = translator(lang)
    rows = [[(_("Laporan {n}").format(n=f"{short_id(v)}·{v[8:12]}"), ReviewButton("op", v).pack())] for v in visit_ids]
    return reply(_("Ada beberapa laporan dengan nomor itu. Pilih yang dimaksud:"), buttons(rows))


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


def ask_note(visit_id: str, head_name: str, pendamping: str | None, section: str | None, lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        _(
            "Tulis catatan untuk {name} tentang bagian <b>{section}</b> laporan {head}: apa yang perlu diperbaiki? Kirim sebagai pesan biasa."
        ).format(
            name=escape(pendamping or _("pendamping")), section=section_name(section, lang), head=escape(head_name)
        ),
        buttons([[(_("✖ Batal"), ReviewButton("x", visit_id).pack())]]),
    )


def note_cancelled(lang: str) -> Reply:
    _ = translator(lang)
    return reply(_("Baik, laporan tidak jadi dikembalikan."))


def later_delivery(pendamping: str | None, quiet_end: time | None, lang: str) -> str:
    """When the pendamping will read the decision: at the end of the quiet hours, or now (empty)."""
    _ = translator(lang)
    if quiet_end is None:
        return ""
    return " 🌙 " + _("Pemberitahuan untuk {name} akan terkirim pukul {time} (jam tenang).").format(
        name=escape(pendamping or _("pendamping")), time=f"{quiet_end:%H.%M}"
    )


def returned(
    head_name: str, pendamping: str | None, section: str | None, note: str, lang: str, quiet_end: time | None = None
) -> str:
    """The line the next card starts with after a return (HTML)."""
    _ = translator(lang)
    return (
        "↩️ "
        + _("Laporan {head} dikembalikan ke {name} (bagian {section}) dengan catatan: {note}").format(
            head=escape(head_name),
            name=escape(pendamping or "-"),
            section=section_name(section, lang),
            note=escape(note),
        )
        + later_delivery(pendamping, quiet_end, lang)
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
            _("Bagian yang perlu diperbaiki: {section}").format(section=section_name(section, lang)),
            _("Catatan dari {name}: {note}").format(name=escape(reviewer), note=escape(note)),
            "",
            _("Buka /riwayat, pilih laporan ini, perbaiki lalu kirim ulang."),
        ]
    )


def approved_notice(head_name: str, period: str, reviewer: str, lang: str) -> str:
    """The pendamping's message that a report was approved (through the outbox), HTML."""
    _ = translator(lang)
    return "✅ " + _("Laporan kunjungan {head} periode {period} disetujui oleh {name}.").format(
        head=escape(head_name), period=month_name(Period.parse(period), lang), name=escape(reviewer)
    )


def approved(done: ApprovedVisit, lang: str, quiet_end: time | None = None) -> str:
    """The line the next card starts with after an approval (HTML)."""
    _ = translator(lang)
    text = "✅ " + _("Laporan {head} disetujui.").format(head=escape(done.head_name))
    if done.pending_changes:
        text += " " + _(
            "{n} perubahan data belum diputuskan dan tetap menunggu di “Perubahan data” (/tinjau perubahan)."
        ).format(n=done.pending_changes)
    return text + later_delivery(done.pendamping_name, quiet_end, lang)


def change_decided(outcome: ChangeOutcome, approve: bool, lang: str) -> str:
    """What deciding one data change did (HTML), on the card it was decided on or in the data-change queue."""
    _ = translator(lang)
    kind = kind_label(outcome.kind, lang)
    if not approve:
        return "✖️ " + _("{kind}: ditolak.").format(kind=kind)
    if outcome.applied:
        return "✅ " + _("{kind}: diverifikasi dan diterapkan ke data KPM.").format(kind=kind)
    return "⚠️ " + _(
        "{kind} belum bisa diterapkan: {problem}. Perubahan tetap menunggu; perbaiki datanya atau tolak."
    ).format(kind=kind, problem=escape(outcome.problem or ""))


def review_rows(visit_id: str, pending: bool, lang: str) -> list[list[InlineKeyboardButton]]:
    """Buttons a reviewer gets under a report opened read-only (/kpm → Riwayat)."""
    _ = translator(lang)
    rows = []
    if pending:
        rows.append(
            [
                InlineKeyboardButton(_("✅ Setujui"), callback_data=ReviewButton("ok", visit_id).pack()),
                InlineKeyboardButton(_("↩️ Kembalikan"), callback_data=ReviewButton("rt", visit_id).pack()),
            ]
        )
    rows.append([InlineKeyboardButton(_("🔎 Buka di /tinjau"), callback_data=ReviewButton("op", visit_id).pack())])
    return rows
