"""Texts of the period close's reminders: "sign the disbursement list" to a koordinator, "not signed yet" to admins.

Both name the command that opens the list (``/penyaluran YYYY-MM``) and carry "📋 Buka daftar penyaluran", a
/penyaluran button (``PayoutViewButton``) that opens what the command opens: the koordinator's own area, the
province board for an admin. Its area is checked against the presser's scope like any /penyaluran button, so a
forged one for another kabupaten/kota is refused. Then "⏰ Tunda 1 hari", as on every reminder. Region names come from the
reference data but are escaped and cut like any text, and the admin's list stops at ``LISTED`` names, so the
message stays far inside Telegram's 4,096 characters however many kabupaten/kota a province has.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from handlers.callbacks import SnoozeButton
from handlers.callbacks_supervisor import PayoutViewButton
from handlers.i18n import translator
from handlers.i18n.format import long_date, number
from handlers.render import Reply, buttons, reply
from handlers.render.limits import quote
from handlers.render.reminder_texts import period_name
from models.period import Period
from models.period_close import PROVINCE
from models.queries.period_reminders import Unsigned

LISTED = 30  # names in one message; the rest are counted
NAME = 80  # characters of one region name


def _finish(lines: list[str], opens: PayoutViewButton, lang: str, outbox_id: int, snoozable: bool) -> Reply:
    _ = translator(lang)
    rows = [[(_("📋 Buka daftar penyaluran"), opens.pack())]]
    if snoozable:
        rows.append([(_("⏰ Tunda 1 hari"), SnoozeButton(outbox_id).pack())])
    return reply("\n".join(lines), buttons(rows))


def _names(areas: Sequence[Unsigned], lang: str) -> list[str]:
    _ = translator(lang)
    lines = [f"• {quote(area.name, NAME)}" for area in areas[:LISTED]]
    if len(areas) > LISTED:
        lines.append(_("… dan {n} lainnya.").format(n=number(len(areas) - LISTED, lang)))
    return lines


def signoff(
    closed: Period, areas: Sequence[Unsigned], may_sign: bool, area: str, lang: str, outbox_id: int, snoozable: bool
) -> Reply:
    """To a koordinator on the first working day after the close; ``may_sign``: a kabupaten/kota (or wider)
    koordinator, who signs — a kecamatan's koordinator decides the recommendations of their area only. ``area``:
    the koordinator's own, which the button opens (as ``/penyaluran YYYY-MM`` would)."""
    _ = translator(lang)
    lines = [
        _("✍️ <b>Daftar penyaluran periode {period} belum ditandatangani</b>").format(period=period_name(closed, lang)),
        _("Periode ini sudah ditutup. Daftar yang menunggu:"),
        *_names(areas, lang),
        "",
    ]
    if may_sign:
        lines.append(
            _("Ketik /penyaluran {code} untuk memutuskan rekomendasi penangguhan dan menandatangani daftar.").format(
                code=escape(str(closed))
            )
        )
    else:
        lines.append(
            _(
                "Ketik /penyaluran {code} untuk memutuskan rekomendasi penangguhan di wilayah Anda; "
                "daftar ditandatangani koordinator kabupaten/kota."
            ).format(code=escape(str(closed)))
        )
    return _finish(lines, PayoutViewButton(area, closed), lang, outbox_id, snoozable)


def unsigned(
    closed: Period, areas: Sequence[Unsigned], asked: date | None, lang: str, outbox_id: int, snoozable: bool
) -> Reply:
    """To each admin, some working days after the koordinators were asked: who has still not signed; the button
    opens the province board, where each kabupaten/kota is one more button away."""
    _ = translator(lang)
    lines = [
        _("🖊️ <b>{n} kabupaten/kota belum menandatangani daftar penyaluran periode {period}:</b>").format(
            n=number(len(areas), lang), period=period_name(closed, lang)
        ),
        *_names(areas, lang),
        "",
    ]
    if asked is not None:
        lines.append(_("Koordinatornya sudah diingatkan pada {day}.").format(day=long_date(asked, lang)))
    lines.append(_("Lihat /penyaluran {code}.").format(code=escape(str(closed))))
    return _finish(lines, PayoutViewButton(PROVINCE, closed), lang, outbox_id, snoozable)
