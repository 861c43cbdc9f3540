"""A visit report summarised: the review screen before submitting, the confirmation after, the read-only view
from /riwayat, and the "already reported this period" notice. One summary for all, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from babel.dates import format_date

from handlers.callbacks import HistoryButton, ReportButton, ScheduleButton, VisitButton
from handlers.i18n import N_, normalize_language, translator
from handlers.i18n.format import long_date, number, short_date
from handlers.render import Reply, buttons, change_values, reply
from handlers.render import report_labels as texts
from models.period import Period
from models.queries.visits import VisitLine
from models.queries.worklist import ReportedVisit
from models.tables import CheckResult
from models.visits import Submitted, VisitReport

SECTION_LABELS = {
    "kunjungan": N_("Kunjungan"),
    "komitmen": N_("Komitmen"),
    "kondisi": N_("Kondisi"),
    "kesejahteraan": N_("Kesejahteraan"),
    "perubahan": N_("Perubahan data"),
    "rujukan": N_("Rujukan"),
    "bukti": N_("Foto & lokasi"),
    "catatan": N_("Catatan"),
}
REVIEW_STATUS = {
    "menunggu": N_("⏳ menunggu tinjauan"),
    "disetujui": N_("✅ disetujui"),
    "dikembalikan": N_("↩️ dikembalikan untuk diperbaiki"),
}


def section_name(section: str | None, lang: str) -> str:
    """A report section as the koordinator picked it when returning the report; ``None`` is the whole report."""
    _ = translator(lang)
    return _(SECTION_LABELS[section]) if section in SECTION_LABELS else _("seluruh laporan")


RESULT_ICONS = {CheckResult.MET: "✅", CheckResult.NOT_MET: "❌", CheckResult.NOT_APPLICABLE: "➖"}


def month_name(period: Period, lang: str) -> str:
    return format_date(period.start, "MMMM y", locale=normalize_language(lang))


def summary_lines(report: VisitReport, lang: str, *, full_ids: bool) -> list[str]:
    """``full_ids``: a NIK typed for a birth or someone moving in is shown whole (to the pendamping checking what
    they typed, and to an admin), otherwise masked like every NIK."""
    _ = translator(lang)
    lines = [
        f"🏠 <b>{escape(report.head_name)}</b>",
        "📅 "
        + _("{day} · periode {period}").format(
            day=long_date(report.visited_on, lang), period=month_name(report.period, lang)
        ),
    ]
    if not report.met:
        reason = _(texts.NOT_MET_LABELS.get(report.not_met_reason or "", N_("Lainnya"))).lower()
        reason = _with_words(reason, report.other_reasons.get("kunjungan"))
        lines.append("👥 " + _("Tidak bertemu keluarga: {reason}").format(reason=reason))
    else:
        lines.append("👥 " + _("Bertemu keluarga"))
        lines.extend(_checks(report, lang))
        lines.append("🏠 " + _("Kondisi: {items}").format(items=_condition(report, lang)))
        score = report.deprivation_score
        if score is None:
            lines.append("📊 " + _("Kesejahteraan: tidak diisi"))
        else:
            lines.append(
                "📊 "
                + _("Kesejahteraan: skor kekurangan {score} dari {asked} yang dijawab").format(
                    score=score, asked=len(report.welfare)
                )
            )
        lines.extend(_changes(report, lang, full_ids))
        lines.extend(_referrals(report, lang))
        lines.extend(_evidence(report, lang))
    if report.notes:
        lines.append("🗒 " + _("Catatan: {notes}").format(notes=escape(report.notes)))
    return lines


def _checks(report: VisitReport, lang: str) -> list[str]:
    _ = translator(lang)
    if not report.checks:
        return ["✅ " + _("Komitmen: tidak ada yang berlaku periode ini")]
    if all(c.result is CheckResult.MET for c in report.checks):
        return ["✅ " + _("Komitmen: semua memenuhi ({count})").format(count=len(report.checks))]
    lines = ["✅ " + _("Komitmen:")]
    for check in report.checks:
        label = check.label_en if lang == "en" and check.label_en else check.label
        line = f"   {RESULT_ICONS[check.result]} {escape(check.member_name)} — {escape(label)}"
        if check.reason:
            reason = texts.inline(_(texts.MISSED_LABELS.get(check.reason, check.reason)))
            line += f" ({_with_words(reason, check.reason_note)})"
        lines.append(line)
    return lines


def _condition(report: VisitReport, lang: str) -> str:
    _ = translator(lang)
    if not report.condition:
        return _("tidak diisi")
    return " · ".join(
        f"{_(texts.CONDITION_LABELS.get(k, k)).lower()} {_(texts.CONDITION_VALUE_LABELS.get(v, v))}"
        for k, v in report.condition.items()
    )


def _changes(report: VisitReport, lang: str, full_ids: bool) -> list[str]:
    _ = translator(lang)
    if not report.changes:
        return ["📝 " + _("Perubahan data: tidak ada")]
    lines = ["📝 " + _("Perubahan data (menunggu verifikasi):")]
    for change in report.changes:
        parts = [_(texts.CHANGE_KIND_LABELS.get(change.kind, change.kind))]
        if change.member_name:
            parts.append(escape(change.member_name))
        parts.extend(escape(str(v)) for v in change_values(change.values, full_ids, lang).values())
        lines.append("   • " + " — ".join(parts))
    return lines


def _referrals(report: VisitReport, lang: str) -> list[str]:
    _ = translator(lang)
    if not report.referrals:
        return ["🤝 " + _("Rujukan: tidak ada")]
    lines = ["🤝 " + _("Rujukan:")]
    for referral in report.referrals:
        who = escape(referral.member_name) if referral.member_name else _(texts.WHOLE_FAMILY).lower()
        sector = _(texts.SECTOR_LABELS.get(referral.sector, referral.sector))
        lines.append(f"   • {sector} — {who}: {escape(referral.need)}")
    return lines


def _evidence(report: VisitReport, lang: str) -> list[str]:
    _ = translator(lang)
    if report.photo_file_id:
        photo = "📷 " + _("Foto: ada")
    elif report.photo_skip_reason:
        reason = texts.inline(_(texts.PHOTO_SKIP_LABELS.get(report.photo_skip_reason, report.photo_skip_reason)))
        reason = _with_words(reason, report.other_reasons.get("foto"))
        photo = "📷 " + _("Foto: tidak ada ({reason})").format(reason=reason)
    else:
        photo = "📷 " + _("Foto: tidak ada")
    if report.latitude is not None:
        location = "📍 " + _("Lokasi: ada")
        if report.distance_km is not None:
            location += " " + _("({km} km dari titik terakhir keluarga ini)").format(
                km=number(round(report.distance_km, 1), lang)
            )
        if report.location_flagged:
            location = "⚠️ " + location[2:] + " — " + _("jauh dari titik terakhir, akan ditandai untuk koordinator")
    elif report.location_skip_reason:
        reason = texts.inline(
            _(texts.LOCATION_SKIP_LABELS.get(report.location_skip_reason, report.location_skip_reason))
        )
        reason = _with_words(reason, report.other_reasons.get("lokasi"))
        location = "📍 " + _("Lokasi: tidak ada ({reason})").format(reason=reason)
    else:
        location = "📍 " + _("Lokasi: tidak ada")
    return [photo, location]


def _with_words(reason: str, words: str | None) -> str:
    """A reason label, followed by the pendamping's own words when it was "lainnya": lainnya: “merantau”."""
    return f"{reason}: “{escape(words)}”" if words else reason


