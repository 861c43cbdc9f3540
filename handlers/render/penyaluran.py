"""Texts and keyboards of /penyaluran: an area's disbursement list (counts per verdict, the signature), its two
exception lists paged, the reason asked for an override or an adjustment, the sign-off question, and the
admin's province board with the export. The verdict words are shared with the CLI (``render.period_close``).

Everything a person typed or the registry holds (names, reasons) is escaped and, in a list, quoted short
(``limits.quote``), so a page of the longest names still fits Telegram's 4,096 characters.
"""

from __future__ import annotations

from datetime import date
from html import escape

from handlers.callbacks_supervisor import (
    PayoutCancelButton,
    PayoutDecisionButton,
    PayoutExportButton,
    PayoutSignButton,
    PayoutViewButton,
)
from handlers.i18n import N_, translator
from handlers.i18n.format import date_time, long_date, number
from handlers.render import Reply, buttons, reply
from handlers.render.limits import quote
from handlers.render.period_close import problem, reason_label, verdict_label
from handlers.render.report_summary import month_name
from models.period import Period
from models.period_close import ADJUSTED
from models.queries.period_board import AreaBoard, ListedHousehold, ListPage, ProvinceArea
from models.queries.regions import Area
from models.queries.summary import commitment_labels
from models.tables import Verdict

ICONS = {"layak_salur": "✅", "direkomendasikan_ditangguhkan": "⚠️", "ditangguhkan": "⛔", "belum_terverifikasi": "❔"}
NAME, PLACE, REASON = 40, 30, 80  # characters of a name, a desa and a typed reason quoted in a list
REASON_PROMPT = N_("Tulis alasannya dalam beberapa kata (3–200 huruf), misalnya “anak sudah kembali sekolah”.")


def _label(verdict: str, lang: str) -> str:
    text = verdict_label(verdict, lang)
    return text[:1].upper() + text[1:]


def _title(area: Area, period: Period, lang: str) -> str:
    _ = translator(lang)
    return (
        "💰 <b>"
        + _("Daftar penyaluran — {area}").format(area=escape(area.name))
        + "</b>\n"
        + _("Periode {period}").format(period=month_name(period, lang))
    )


def _nav(area: str, period: Period, view: str, page: ListPage, lang: str) -> list[tuple[str, str]]:
    _ = translator(lang)
    nav = []
    if page.page > 0:
        nav.append((_("◀ Sebelumnya"), PayoutViewButton(area, period, view, page.page - 1).pack()))  # type: ignore[arg-type]
    if page.page + 1 < page.pages:
        nav.append((_("Berikutnya ▶"), PayoutViewButton(area, period, view, page.page + 1).pack()))  # type: ignore[arg-type]
    return nav


def not_closed(period: Period, opens: date, lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        "⏳ "
        + _(
            "Periode {period} belum ditutup: laporan masih diterima sampai tenggatnya. Daftar penyaluran dapat "
            "dibuka mulai {day}. Ketik /penyaluran tanpa periode untuk periode terakhir yang sudah ditutup."
        ).format(period=month_name(period, lang), day=long_date(opens, lang))
    )


def failed(code: str, detail: str, lang: str) -> Reply:
    return reply(problem(code, detail, lang))


def board(
    area: Area, period: Period, found: AreaBoard, lang: str, tz: str, *, can_sign: bool, admin: bool,
    notice: str | None = None,
) -> Reply:  # fmt: skip
    """The area's list: counts per verdict, signed or not, and the way to the exceptions and the signature."""
    _ = translator(lang)
    lines = [notice, ""] if notice else []
    lines.append(_title(area, period, lang))
    rows: list[list[tuple[str, str]]] = []
    if found.total == 0:
        lines += ["", _("Belum ada keluarga di daftar periode ini untuk wilayah ini.")]
    else:
        lines += [_("{n} keluarga di daftar").format(n=number(found.total, lang)), ""]
        for verdict in Verdict:
            line = f"{ICONS[verdict.value]} {_label(verdict.value, lang)}: {number(found.counts.get(verdict.value, 0), lang)}"
            if verdict is Verdict.UNVERIFIED:
                paid = found.counts.get(verdict.value, 0) - found.held
                line += " " + _("(disalurkan {paid}, ditahan {held})").format(
                    paid=number(paid, lang), held=number(found.held, lang)
                )
            lines.append(line)
        lines.append("")
        if found.signed_at is not None:
            lines.append(
                "✍️ "
                + _(
                    "Ditandatangani oleh {who}, {when}. Daftar ini dibekukan; perubahan hanya lewat penyesuaian dengan alasan."
                ).format(who=escape(found.signed_by or "-"), when=date_time(found.signed_at, lang, tz))
            )
        else:
            lines.append("⏳ " + _("Belum ditandatangani."))
            if found.undecided:
                lines.append(
                    _(
                        "Masih {n} rekomendasi penangguhan yang belum diputuskan: putuskan dulu, lalu tandatangani."
                    ).format(n=number(found.undecided, lang))
                )
            elif not can_sign:
                lines.append(_("Daftar ditandatangani oleh koordinator kabupaten/kota."))
        if found.adjustments:
            lines.append("🧾 " + _("Penyesuaian setelah tanda tangan: {n}").format(n=number(found.adjustments, lang)))
        if found.recommendations:
            label = _("⚠️ Rekomendasi penangguhan ({n})").format(n=number(found.recommendations, lang))
            rows.append([(label, PayoutViewButton(area.code, period, "r").pack())])
        unverified = found.counts.get(Verdict.UNVERIFIED.value, 0)
        if unverified:
            label = _("❔ Belum terverifikasi ({n})").format(n=number(unverified, lang))
            rows.append([(label, PayoutViewButton(area.code, period, "u").pack())])
        if can_sign and found.signed_at is None and not found.undecided:
            rows.append([(_("✍️ Tandatangani daftar"), PayoutSignButton("ask", area.code, period).pack())])
    if admin:
        rows.append([(_("⬅️ Seluruh provinsi"), PayoutViewButton("36", period).pack())])
    return reply("\n".join(lines), buttons(rows))


