"""/jadwal: this period's work of a pendamping — counts, the deadline, and the households still to visit."""

from __future__ import annotations

from datetime import date
from html import escape

from handlers.callbacks import ReportButton, ScheduleButton
from handlers.i18n import translator
from handlers.i18n.format import long_date, number, short_date
from handlers.render import Reply, buttons, data_repair, reply
from handlers.render.report_summary import month_name
from models.queries.worklist import Worklist


def work_counts(work: Worklist, lang: str) -> str:
    """The period's counts, the same line in /jadwal and /lapor: "belum" and "selesai" add up to the total, and
    "terlambat" (missed the previous period too) is part of "belum", not a third group."""
    _ = translator(lang)
    return _("Belum dikunjungi: {due} (terlambat ⚠️: {overdue}) · selesai: {done} dari {total}.").format(
        due=number(work.due, lang),
        overdue=number(work.overdue, lang),
        done=number(work.done, lang),
        total=number(work.total, lang),
    )


def worklist(work: Worklist, lang: str, deadline: date, working_days_left: int) -> Reply:
    _ = translator(lang)
    lines = [
        _("📅 <b>Jadwal periode {period}</b>").format(period=month_name(work.period, lang)),
        _("Batas laporan: {day} ({days} hari kerja lagi).").format(
            day=long_date(deadline, lang), days=number(max(0, working_days_left), lang)
        ),
        work_counts(work, lang),
        "",
    ]
    rows: list[list[tuple[str, str]]] = []
    if work.total == 0:
        lines.append(_("Belum ada keluarga dampingan yang terdaftar atas nama Anda."))
    elif not work.items:
        lines.append(_("Semua keluarga sudah dilaporkan periode ini. 👍"))
    else:
        lines.append(_("Perlu dikunjungi (yang paling lama belum dikunjungi di atas). Tekan untuk melapor:"))
        for item in work.items:
            mark = ("⚠️ " if item.overdue else "") + data_repair.list_mark(item.needs_repair)
            last = (
                _("terakhir {day}").format(day=short_date(item.last_visited_on, lang))
                if item.last_visited_on
                else _("belum pernah")
            )
            rows.append([(f"{mark}{item.head_name} · {last}"[:60], ReportButton(item.household_id).pack())])
        for item in work.items:
            repair = _(" — {mark} data perlu diperbaiki").format(mark=data_repair.MARK) if item.needs_repair else ""
            lines.append(f"• {escape(item.head_name)} — {escape(item.desa_name)}{repair}")
        paging = []
        if work.page > 0:
            paging.append((_("◀ Sebelumnya"), ScheduleButton(work.page - 1).pack()))
        if work.page + 1 < work.pages:
            paging.append((_("Berikutnya ▶"), ScheduleButton(work.page + 1).pack()))
        if paging:
            rows.append(paging)
            lines.append(_("Halaman {page} dari {pages}.").format(page=work.page + 1, pages=work.pages))
    return reply("\n".join(lines), buttons(rows) if rows else None)