def review(report: VisitReport, lang: str, *, returned: dict[str, Any] | None = None) -> str:
    _ = translator(lang)
    lines = []
    if returned:
        lines.append(
            "↩️ " + _("<b>Dikembalikan koordinator:</b> {note}").format(note=escape(returned.get("note") or ""))
        )
        section = returned.get("section")
        lines.append(_("Bagian yang perlu diperbaiki: {section}").format(section=section_name(section, lang)))
        lines.append("")
    lines.append("📋 <b>" + _("Ringkasan laporan") + "</b>")
    lines.extend(summary_lines(report, lang, full_ids=True))  # the pendamping checks what they typed
    lines.append("")
    lines.append(_("Periksa sekali lagi. Ubah bagian yang keliru, atau kirim laporan."))
    return "\n".join(lines)


def submitted(result: Submitted, lang: str) -> Reply:
    _ = translator(lang)
    if result.already:
        head = _("Laporan ini sudah terkirim sebelumnya. Nomor laporan: <code>{id}</code>.")
    elif result.corrected:
        head = _("✅ Perbaikan laporan terkirim dan menunggu tinjauan lagi. Nomor laporan: <code>{id}</code>.")
    else:
        head = _("✅ Laporan terkirim. Nomor laporan: <code>{id}</code>.")
    lines = [head.format(id=result.short_id)]
    if result.late:
        lines.append(
            _(
                "⏰ Periode laporan ini sudah ditutup, jadi laporan ditandai terlambat dan perlu persetujuan "
                "koordinator."
            )
        )
    if result.location_flagged:
        lines.append(_("⚠️ Lokasi jauh dari titik terakhir keluarga ini; koordinator akan memeriksanya."))
    return reply(
        "\n".join(lines),
        buttons([[(_("📝 Lapor keluarga lain"), ReportButton().pack()), (_("📅 Jadwal"), ScheduleButton().pack())]]),
    )