def _decided(item: ListedHousehold, lang: str, tz: str) -> str:
    _ = translator(lang)
    who = quote(item.decided_by or "-", PLACE)
    when = date_time(item.decided_at, lang, tz) if item.decided_at else ""
    if item.verdict == Verdict.RECOMMENDED.value:
        return "⏳ " + _("belum diputuskan")
    if item.verdict == Verdict.SUSPENDED.value:
        return "⛔ " + _("ditangguhkan — dikonfirmasi {who}, {when}").format(who=who, when=when)
    return "↩️ " + _("rekomendasi dibatalkan {who}, {when}: “{reason}”").format(
        who=who, when=when, reason=quote(item.override_reason or "", REASON)
    )


def _adjusted(item: ListedHousehold, lang: str, tz: str) -> str | None:
    _ = translator(lang)
    a = item.adjustment
    if a is None:
        return None
    return "🧾 " + _("penyesuaian: semula {before}, kini {after} — “{reason}” ({who}, {when})").format(
        before=verdict_label(a.before, lang),
        after=verdict_label(a.after, lang),
        reason=quote(a.reason, REASON),
        who=quote(a.made_by or "-", PLACE),
        when=date_time(a.made_at, lang, tz),
    )


def _three_periods(period: str, lang: str) -> str:
    last = Period.parse(period)
    return ", ".join(month_name(p, lang) for p in (last.previous().previous(), last.previous(), last))


def _adjustable(item: ListedHousehold) -> bool:
    current = item.adjustment.after if item.adjustment else item.verdict
    if current == Verdict.ELIGIBLE.value:
        return item.member_name is not None or item.commitment is not None
    return Verdict(current) in ADJUSTED


def recommendations(area: Area, period: Period, page: ListPage, lang: str, tz: str, *, signed: bool,
                    notice: str | None = None) -> Reply:  # fmt: skip
    """The suspension recommendations, five to a page: the member, the commitment, the three periods, and what
    was decided — with confirm / override buttons until the list is signed, an adjustment after."""
    _ = translator(lang)
    lines = [notice, ""] if notice else []
    lines += [
        _title(area, period, lang),
        "⚠️ <b>" + _("Rekomendasi penangguhan: {n} keluarga").format(n=number(page.total, lang)) + "</b>",
        _("Halaman {page} dari {pages}").format(page=page.page + 1, pages=page.pages),
    ]
    rows: list[list[tuple[str, str]]] = []
    for number_on_page, item in enumerate(page.rows, start=page.page * page.size + 1):
        commitment = commitment_labels(item.commitment)[1 if lang == "en" else 0] if item.commitment else "-"
        lines += [
            "",
            f"{number_on_page}. <b>{quote(item.head_name, NAME)}</b> — {quote(item.desa_name, PLACE)}",
            "   "
            + _("Anggota: {member} · komitmen: {commitment}").format(
                member=quote(item.member_name or "-", NAME), commitment=quote(commitment, NAME)
            ),
            "   " + _("Tidak memenuhi: {periods}").format(periods=_three_periods(item.period, lang)),
            "   " + _decided(item, lang, tz),
        ]
        if (adjusted := _adjusted(item, lang, tz)) is not None:
            lines.append("   " + adjusted)
        head = item.head_name[:24]
        if not signed:
            rows.append(
                [
                    (_("⛔ Tangguhkan: {head}").format(head=head), PayoutDecisionButton("ok", item.verdict_id, area.code, "r", page.page).pack()),
                    (_("↩️ Batalkan"), PayoutDecisionButton("no", item.verdict_id, area.code, "r", page.page).pack()),
                ]
            )  # fmt: skip
        elif _adjustable(item):
            data = PayoutDecisionButton("adj", item.verdict_id, area.code, "r", page.page).pack()
            rows.append([(_("🧾 Sesuaikan: {head}").format(head=head), data)])
    if nav := _nav(area.code, period, "r", page, lang):
        rows.append(nav)
    rows.append([(_("⬅️ Kembali ke ringkasan"), PayoutViewButton(area.code, period).pack())])
    return reply("\n".join(lines), buttons(rows))


