"""Texts and keyboards of the supervisor reports: /ringkasan, /tunggakan, /kepatuhan, /pendamping, /grafik, /ekspor.

Callback data all start with ``sv:`` and carry the area code (and period, page) so a tap needs no memory; the
handler checks the area against the person's scope again, because button data can be forged.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from handlers.callbacks import HouseholdButton
from handlers.callbacks_supervisor import (
    ComplianceButton,
    ComplianceMembersButton,
    OverdueButton,
    PendampingButton,
    PendampingPageButton,
    SummaryButton,
)
from handlers.i18n import N_, translator
from handlers.i18n.format import date_time, number, percent
from handlers.render import Reply, buttons, reply
from handlers.render.limits import quote
from handlers.render.report_summary import month_name
from models.period import Period
from models.queries.compliance import CommitmentGap, GapMember
from models.queries.overdue import OverduePage
from models.queries.pendamping import PendampingHit, PendampingRecord, Standing
from models.queries.regions import Area
from models.queries.summary import ComplianceCount, Coverage, Summary

LEVEL_WORDS = {2: N_("kecamatan"), 3: N_("desa/kelurahan"), 1: N_("kabupaten/kota"), 4: N_("desa/kelurahan")}
CHILD_WORDS = {1: N_("Per kabupaten/kota"), 2: N_("Per kecamatan"), 3: N_("Per desa/kelurahan")}
LEVEL_ICONS = {1: "🟡", 2: "🟠", 3: "🔴"}


def pct(share: float, lang: str) -> str:
    return percent(share, lang)


def commitment_label(item: ComplianceCount | CommitmentGap, lang: str) -> str:
    return item.label_en if lang == "en" and item.label_en else item.label


# --- arguments ----------------------------------------------------------------------------------------------


def area_choice(lang: str, text: str, choices: Sequence[Area], data: Sequence[str]) -> Reply:
    _ = translator(lang)
    rows = [
        [(f"{a.name} ({_(LEVEL_WORDS.get(a.level, ''))}, {a.code})", d)] for a, d in zip(choices, data, strict=True)
    ]
    return reply(
        _("Ada beberapa wilayah bernama “{text}”. Pilih yang dimaksud:").format(text=quote(text)), buttons(rows)
    )


def area_not_found(lang: str, text: str, example: str) -> Reply:
    _ = translator(lang)
    return reply(
        _(
            "Wilayah “{text}” tidak ditemukan. Tulis nama kabupaten/kota, kecamatan atau desa, atau kodenya, "
            "misalnya: {example}"
        ).format(text=quote(text), example=escape(example))
    )


def area_out_of_scope(lang: str, text: str) -> Reply:
    _ = translator(lang)
    return reply(
        _("Wilayah “{text}” di luar wilayah Anda. Anda hanya bisa melihat wilayah tugas Anda.").format(text=quote(text))
    )


def bad_period(lang: str, text: str) -> Reply:
    _ = translator(lang)
    return reply(
        _(
            "Periode “{text}” tidak dikenali. Tulis bulan dan tahun, misalnya 2026-10, 10-2026 atau “oktober 2026”."
        ).format(text=quote(text))
    )


def future_period(lang: str, period: Period) -> Reply:
    _ = translator(lang)
    return reply(_("Periode {period} belum dimulai.").format(period=month_name(period, lang)))


# --- /ringkasan ---------------------------------------------------------------------------------------------


def _coverage_lines(total: Coverage, lang: str) -> list[str]:
    _ = translator(lang)
    return [
        _("KPM aktif: <b>{n}</b>").format(n=number(total.households, lang)),
        "✅ "
        + _("Sudah dikunjungi: {n} ({p})").format(n=number(total.visited, lang), p=pct(total.visited_share, lang)),
        "⏳ "
        + _("Belum dikunjungi: {n} ({p})").format(
            n=number(total.not_visited, lang), p=pct(total.not_visited_share, lang)
        ),
        "⚠️ "
        + _("Tunggakan 2+ periode: {n} ({p})").format(n=number(total.overdue, lang), p=pct(total.overdue_share, lang)),
    ]


def summary(result: Summary, lang: str, *, parent: Area | None) -> Reply:
    _ = translator(lang)
    period, area = result.period, result.area
    head = "📊 <b>" + _("Ringkasan {area}").format(area=escape(area.name)) + f"</b> — {month_name(period, lang)}"
    nav = [
        (
            _("◀ {period}").format(period=month_name(period.previous(), lang)),
            SummaryButton(area.code, period.previous()).pack(),
        )
    ]
    if parent is not None:
        nav.append((f"⬆ {parent.name}", SummaryButton(parent.code, period).pack()))
    if result.is_empty:
        return reply(head + "\n\n" + _("Belum ada KPM aktif di wilayah ini."), buttons([nav]))
    lines = [head, "", *_coverage_lines(result.total, lang)]
    if result.total.visited == 0:
        lines.append(_("Belum ada laporan kunjungan untuk periode ini."))
    lines += ["", "<b>" + _("Kepatuhan komitmen") + "</b>"]
    if not result.compliance:
        lines.append(_("Belum ada verifikasi komitmen periode ini."))
    for item in result.compliance:
        lines.append(
            "• "
            + _("{label}: {met} dari {checked} memenuhi ({p})").format(
                label=escape(commitment_label(item, lang)),
                met=number(item.met, lang),
                checked=number(item.checked, lang),
                p=pct(item.met_share, lang),
            )
        )
    lines += [
        "",
        "🤝 "
        + _("Rujukan: {opened} dibuka, {closed} ditutup").format(
            opened=result.referrals_opened, closed=result.referrals_closed
        ),
        "📝 " + _("Perubahan data menunggu verifikasi: {n}").format(n=number(result.pending_changes, lang)),
        "🔎 " + _("Laporan menunggu tinjauan (semua periode): {n}").format(n=number(result.awaiting_review, lang)),
    ]
    rows: list[list[tuple[str, str]]] = []
    if result.subareas:
        lines += ["", "<b>" + _(CHILD_WORDS.get(area.level, "")) + "</b>"]
        for sub in result.subareas:
            lines.append(
                "• "
                + _("{name}: {visited}/{total} dikunjungi ({p}), tunggakan {overdue}").format(
                    name=escape(sub.name),
                    visited=number(sub.visited, lang),
                    total=number(sub.households, lang),
                    p=pct(sub.visited_share, lang),
                    overdue=number(sub.overdue, lang),
                )
            )
        if result.empty_subareas:
            lines.append(_("({n} wilayah lain belum punya KPM aktif)").format(n=result.empty_subareas))
        drill = [(f"{sub.name} ›", SummaryButton(sub.code, period).pack()) for sub in result.subareas[:40]]
        rows += [drill[i : i + 2] for i in range(0, len(drill), 2)]
    rows.append(
        [
            (_("⏳ Tunggakan"), OverdueButton(area.code, 0).pack()),
            (_("📋 Kepatuhan"), ComplianceButton(area.code, period).pack()),
        ]
    )
    rows.append(nav)
    return reply("\n".join(lines), buttons(rows))


# --- /tunggakan ---------------------------------------------------------------------------------------------


def overdue(page: OverduePage, area: Area, overdue_two: int, lang: str) -> Reply:
    _ = translator(lang)
    period = page.period
    head = (
        "⏳ <b>"
        + _("Tunggakan kunjungan — {area}").format(area=escape(area.name))
        + f"</b>, {month_name(period, lang)}"
    )
    if page.total == 0:
        return reply(head + "\n\n" + _("Semua KPM aktif di wilayah ini sudah dikunjungi periode ini. 👍"))
    lines = [
        head,
        _("{n} KPM belum dikunjungi periode ini; {m} di antaranya belum dikunjungi 2 periode atau lebih.").format(
            n=number(page.total, lang), m=number(overdue_two, lang)
        ),
        _("Halaman {page} dari {pages}").format(page=page.page + 1, pages=page.pages),
    ]
    loads = {p.pendamping_id: p.overdue for p in page.by_pendamping}
    current: object = object()
    rows: list[list[tuple[str, str]]] = []
    for row in page.rows:
        if row.pendamping_id != current:
            current = row.pendamping_id
            name = escape(row.pendamping_name) if row.pendamping_name else _("(belum ada pendamping)")
            lines += ["", f"👤 <b>{name}</b> ({number(loads.get(row.pendamping_id, 0), lang)})"]
        missed = row.periods_without_visit(period)
        if missed is None:
            when = "⚠️ " + _("belum pernah dikunjungi")
        else:
            when = _("terakhir {period}").format(period=month_name(Period.parse(row.last_period or ""), lang))
            if missed >= 2:
                when += " ⚠️ " + _("{n} periode").format(n=missed)
        lines.append(f"• {escape(row.head_name)} — {escape(row.desa_name)} · {when}")
        rows.append([(f"🏠 {row.head_name} · {row.desa_name}"[:60], HouseholdButton(row.household_id).pack())])
    nav = []
    if page.page > 0:
        nav.append((_("◀ Sebelumnya"), OverdueButton(area.code, page.page - 1).pack()))
    if page.page + 1 < page.pages:
        nav.append((_("Berikutnya ▶"), OverdueButton(area.code, page.page + 1).pack()))
    if nav:
        rows.append(nav)
    return reply("\n".join(lines), buttons(rows))


# --- /kepatuhan ---------------------------------------------------------------------------------------------


def _levels_legend(lang: str) -> str:
    _ = translator(lang)
    return _("Tingkat: 🟡 1 peringatan · 🟠 2 perhatian koordinator · 🔴 3 rekomendasi penangguhan")


def compliance(gaps: Sequence[CommitmentGap], area: Area, period: Period, codes: Sequence[str], lang: str) -> Reply:
    _ = translator(lang)
    head = (
        "📋 <b>" + _("Kepatuhan komitmen — {area}").format(area=escape(area.name)) + f"</b>, {month_name(period, lang)}"
    )
    if not gaps:
        return reply(head + "\n\n" + _("Tidak ada anggota yang tercatat tidak memenuhi komitmen pada periode ini."))
    lines = [head, _("Anggota yang tidak memenuhi komitmen:"), _levels_legend(lang), ""]
    rows = []
    for gap in gaps:
        levels = " ".join(
            f"{LEVEL_ICONS[level]} {number(count, lang)}" for level, count in sorted(gap.by_level.items(), reverse=True)
        )
        lines.append(f"• <b>{escape(commitment_label(gap, lang))}</b>: {number(gap.total, lang)} — {levels}")
        index = codes.index(gap.commitment) if gap.commitment in codes else -1
        if index >= 0:
            rows.append(
                [
                    (
                        f"{commitment_label(gap, lang)} ({gap.total})"[:60],
                        ComplianceMembersButton(area.code, period, index, 0).pack(),
                    )
                ]
            )
    return reply("\n".join(lines), buttons(rows))


def compliance_members(
    members: Sequence[GapMember], total: int, label: str, area: Area, period: Period, index: int, page: int,
    page_size: int, lang: str,
) -> Reply:  # fmt: skip
    _ = translator(lang)
    pages = max(1, -(-total // page_size))
    lines = [
        "📋 <b>" + escape(label) + "</b> — " + escape(area.name) + f", {month_name(period, lang)}",
        _("{n} anggota tidak memenuhi. Halaman {page} dari {pages}").format(
            n=number(total, lang), page=page + 1, pages=pages
        ),
        _levels_legend(lang),
        "",
    ]
    rows = []
    for m in members:
        reason = _(" — alasan: {reason}").format(reason=escape(m.reason)) if m.reason else ""
        who = _(" — {name}").format(name=escape(m.pendamping_name)) if m.pendamping_name else ""
        lines.append(
            f"{LEVEL_ICONS.get(m.level, '')} {escape(m.member_name)} ({escape(m.head_name)}, {escape(m.desa_name)}){reason}{who}"
        )
        rows.append([(f"🏠 {m.head_name} · {m.member_name}"[:60], HouseholdButton(m.household_id).pack())])
    nav = []
    if page > 0:
        nav.append((_("◀ Sebelumnya"), ComplianceMembersButton(area.code, period, index, page - 1).pack()))
    if page + 1 < pages:
        nav.append((_("Berikutnya ▶"), ComplianceMembersButton(area.code, period, index, page + 1).pack()))
    nav.append((_("⬆ Semua komitmen"), ComplianceButton(area.code, period).pack()))
    rows.append(nav)
    return reply("\n".join(lines), buttons(rows))


# --- /pendamping --------------------------------------------------------------------------------------------


def leaderboard(
    standings: Sequence[Standing], area: Area, period: Period, page: int, page_size: int, lang: str, waiting: int = 0
) -> Reply:
    _ = translator(lang)
    head = (
        "🏅 <b>" + _("Cakupan pendamping — {area}").format(area=escape(area.name)) + f"</b>, {month_name(period, lang)}"
    )
    if not standings:
        return reply(head + "\n\n" + _("Belum ada pendamping aktif di wilayah ini."))
    pages = max(1, -(-len(standings) // page_size))
    shown = standings[page * page_size : (page + 1) * page_size]
    lines = [
        head,
        "🔎 " + _("Laporan menunggu tinjauan (semua periode): {n}").format(n=number(waiting, lang)),
        _("Cakupan terendah di atas. Halaman {page} dari {pages}").format(page=page + 1, pages=pages),
        "",
    ]
    rows = []
    for rank, s in enumerate(shown, start=page * page_size + 1):
        if s.households:
            lines.append(
                f"{rank}. {escape(s.name)} — {number(s.visited, lang)}/{number(s.households, lang)} ({pct(s.share, lang)})"
            )
        else:
            lines.append(f"{rank}. {escape(s.name)} — " + _("belum ada KPM dampingan"))
        rows.append([(f"👤 {s.name}"[:60], PendampingButton(s.id).pack())])
    nav = []
    if page > 0:
        nav.append((_("◀ Sebelumnya"), PendampingPageButton(area.code, page - 1).pack()))
    if page + 1 < pages:
        nav.append((_("Berikutnya ▶"), PendampingPageButton(area.code, page + 1).pack()))
    if nav:
        rows.append(nav)
    return reply("\n".join(lines), buttons(rows))


def pendamping_choice(hits: Sequence[PendampingHit], text: str, lang: str) -> Reply:
    _ = translator(lang)
    if not hits:
        return reply(
            _("Pendamping “{text}” tidak ditemukan di wilayah Anda. Tulis sebagian nama atau nomor teleponnya.").format(
                text=quote(text)
            )
        )
    rows = [[(f"👤 {h.name} · {h.area_name}"[:60], PendampingButton(h.id).pack())] for h in hits]
    return reply(_("Pilih pendamping yang dimaksud:"), buttons(rows))


def pendamping_record(record: PendampingRecord, period: Period, lang: str, tz: str) -> Reply:
    _ = translator(lang)
    lines = [f"👤 <b>{escape(record.name)}</b> — {escape(record.area_name)}"]
    if record.phone:
        lines.append(_("Telepon: {phone}").format(phone=escape(record.phone)))
    if not record.active:
        lines.append("⛔ " + _("Akun dinonaktifkan"))
    lines.append(_("KPM dampingan: {n}").format(n=number(record.households, lang)))
    for when, visited, share in (
        (period, record.visited_now, record.share_now),
        (period.previous(), record.visited_before, record.share_before),
    ):
        lines.append(
            _("Cakupan {period}: {visited}/{total} ({p})").format(
                period=month_name(when, lang),
                visited=number(visited, lang),
                total=number(record.households, lang),
                p=pct(share, lang),
            )
        )
    lines.append("🔎 " + _("Laporan menunggu tinjauan (semua periode): {n}").format(n=number(record.waiting, lang)))
    lines.append(
        _("Laporan dikembalikan (2 periode terakhir): {n}; belum diperbaiki: {m}").format(
            n=record.returned, m=record.still_returned
        )
    )
    if record.late_reports:
        days = number(round(record.average_days_late or 0.0, 1), lang)
        lines.append(
            _("Laporan terlambat (3 periode terakhir): {n}, rata-rata {days} hari").format(
                n=record.late_reports, days=days
            )
        )
    else:
        lines.append(_("Laporan terlambat (3 periode terakhir): tidak ada"))
    last = date_time(record.last_activity, lang, tz) if record.last_activity else _("belum ada laporan")
    lines.append(_("Aktivitas terakhir: {when}").format(when=last))
    return reply("\n".join(lines))
