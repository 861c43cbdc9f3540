"""Texts of the supervisor's files: /grafik (chart titles and captions) and /ekspor (messages, XLSX labels).

Column keys are those of ``models.export``; the summary sheet is filled from the same ``Summary`` as /ringkasan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape

from babel.dates import format_date

from handlers.callbacks_supervisor import ChartButton, ExportButton
from handlers.i18n import N_, normalize_language, translator
from handlers.i18n.format import number, short_date
from handlers.render import Reply, buttons, relation_word, reply
from handlers.render import report_labels as texts
from handlers.render.report_summary import REVIEW_STATUS, month_name
from handlers.render.supervisor import commitment_label
from models.period import Period
from models.queries.regions import Area
from models.queries.summary import Summary
from models.rules import shipped_programmes
from models.tables import Relation
from models.workbook import ValueTexts

EXPORT_NAMES = {
    "kunjungan": N_("Kunjungan"), "komitmen": N_("Verifikasi komitmen"), "tunggakan": N_("Daftar tunggakan"),
    "rujukan": N_("Rujukan"), "perubahan": N_("Perubahan data"),
}  # fmt: skip
CHART_NAMES = {
    "cakupan": N_("Tren cakupan 6 periode"), "kepatuhan": N_("Kepatuhan per komitmen"),
    "wilayah": N_("Cakupan per wilayah"),
}  # fmt: skip


# --- /grafik and /ekspor ------------------------------------------------------------------------------------


def chart_menu(area: Area, lang: str) -> Reply:
    _ = translator(lang)
    rows = [[(f"📈 {_(name)}", ChartButton(kind, area.code).pack())] for kind, name in CHART_NAMES.items()]
    return reply(_("Grafik apa untuk {area}?").format(area=escape(area.name)), buttons(rows))


def chart_titles(kind: str, area: Area, period: Period, lang: str, *, first: Period | None = None) -> dict[str, str]:
    """Title (with the year: the period, or for the trend ``first``–``period``), axis label and caption."""
    _ = translator(lang)
    titles = {
        "cakupan": _("Cakupan kunjungan — {area}, {first} – {period}"),
        "kepatuhan": _("Kepatuhan komitmen — {area}, {period}"),
        "wilayah": _("Cakupan per wilayah — {area}, {period}"),
    }
    return {
        "title": titles[kind].format(
            area=area.name, period=month_name(period, lang), first=month_name(first or period, lang)
        ),
        "axis": _("KPM dikunjungi") if kind != "kepatuhan" else _("Anggota memenuhi komitmen"),
        "caption": "📈 " + _(CHART_NAMES[kind]) + f" — {escape(area.name)}",
    }


def chart_gaps(periods: Sequence[Period], lang: str) -> str:
    """The caption's line for trend periods without any report: drawn as gaps, not as 0 %."""
    if not periods:
        return ""
    _ = translator(lang)
    months = ", ".join(short_month(p, lang) for p in periods)
    return "\n" + _("Tanpa laporan: {months} (tidak digambar sebagai 0%).").format(months=months)


def short_month(period: Period, lang: str) -> str:
    return format_date(period.start, "MMM y", locale=normalize_language(lang))


def chart_empty(kind: str, area: Area, lang: str) -> Reply:
    _ = translator(lang)
    if kind == "kepatuhan":
        return reply(
            _("Belum ada verifikasi komitmen di {area} periode ini, jadi belum ada grafik.").format(
                area=escape(area.name)
            )
        )
    return reply(_("Belum ada KPM aktif di {area}, jadi belum ada grafik.").format(area=escape(area.name)))


def export_menu(area: Area, period: Period, lang: str) -> Reply:
    _ = translator(lang)
    rows = [[(f"📄 {_(name)}", ExportButton(kind, area.code, period).pack())] for kind, name in EXPORT_NAMES.items()]
    return reply(
        _("Data apa yang diekspor untuk {area}, {period}?").format(
            area=escape(area.name), period=month_name(period, lang)
        ),
        buttons(rows),
    )