def unverified(area: Area, period: Period, page: ListPage, lang: str, tz: str, *, signed: bool,
               notice: str | None = None) -> Reply:  # fmt: skip
    """The households without a verifying report, with their pendamping; after the signature each one can be
    adjusted (a late report approved since)."""
    _ = translator(lang)
    lines = [notice, ""] if notice else []
    lines += [
        _title(area, period, lang),
        "❔ <b>" + _("Belum terverifikasi: {n} keluarga").format(n=number(page.total, lang)) + "</b>",
        _("Halaman {page} dari {pages}").format(page=page.page + 1, pages=page.pages),
        "",
    ]
    rows: list[list[tuple[str, str]]] = []
    for number_on_page, item in enumerate(page.rows, start=page.page * page.size + 1):
        paid = _("disalurkan") if item.disburse else _("ditahan")
        lines.append(
            f"{number_on_page}. <b>{quote(item.head_name, NAME)}</b> — {quote(item.desa_name, PLACE)} · "
            f"{reason_label(item.reason, lang)} · "
            + _("pendamping: {name}").format(name=quote(item.pendamping or "-", PLACE))
            + f" · {paid}"
        )
        if (adjusted := _adjusted(item, lang, tz)) is not None:
            lines.append("   " + adjusted)
        if signed and _adjustable(item):
            data = PayoutDecisionButton("adj", item.verdict_id, area.code, "u", page.page).pack()
            rows.append([(_("🧾 Sesuaikan: {head}").format(head=item.head_name[:24]), data)])
    if nav := _nav(area.code, period, "u", page, lang):
        rows.append(nav)
    rows.append([(_("⬅️ Kembali ke ringkasan"), PayoutViewButton(area.code, period).pack())])
    return reply("\n".join(lines), buttons(rows))


def ask_reason(item: ListedHousehold, action: str, area_code: str, view: str, page: int, lang: str) -> Reply:
    """ "↩️ Batalkan" / "🧾 Sesuaikan": what the reason is for, asked as the next message, with a way back."""
    _ = translator(lang)
    head = quote(item.head_name, NAME)
    if action == "adjust":
        current = item.adjustment.after if item.adjustment else item.verdict
        after = ADJUSTED[Verdict(current)][0].value
        text = _("🧾 Penyesuaian setelah tanda tangan untuk <b>{head}</b>: dari {before} menjadi {after}.").format(
            head=head, before=verdict_label(current, lang), after=verdict_label(after, lang)
        )
    else:
        text = _("↩️ Membatalkan rekomendasi penangguhan untuk <b>{head}</b>: keluarga ini tetap layak salur.").format(
            head=head
        )
    cancel = PayoutCancelButton(area_code, Period.parse(item.period), view, page).pack()  # type: ignore[arg-type]
    return reply(text + "\n\n" + _(REASON_PROMPT), buttons([[(_("✖️ Batal"), cancel)]]))


def reason_refused(problem_code: str, lang: str) -> Reply:
    """A reason that is not a few plain words: why, and the question again."""
    _ = translator(lang)
    why = {
        "short": _("Alasan terlalu pendek."),
        "long": _("Alasan terlalu panjang."),
        "plain": _("Alasan hanya boleh berisi kata-kata biasa, tanpa tanda &lt; &gt; atau karakter tersembunyi."),
    }[problem_code]
    return reply(why + " " + _(REASON_PROMPT))


def confirmed(head: str, lang: str) -> str:
    _ = translator(lang)
    return "⛔ " + _("Rekomendasi dikonfirmasi: {head} ditangguhkan.").format(head=quote(head, NAME))


def overridden(head: str, lang: str) -> str:
    _ = translator(lang)
    return "↩️ " + _("Rekomendasi dibatalkan: {head} tetap layak salur.").format(head=quote(head, NAME))


def adjusted(head: str, after: str, lang: str) -> str:
    _ = translator(lang)
    return "🧾 " + _("Penyesuaian dicatat: {head} kini {after}.").format(
        head=quote(head, NAME), after=verdict_label(after, lang)
    )