def already_reported(lang: str, head_name: str, found: ReportedVisit, force_data: str, other_data: str) -> Reply:
    _ = translator(lang)
    text = _("<b>{name}</b> sudah dilaporkan periode ini (kunjungan {day}).").format(
        name=escape(head_name), day=long_date(found.visited_on, lang)
    )
    return reply(
        text,
        buttons(
            [
                [(_("📄 Buka laporan itu"), VisitButton(found.visit_id).pack())],
                [(_("➕ Tetap buat laporan kunjungan baru"), force_data)],
                [(_("↩ Pilih keluarga lain"), other_data)],
            ]
        ),
    )


def visit_view(report: VisitReport, lang: str, *, can_fix: bool, full_ids: bool) -> Reply:
    """A submitted report, read-only, with its review status (and "perbaiki" when it was sent back)."""
    _ = translator(lang)
    assert report.visit_id is not None
    from models.forms import short_id

    lines = [
        _("📄 <b>Laporan {id}</b> — {status}").format(
            id=short_id(report.visit_id),
            status=_(REVIEW_STATUS.get(report.review_status or "", N_("⏳ menunggu tinjauan"))),
        )
    ]
    if report.review_status == "dikembalikan":  # what the pendamping is asked to fix, as the message said
        lines.append(
            _("Bagian yang perlu diperbaiki: {section}").format(section=section_name(report.review_section, lang))
        )
    if report.review_note:
        lines.append(_("Catatan koordinator: {note}").format(note=escape(report.review_note)))
    if report.late:
        lines.append(_("⏰ Terlambat (periode sudah ditutup saat dikirim)."))
    lines.extend(summary_lines(report, lang, full_ids=full_ids))
    rows = []
    if can_fix:
        rows.append([(_("✏️ Perbaiki laporan"), VisitButton(report.visit_id, "fix").pack())])
    rows.append([(_("🗂 Riwayat keluarga ini"), HistoryButton(report.household_id).pack())])
    return reply("\n".join(lines), buttons(rows))


def history(lines_: Sequence[VisitLine], lang: str, *, household: str | None = None) -> Reply:
    _ = translator(lang)
    if not lines_:
        return reply(_("Belum ada laporan kunjungan."))
    head = (
        _("🗂 <b>Riwayat kunjungan {name}</b>").format(name=escape(household))
        if household
        else _("🗂 <b>Laporan terakhir Anda</b>")
    )
    rows = []
    for line in lines_:
        icon = {"dikembalikan": "↩️", "disetujui": "✅"}.get(line.review_status, "⏳")
        label = f"{icon} {short_date(line.visited_on, lang)} · {line.head_name}"
        rows.append([(label[:60], VisitButton(line.visit_id).pack())])
    text = head + "\n" + _("⏳ menunggu · ✅ disetujui · ↩️ dikembalikan (perlu diperbaiki). Pilih untuk membuka.")
    return reply(text, buttons(rows))
