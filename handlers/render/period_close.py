"""Words of the period close: verdicts, reasons and refusals, shared by /penyaluran, the CLI and the export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.i18n import N_, translator
from handlers.render.report_summary import month_name
from models.period import Period
from models.period_export import ListTexts

VERDICT_LABELS = {
    "layak_salur": N_("layak salur"),
    "direkomendasikan_ditangguhkan": N_("direkomendasikan ditangguhkan"),
    "ditangguhkan": N_("ditangguhkan"),
    "belum_terverifikasi": N_("belum terverifikasi"),
}
VERDICT_ORDER = tuple(VERDICT_LABELS)
REASON_LABELS = {
    "terverifikasi": N_("terverifikasi (keluarga ditemui)"),
    "tingkat_3": N_("tiga periode berturut-turut tidak memenuhi komitmen"),
    "rekomendasi_dibatalkan": N_("rekomendasi penangguhan dibatalkan koordinator"),
    "keluarga_tidak_ditemui": N_("keluarga tidak ditemui"),
    "laporan_belum_disetujui": N_("laporan terlambat belum disetujui"),
    "tanpa_laporan": N_("tidak ada laporan kunjungan"),
}
PROBLEMS = {
    "not_kabupaten": N_(
        "Wilayah {detail} bukan kabupaten/kota. Daftar penyaluran dibuat per kabupaten/kota (mis. 36.02) atau untuk seluruh provinsi (36)."
    ),
    "unknown_area": N_("Wilayah {detail} tidak dikenal."),
    "not_closed": N_(
        "Periode ini belum ditutup: laporan masih diterima. Daftar penyaluran dapat dibuat mulai {detail}."
    ),
    "not_allowed": N_("Anda tidak berwenang untuk ini."),
    "not_found": N_("Data itu tidak ditemukan atau di luar wilayah Anda."),
    "not_recommended": N_("Keluarga ini tidak direkomendasikan ditangguhkan."),
    "signed": N_("Daftar ini sudah ditandatangani; perubahan hanya lewat penyesuaian dengan alasan."),
    "already_signed": N_("Daftar ini sudah ditandatangani sebelumnya."),
    "undecided": N_("Masih ada rekomendasi penangguhan yang belum diputuskan."),
    "not_signed": N_("Daftar ini belum ditandatangani; putuskan langsung tanpa penyesuaian."),
    "not_adjustable": N_("Putusan keluarga ini tidak dapat disesuaikan."),
    "reason_needed": N_("Alasan wajib diisi."),
    "reason_too_long": N_("Alasan terlalu panjang; paling banyak {detail} karakter."),
}


def verdict_label(verdict: str, lang: str = "id") -> str:
    return translator(lang)(VERDICT_LABELS.get(verdict, verdict))


def reason_label(reason: str, lang: str = "id") -> str:
    return translator(lang)(REASON_LABELS.get(reason, reason))


def problem(code: str, detail: str = "", lang: str = "id") -> str:
    _: Callable[[str], str] = translator(lang)
    return _(PROBLEMS.get(code, N_("Permintaan tidak dapat diproses."))).format(detail=detail)


LIST_HEADERS = {
    "programme": N_("Program"),
    "kabupaten": N_("Kabupaten/Kota"),
    "kecamatan": N_("Kecamatan"),
    "desa": N_("Desa/Kelurahan"),
    "kk": N_("No. KK"),
    "penerima": N_("Nama penerima"),
    "nik_penerima": N_("NIK penerima"),
    "putusan": N_("Putusan"),
    "alasan": N_("Alasan"),
    "disalurkan": N_("Disalurkan"),
    "jumlah": N_("Jumlah (Rp)"),
    "diputuskan_oleh": N_("Diputuskan oleh"),
    "diputuskan_pada": N_("Diputuskan pada"),
    "alasan_pembatalan": N_("Alasan pembatalan rekomendasi"),
    "penyesuaian": N_("Penyesuaian setelah tanda tangan"),
    "ditandatangani": N_("Ditandatangani"),
    "_yes": N_("Ya"),
    "_no": N_("Tidak"),
}


def list_texts(lang: str, period: Period, made_at: datetime, tz: ZoneInfo, include_unsigned: bool) -> ListTexts:
    """The words of the disbursement list workbook (``models/period_export.py``) in ``lang``."""
    _ = translator(lang)
    return ListTexts(
        headers={key: _(label) for key, label in LIST_HEADERS.items()},
        verdicts={code: _(label) for code, label in VERDICT_LABELS.items()},
        reasons={code: _(label) for code, label in REASON_LABELS.items()},
        unsigned=_("BELUM DITANDATANGANI"),
        adjusted=_("semula {before}: {reason}"),
        sheet_titles=(_("Ringkasan"), _("Daftar penyaluran")),
        summary=[
            (_("Daftar penyaluran periode"), month_name(period, lang)),
            (_("Dibuat"), made_at),
        ],
        area_line="{name}",
        signed_state=_("ditandatangani {when} oleh {who}"),
        unsigned_state=_("belum ditandatangani — disertakan dan ditandai")
        if include_unsigned
        else _("belum ditandatangani — tidak disertakan"),
        count_line="{verdict}",
    )