def export_preparing(kind: str, rows: int, lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        "⏳ "
        + _("Berkas {name} sedang disiapkan ({n} baris). Berkas akan dikirim begitu siap.").format(
            name=_(EXPORT_NAMES[kind]).lower(), n=number(rows, lang)
        )
    )


def export_empty(kind: str, area: Area, period: Period, lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        _("Tidak ada data {name} untuk {area}, {period}.").format(
            name=_(EXPORT_NAMES[kind]).lower(), area=escape(area.name), period=month_name(period, lang)
        )
    )


def export_caption(kind: str, area: Area, period: Period, rows: int, lang: str) -> str:
    _ = translator(lang)
    return "📄 " + _("{name} — {area}, {period} ({n} baris)").format(
        name=_(EXPORT_NAMES[kind]), area=escape(area.name), period=month_name(period, lang), n=number(rows, lang)
    )


def export_too_large(size: int, lang: str) -> Reply:
    _ = translator(lang)
    return reply(
        _(
            "Berkas terlalu besar untuk Telegram ({mb} MB; batasnya 50 MB). Pilih wilayah yang lebih kecil, misalnya satu kecamatan."
        ).format(mb=number(round(size / 1_048_576, 1), lang))
    )


def export_failed(lang: str) -> Reply:
    _ = translator(lang)
    return reply(_("Maaf, berkas gagal dibuat. Silakan coba lagi sebentar lagi."))


def export_labels(lang: str) -> dict[str, str]:
    """Column headers of the XLSX files (the keys are models.export column keys)."""
    _ = translator(lang)
    return {
        "id": _("ID"), "nomor_laporan": _("Nomor laporan"), "periode": _("Periode"), "tanggal_kunjungan": _("Tanggal kunjungan"), "dikirim": _("Dikirim"),
        "kk": _("No. KK"), "kepala_keluarga": _("Kepala keluarga"), "desa": _("Desa/kelurahan"),
        "kode_desa": _("Kode wilayah"), "pendamping": _("Pendamping"), "bertemu": _("Bertemu keluarga"),
        "alasan_tidak_bertemu": _("Alasan tidak bertemu"), "skor_deprivasi": _("Skor deprivasi"),
        "terlambat": _("Terlambat"), "status_tinjauan": _("Status tinjauan"), "catatan_tinjauan": _("Catatan tinjauan"),
        "lintang": _("Lintang"), "bujur": _("Bujur"), "lokasi_ditandai": _("Lokasi ditandai"), "foto": _("Foto"),
        "alasan_lain_tidak_bertemu": _("Alasan lain tidak bertemu"), "alasan_lain_tanpa_foto": _("Alasan lain tanpa foto"),
        "alasan_lain_tanpa_lokasi": _("Alasan lain tanpa lokasi"), "alasan_lainnya": _("Alasan lainnya"),
        "nik": _("NIK"), "nama_anggota": _("Nama anggota"), "kode_komitmen": _("Komitmen"), "hasil": _("Hasil"),
        "alasan": _("Alasan"), "alamat": _("Alamat"), "kunjungan_terakhir": _("Kunjungan terakhir"),
        "periode_tanpa_kunjungan": _("Periode tanpa kunjungan"), "dibuat": _("Dibuat"), "sektor": _("Sektor"),
        "kebutuhan": _("Kebutuhan"), "status": _("Status"), "catatan_status": _("Catatan status"),
        "diperbarui": _("Diperbarui"), "jenis": _("Jenis"), "nilai_lama": _("Nilai lama"), "nilai_baru": _("Nilai baru"),
        "diputuskan": _("Diputuskan"), "_yes": _("Ya"), "_no": _("Tidak"),
    }  # fmt: skip


def _plain(label: str) -> str:
    """A chat label for a spreadsheet cell: without its leading emoji ("📮 Alamat baru" → "Alamat baru")."""
    head, _space, rest = label.partition(" ")
    return rest if rest and not any(ch.isalnum() for ch in head) else label


