"""Texts and buttons of reminders, /pengingat and /pengaturan.

Every reminder ends with buttons to act on it: "📝 lapor" for the household concerned (``lapor:<household_id>``,
handled by the report feature), "📋 Lihat daftar" (``jadwal``) and "⏰ Tunda 1 hari" (``snooze:<outbox_id>``, once —
a snoozed copy carries no second snooze button). Reminders are composed when they are sent, so these functions
take the numbers of that moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from babel.dates import format_date

from handlers.callbacks import DigestHourButton, EventRemindersButton, ReportButton, ScheduleButton, SnoozeButton
from handlers.i18n import N_, normalize_language, translator
from handlers.i18n.format import date_time, long_date, number, percent
from handlers.render import ROLE_NAMES, Reply, buttons, reply, with_names
from models.period import Period
from models.queries.reminder_content import (
    Digest,
    HouseholdItem,
    HouseholdList,
    MemberItem,
    MemberList,
    MissedCommitments,
    SchoolChanges,
    UnreachablePerson,
    Weekly,
)
from models.reminder_settings import DIGEST_HOURS, KindCount, Settings
from models.tables import Role

Rows = list[list[tuple[str, str]]]

KIND_NAMES = {
    "digest": N_("ringkasan pagi"),
    "deadline": N_("batas laporan"),
    "event_birth": N_("perkiraan persalinan"),
    "event_school": N_("tahun ajaran baru"),
    "event_month": N_("komitmen bulanan (vitamin A)"),
    "event_yearly": N_("pemeriksaan tahunan"),
    "escalation_visit": N_("eskalasi kunjungan"),
    "escalation_commitment": N_("eskalasi komitmen"),
    "weekly": N_("ringkasan mingguan"),
    "unreachable": N_("petugas tak terjangkau"),
    "period_signoff": N_("tanda tangan daftar penyaluran"),
    "period_unsigned": N_("daftar penyaluran belum ditandatangani"),
    "announcement": N_("pengumuman"),
}

LEVEL_NAMES = {1: N_("peringatan"), 2: N_("perhatian koordinator"), 3: N_("rekomendasi penangguhan")}


def period_name(period: Period, lang: str) -> str:
    return format_date(period.start, "MMMM y", locale=normalize_language(lang))


def _actions(
    lang: str,
    outbox_id: int,
    snoozable: bool,
    report: Sequence[HouseholdItem | MemberItem] = (),
    *,
    worklist: bool = True,
) -> Rows:
    _ = translator(lang)
    rows: Rows = []
    seen: set[int] = set()
    for item in report:
        if item.household_id in seen or len(seen) == 3:
            continue
        seen.add(item.household_id)
        rows.append([(_("📝 Lapor: {name}").format(name=item.head_name)[:60], ReportButton(item.household_id).pack())])
    last: list[tuple[str, str]] = []
    if worklist:
        last.append((_("📋 Lihat daftar"), ScheduleButton().pack()))
    if snoozable:
        last.append((_("⏰ Tunda 1 hari"), SnoozeButton(outbox_id).pack()))
    if last:
        rows.append(last)
    return rows


def _finish(lines: list[str], rows: Rows) -> Reply:
    return reply("\n".join(lines), buttons(rows) if rows else None)


def _member_lines(items: Sequence[MemberItem], total: int, lang: str, on: date | None = None) -> list[str]:
    _ = translator(lang)
    out = []
    for item in items:
        extra = f" — {escape(item.detail)}" if item.detail else ""
        out.append(
            _("• {member} (Keluarga {head}){extra}").format(
                member=escape(item.member_name), head=escape(item.head_name), extra=extra
            )
        )
    if total > len(items):
        out.append(_("… dan {n} lainnya.").format(n=number(total - len(items), lang)))
    return out


# --- pendamping ------------------------------------------------------------------------------------------------


def digest(data: Digest, name: str, lang: str, outbox_id: int, snoozable: bool) -> Reply:
    _ = translator(lang)
    lines = [
        with_names(
            _("☀️ Selamat pagi, {name}. Pekerjaan periode <b>{period}</b>:"),
            name=escape(name),
            period=period_name(data.period, lang),
        ),
        "",
    ]
    if data.due:
        lines.append(
            _("• {due} keluarga belum dikunjungi ({overdue} terlambat)").format(
                due=number(data.due, lang), overdue=number(data.overdue, lang)
            )
        )
    if data.drafts:
        lines.append(_("• {n} laporan masih draf — lanjutkan dengan /lapor").format(n=number(data.drafts, lang)))
    if data.returned:
        lines.append(
            _("• {n} laporan dikembalikan koordinator untuk diperbaiki — lihat /riwayat").format(
                n=number(data.returned, lang)
            )
        )
    if data.top:
        lines += ["", _("Mulai dari yang paling lama belum dikunjungi:")]
    return _finish(lines, _actions(lang, outbox_id, snoozable, data.top))


def deadline(
    period: Period, day: date, working_days_left: int, unreported: int, lang: str, outbox_id: int, snoozable: bool
) -> Reply:
    _ = translator(lang)
    lines = [
        _("⏳ <b>Batas laporan periode {period}: {day}</b> — {n} hari kerja lagi.").format(
            period=period_name(period, lang), day=long_date(day, lang), n=number(working_days_left, lang)
        ),
        _("Masih {n} keluarga belum dilaporkan. Laporan setelah batas perlu persetujuan koordinator.").format(
            n=number(unreported, lang)
        ),
    ]
    return _finish(lines, _actions(lang, outbox_id, snoozable))


def birth(item: MemberItem, today: date, lang: str, outbox_id: int, snoozable: bool) -> Reply:
    _ = translator(lang)
    assert item.birth_date is not None
    days = (item.birth_date - today).days
    lines = [
        _("🤰 <b>{member}</b> (Keluarga {head}) diperkirakan melahirkan {day} ({n} hari lagi).").format(
            member=escape(item.member_name),
            head=escape(item.head_name),
            day=long_date(item.birth_date, lang),
            n=number(max(0, days), lang),
        ),
        _("Ingatkan untuk bersalin di fasilitas kesehatan dan siapkan rujukan bila perlu."),
    ]
    return _finish(lines, _actions(lang, outbox_id, snoozable, [item], worklist=False))


def month_event(label: str, period: Period, members: MemberList, lang: str, outbox_id: int, snoozable: bool) -> Reply:
    _ = translator(lang)
    lines = [
        _("💊 <b>{label}</b> — bulan ini ({period}) untuk {n} anggota keluarga dampingan Anda:").format(
            label=escape(_capital(label)), period=period_name(period, lang), n=number(members.total, lang)
        ),
        "",
    ]
    lines += _member_lines(members.items, members.total, lang)
    return _finish(lines, _actions(lang, outbox_id, snoozable, members.items))


def school(changes: SchoolChanges, year: int, lang: str, outbox_id: int, snoozable: bool) -> Reply:
    _ = translator(lang)
    lines = [
        _("🎒 <b>Tahun ajaran baru {year}/{next}</b>: pastikan anak-anak ini terdaftar di sekolah.").format(
            year=year, next=year + 1
        )
    ]
    for title, group in (
        (_("Masuk usia sekolah (belum tercatat sekolah):"), changes.starting),
        (_("Lulus SD, lanjut ke SMP:"), changes.sd_to_smp),
        (_("Lulus SMP, lanjut ke SMA:"), changes.smp_to_sma),
    ):
        if group.total:
            lines += ["", f"<b>{title}</b>", *_member_lines(group.items, group.total, lang)]
    items = [*changes.starting.items, *changes.sd_to_smp.items, *changes.smp_to_sma.items]
    return _finish(lines, _actions(lang, outbox_id, snoozable, items))


def yearly(label: str, members: MemberList, lang: str, outbox_id: int, snoozable: bool) -> Reply:
    _ = translator(lang)
    lines = [
        _("🩺 <b>{label}</b> jatuh tempo bulan depan untuk {n} anggota keluarga dampingan Anda:").format(
            label=escape(_capital(label)), n=number(members.total, lang)
        ),
        "",
    ]
    lines += _member_lines(members.items, members.total, lang)
    return _finish(lines, _actions(lang, outbox_id, snoozable, members.items))


def _capital(label: str) -> str:
    """Commitment labels are written to follow a verb ("pemeriksaan …"); at the start of a line they need a capital."""
    return label[:1].upper() + label[1:]


def missed(data: MissedCommitments, period: Period, role: Role, lang: str, outbox_id: int, snoozable: bool) -> Reply:
    _ = translator(lang)
    if role is Role.PENDAMPING:
        head = _("⚠️ <b>Komitmen tidak dipenuhi</b> pada periode {period} ({n} anggota):")
    else:
        head = _("🚩 <b>Eskalasi komitmen</b> periode {period}: {n} anggota tidak memenuhi komitmen berturut-turut:")
    lines = [head.format(period=period_name(period, lang), n=number(data.total, lang))]
    for level in sorted(data.by_level):
        lines.append(
            _("• level {level} ({name}): {n}").format(
                level=level, name=_(LEVEL_NAMES.get(level, LEVEL_NAMES[3])), n=number(data.by_level[level], lang)
            )
        )
    lines.append("")
    for item in data.items:
        lines.append(
            _("• {member} (Keluarga {head}) — {commitment}, level {level}").format(
                member=escape(item.member_name),
                head=escape(item.head_name),
                commitment=escape(item.detail),
                level=item.level,
            )
        )
    if data.total > len(data.items):
        lines.append(_("… dan {n} lainnya. Lihat /kepatuhan.").format(n=number(data.total - len(data.items), lang)))
    report = data.items if role is Role.PENDAMPING else []
    return _finish(lines, _actions(lang, outbox_id, snoozable, report, worklist=role is Role.PENDAMPING))


# --- koordinator -----------------------------------------------------------------------------------------------


def escalation_visit(data: HouseholdList, closed: Period, lang: str, outbox_id: int, snoozable: bool) -> Reply:
    _ = translator(lang)
    lines = [
        _("🚩 <b>{n} keluarga tidak dikunjungi dua periode</b> ({before} dan {closed}) di wilayah Anda:").format(
            n=number(data.total, lang), before=period_name(closed.previous(), lang), closed=period_name(closed, lang)
        ),
        "",
    ]
    for item in data.items:
        lines.append(f"• {escape(item.head_name)} — {escape(item.detail)}")
    if data.total > len(data.items):
        lines.append(_("… dan {n} lainnya. Lihat /tunggakan.").format(n=number(data.total - len(data.items), lang)))
    return _finish(lines, _actions(lang, outbox_id, snoozable, worklist=False))


def weekly(data: Weekly, lang: str, outbox_id: int, snoozable: bool) -> Reply:
    _ = translator(lang)
    ratio = data.visited / data.households if data.households else 0.0
    lines = [
        _("📊 <b>Ringkasan mingguan {area}</b> — periode {period}").format(
            area=escape(data.area_name), period=period_name(data.period, lang)
        ),
        _("Kunjungan: {done} dari {total} keluarga ({pct}).").format(
            done=number(data.visited, lang), total=number(data.households, lang), pct=percent(ratio, lang)
        ),
        _("Rujukan baru 7 hari terakhir: {n}.").format(n=number(data.new_referrals, lang)),
    ]
    if data.worst:
        lines += ["", _("Cakupan terendah:")]
        for item in data.worst:
            lines.append(
                _("• {name}: {done}/{total} ({pct})").format(
                    name=escape(item.name),
                    done=number(item.visited, lang),
                    total=number(item.total, lang),
                    pct=percent(item.ratio, lang),
                )
            )
    lines += ["", _("Rincian: /ringkasan · /tunggakan · /kepatuhan")]
    return _finish(lines, _actions(lang, outbox_id, snoozable, worklist=False))


def unreachable(person: UnreachablePerson, lang: str) -> Reply:
    _ = translator(lang)
    lines = [
        _(
            "📵 <b>{name}</b> ({role}, {area}) tidak dapat dihubungi lewat Telegram — bot diblokir atau akun ditutup."
        ).format(
            name=escape(person.name),
            role=_(ROLE_NAMES.get(Role(person.role), person.role)),
            area=escape(person.area_name),
        ),
        _("Pengingat untuknya dihentikan sampai ia membuka bot lagi. Mohon hubungi langsung{phone}.").format(
            phone=_(" di {phone}").format(phone=escape(person.phone)) if person.phone else ""
        ),
    ]
    return reply("\n".join(lines))


# --- /pengingat and /pengaturan ----------------------------------------------------------------------------------


def counts(rows: Sequence[KindCount], since: datetime, lang: str, tz: str) -> Reply:
    _ = translator(lang)
    lines = [_("🔔 <b>Pengingat sejak {since}</b>").format(since=date_time(since, lang, tz)), ""]
    if not rows:
        lines.append(_("Belum ada pengingat."))
    for row in rows:
        lines.append(
            _("• {kind}: {sent} terkirim, {queued} antre, {failed} gagal, {cancelled} batal").format(
                kind=escape(_(KIND_NAMES.get(row.kind, row.kind))),
                sent=number(row.sent, lang),
                queued=number(row.queued, lang),
                failed=number(row.failed, lang),
                cancelled=number(row.cancelled, lang),
            )
        )
    if rows:
        total = sum(r.sent for r in rows)
        lines += ["", _("Jumlah terkirim: {n}").format(n=number(total, lang))]
    return reply("\n".join(lines))


def settings(current: Settings, default_hour: int, lang: str) -> Reply:
    _ = translator(lang)
    hour = current.digest_hour or default_hour
    lines = [
        _("⚙️ <b>Pengaturan pengingat</b>"),
        _("Ringkasan pagi: pukul {hour}.00 pada hari kerja.").format(hour=f"{hour:02d}"),
        _("Pengingat komitmen (HPL, vitamin A, sekolah, lansia): {state}.").format(
            state=_("dimatikan") if current.mute_events else _("aktif")
        ),
        "",
        _("Pilih jam ringkasan pagi:"),
    ]
    hours = [(("✅ " if h == hour else "") + f"{h:02d}.00", DigestHourButton(h).pack()) for h in DIGEST_HOURS]
    toggle = (
        (_("🔔 Nyalakan pengingat komitmen"), EventRemindersButton("on").pack())
        if current.mute_events
        else (_("🔕 Matikan pengingat komitmen"), EventRemindersButton("off").pack())
    )
    return reply("\n".join(lines), buttons([hours, [toggle]]))


def settings_saved(lang: str) -> str:
    return translator(lang)("Pengaturan disimpan.")


def when(moment: datetime, lang: str, tz: str) -> str:
    """``Rabu, 25 November 2026 pukul 09.00`` in the reader's time zone."""
    local = moment.astimezone(ZoneInfo(tz))
    return translator(lang)("{day} pukul {time}").format(
        day=long_date(local.date(), lang), time=local.strftime("%H.%M")
    )


def snoozed(until: datetime, lang: str, tz: str) -> str:
    return translator(lang)("Diingatkan lagi {when}.").format(when=when(until, lang, tz))


def snoozed_already(until: datetime | None, lang: str, tz: str) -> str:
    _ = translator(lang)
    if until is None:
        return _("Pengingat ini sudah ditunda sekali.")
    return _("Pengingat ini sudah ditunda sampai {when}; tunda hanya bisa sekali.").format(when=when(until, lang, tz))


def snooze_unknown(lang: str) -> str:
    return translator(lang)("Pengingat ini tidak bisa ditunda.")