def ask_sign(area: Area, period: Period, found: AreaBoard, lang: str) -> Reply:
    _ = translator(lang)
    counts = "; ".join(f"{verdict_label(v.value, lang)} {number(found.counts.get(v.value, 0), lang)}" for v in Verdict)
    text = (
        "✍️ "
        + _("Tandatangani daftar penyaluran {area} periode {period}? {n} keluarga: {counts}.").format(
            area=escape(area.name), period=month_name(period, lang), n=number(found.total, lang), counts=counts
        )
        + "\n\n"
        + _("Setelah ditandatangani daftar ini dibekukan: perubahan hanya lewat penyesuaian dengan alasan.")
    )
    rows = [
        [(_("✍️ Ya, tandatangani"), PayoutSignButton("ya", area.code, period).pack())],
        [(_("✖️ Batal"), PayoutViewButton(area.code, period).pack())],
    ]
    return reply(text, buttons(rows))


def signed(lang: str) -> str:
    _ = translator(lang)
    return "✍️ " + _("Daftar ditandatangani.")


def province(period: Period, areas: list[ProvinceArea], lang: str, tz: str) -> Reply:
    """The admin's board: every kabupaten/kota of the province (one nobody opened yet marked "belum ditutup" and
    counted as unsigned), how many of them are signed, the totals of the closed lists, the export."""
    _ = translator(lang)
    signed_count = sum(1 for a in areas if a.signed_at is not None)
    not_closed = sum(1 for a in areas if not a.closed)
    lines = [
        "💰 <b>" + _("Daftar penyaluran — seluruh provinsi") + "</b>",
        _("Periode {period}").format(period=month_name(period, lang)),
        _("Sudah ditandatangani: {n} dari {m} kabupaten/kota").format(n=signed_count, m=len(areas)),
    ]
    if signed_count < len(areas):
        lines.append(
            _("Belum ditandatangani: {n} (belum ditutup: {k})").format(n=len(areas) - signed_count, k=not_closed)
        )
    lines.append("")
    totals = dict.fromkeys((v.value for v in Verdict), 0)
    rows: list[list[tuple[str, str]]] = []
    pair: list[tuple[str, str]] = []
    for a in areas:
        for verdict, count in a.counts.items():
            totals[verdict] = totals.get(verdict, 0) + count
        if a.signed_at is not None:
            state = "✍️ " + _("ditandatangani {who}, {when}").format(
                who=quote(a.signed_by or "-", PLACE), when=date_time(a.signed_at, lang, tz)
            )
        elif not a.closed:
            state = "▫️ " + _("belum ditutup: daftarnya belum pernah dibuka")
        elif a.undecided:
            state = "⏳ " + _("belum ditandatangani; {n} rekomendasi belum diputuskan").format(
                n=number(a.undecided, lang)
            )
        else:
            state = "⏳ " + _("belum ditandatangani")
        lines.append(f"• <b>{escape(a.name)}</b> — {state}")
        pair.append((a.name[:30], PayoutViewButton(a.code, period).pack()))
        if len(pair) == 2:
            rows.append(pair)
            pair = []
    if pair:
        rows.append(pair)
    if not_closed:
        heading = _("Jumlah dari {n} kabupaten/kota yang sudah ditutup").format(n=len(areas) - not_closed)
    else:
        heading = _("Jumlah seluruh provinsi")
    lines += ["", "<b>" + heading + "</b>"]
    lines += [f"{ICONS[v]} {_label(v, lang)}: {number(n, lang)}" for v, n in totals.items()]
    if not_closed:
        lines.append(_("Buka kabupaten/kota yang belum ditutup untuk menutup periodenya."))
    rows.append([(_("📥 Ekspor yang sudah ditandatangani"), PayoutExportButton(period, "signed").pack())])
    rows.append([(_("📥 Ekspor semua, termasuk yang belum ditandatangani"), PayoutExportButton(period, "all").pack())])
    return reply("\n".join(lines), buttons(rows))


def export_preparing(lang: str) -> Reply:
    _ = translator(lang)
    return reply("⏳ " + _("Daftar penyaluran sedang disiapkan. Berkas akan dikirim begitu siap."))


def export_nothing(period: Period, lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        _(
            "Belum ada kabupaten/kota yang menandatangani daftar periode {period}. Pilih “Ekspor semua” untuk "
            "daftar yang belum ditandatangani (ditandai)."
        ).format(period=month_name(period, lang))
    )


def export_caption(period: Period, rows: int, unsigned: list[str], included: bool, lang: str) -> str:
    _ = translator(lang)
    text = _("Daftar penyaluran {period}: {n} keluarga.").format(period=month_name(period, lang), n=number(rows, lang))
    if unsigned:
        note = (
            _("Belum ditandatangani (ditandai): {areas}")
            if included
            else _("Belum ditandatangani (tidak disertakan): {areas}")
        )
        text += "\n" + note.format(areas=quote(", ".join(unsigned), 600))
    return text
