"""The household card's second half: applicable commitments, last visits, open referrals, pending data changes,
and the buttons to act on it ("lapor kunjungan", "riwayat"). The first half (identity, members) is
``render.household_card``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from handlers import render
from handlers.callbacks import HistoryButton, ReportButton
from handlers.i18n import translator
from handlers.i18n.format import short_date
from handlers.render import Reply, buttons, reply
from handlers.render.report import why
from handlers.render.report_labels import CHANGE_KIND_LABELS, SECTOR_LABELS
from handlers.render.report_summary import REVIEW_STATUS, month_name
from models.period import Period
from models.queries.households import HouseholdCard
from models.queries.visits import HouseholdActivity
from models.visit_facts import CommitmentItem


def card(
    base: HouseholdCard,
    activity: HouseholdActivity,
    items: Sequence[CommitmentItem],
    period: Period,
    lang: str,
    *,
    today: date,
    full_ids: bool,
    can_report: bool,
) -> Reply:
    _ = translator(lang)
    first = render.household_card(base, lang, today, full_ids=full_ids)
    lines = [first["text"], ""]
    lines.append(_("✅ <b>Komitmen periode {period}</b>").format(period=month_name(period, lang)))
    if items:
        lines.extend(f"• {why(item, lang)}" for item in items)
    else:
        lines.append(_("tidak ada yang berlaku"))
    lines.append("")
    lines.append(_("🗂 <b>Kunjungan terakhir</b>"))
    if not activity.last_visits:
        lines.append(_("belum pernah dikunjungi"))
    for visit in activity.last_visits:
        met = _("bertemu") if visit.met else _("tidak bertemu")
        status = _(REVIEW_STATUS.get(visit.review_status, ""))
        lines.append(f"• {short_date(visit.visited_on, lang)} — {met} — {status}")
    if activity.open_referrals:
        lines.append("")
        lines.append(_("🤝 <b>Rujukan terbuka</b>"))
        for referral in activity.open_referrals:
            who = f" ({escape(referral.member_name)})" if referral.member_name else ""
            lines.append(
                f"• {_(SECTOR_LABELS.get(referral.sector, referral.sector))}{who}: {escape(referral.need)}"
                f" — {escape(referral.status)}"
            )
    if activity.pending_changes:
        lines.append("")
        lines.append(_("📝 <b>Perubahan data menunggu verifikasi</b>"))
        for change in activity.pending_changes:
            who = f" — {escape(change.member_name)}" if change.member_name else ""
            values = ", ".join(escape(str(v)) for v in render.change_values(change.new_value, full_ids, lang).values())
            lines.append(
                f"• {_(CHANGE_KIND_LABELS.get(change.kind, change.kind))}{who}{': ' + values if values else ''}"
            )
    rows: list[list[tuple[str, str]]] = []
    action_row = [(_("🗂 Riwayat"), HistoryButton(base.id).pack())]
    if can_report:
        action_row.insert(0, (_("📝 Lapor kunjungan"), ReportButton(base.id).pack()))
    rows.append(action_row)
    return reply("\n".join(lines), buttons(rows))