def export_values(lang: str) -> ValueTexts:
    """Coded values as words in the XLSX files (``models.workbook.ValueTexts``): the chat's own labels."""
    _ = translator(lang)

    def words(labels: Mapping[str, str]) -> dict[str, str]:
        return {code: _plain(_(label)) for code, label in labels.items()}

    commitments = {
        rule.code: (rule.label_en if lang == "en" and rule.label_en else rule.label)
        for programme in shipped_programmes().values()
        for rule in programme.commitments
    }
    review = {code: _plain(_(label)) for code, label in REVIEW_STATUS.items()}
    school = words(texts.SCHOOL_LABELS)
    statuses = {
        "baru": _("baru"), "diterima": _("diterima"), "ditangani": _("ditangani"),
        "diajukan": _("diajukan"), "disetujui": _("disetujui"), "ditolak": _("ditolak"),
    }  # fmt: skip
    results = {"memenuhi": _("memenuhi"), "tidak memenuhi": _("tidak memenuhi"), "tidak berlaku": _("tidak berlaku")}
    return ValueTexts(
        codes={
            "alasan_tidak_bertemu": words(texts.NOT_MET_LABELS),
            "status_tinjauan": review,
            "kode_komitmen": commitments,
            "hasil": results,
            "alasan": words(texts.MISSED_LABELS),
            "sektor": words(texts.SECTOR_LABELS),
            "jenis": words(texts.CHANGE_KIND_LABELS),
            "status": statuses,
            "_sex": {"L": _("Laki-laki"), "P": _("Perempuan")},
            "_jenjang": school | {"TIDAK_SEKOLAH": school.get("tidak_sekolah", "")},
            "_hubungan": {r.value: relation_word(r.value, lang) for r in Relation},
        },
        fields={
            "nama": _("nama"),
            "nik": _("NIK"),
            "jenis_kelamin": _("jenis kelamin"),
            "tanggal_lahir": _("tanggal lahir"),
            "hubungan": _("hubungan keluarga"),
            "telepon": _("telepon"),
            "alamat": _("alamat"),
            "hpl": _("HPL"),
            "jenjang": _("jenjang sekolah"),
            "sekolah": _("nama sekolah"),
            "status": _("status"),
        },  # fmt: skip
        period=lambda text: month_name(Period.parse(text), lang),
        day=lambda day: short_date(day, lang),
    )


def export_summary(
    kind: str, result: Summary, rows: int, made: datetime, lang: str
) -> tuple[tuple[str, str], list[tuple[str, object]]]:
    """(sheet titles, summary sheet lines) — the summary comes from the same query as /ringkasan."""
    _ = translator(lang)
    total = result.total
    lines: list[tuple[str, object]] = [
        (_("Ekspor JSiKa Bot"), _(EXPORT_NAMES[kind])),
        (_("Wilayah"), f"{result.area.name} ({result.area.code})"),
        (_("Periode"), month_name(result.period, lang)),
        (_("Dibuat"), made),
        (_("Jumlah baris data"), rows),
        ("", None),
        (_("KPM aktif"), total.households),
        (_("Sudah dikunjungi"), total.visited),
        (_("Belum dikunjungi"), total.not_visited),
        (_("Tunggakan 2+ periode"), total.overdue),
        (_("Rujukan dibuka"), result.referrals_opened),
        (_("Rujukan ditutup"), result.referrals_closed),
        (_("Perubahan data menunggu verifikasi"), result.pending_changes),
        (_("Laporan menunggu tinjauan (semua periode)"), result.awaiting_review),
    ]
    for item in result.compliance:
        lines.append((_("Memenuhi: {label}").format(label=commitment_label(item, lang)), f"{item.met}/{item.checked}"))
    return (_("Ringkasan"), _(EXPORT_NAMES[kind])), lines
