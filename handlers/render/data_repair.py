""" "Data perlu diperbaiki": how a household that the registry import loaded without some member rows is shown —
on its /kpm card (which rows, which columns were wrong, what the pendamping can do) and as a mark in the
pendamping's lists (/jadwal, /lapor). The stored entries are ``models.data_issues.HeldRow``; they never hold
the import's own messages, which quote full NIKs."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from handlers.i18n import N_, translator
from models.data_issues import HeldRow

MARK = "🛠"  # in list buttons, where a whole sentence does not fit

COLUMN_LABELS = {
    "no_kk": N_("nomor KK"),
    "nik": N_("NIK"),
    "nama": N_("nama"),
    "hubungan": N_("hubungan keluarga"),
    "jenis_kelamin": N_("jenis kelamin"),
    "tanggal_lahir": N_("tanggal lahir"),
    "kode_desa": N_("kode desa"),
    "alamat": N_("alamat"),
    "telepon": N_("telepon"),
    "program": N_("program"),
    "hamil_hpl": N_("HPL kehamilan"),
    "jenjang_sekolah": N_("jenjang sekolah"),
    "nama_sekolah": N_("nama sekolah"),
    "disabilitas_berat": N_("disabilitas"),
    "pendamping_telepon": N_("HP pendamping"),
}


def card_lines(missing: Sequence[HeldRow], lang: str) -> list[str]:
    """The card's block; empty when nothing is missing."""
    if not missing:
        return []
    _ = translator(lang)
    lines = [
        _(
            "{mark} <b>Data perlu diperbaiki</b>: {count} anggota belum masuk data karena barisnya salah di berkas impor."
        ).format(mark=MARK, count=len(missing))
    ]
    for held in missing:
        name = escape(held.name) if held.name else _("(tanpa nama)")
        wrong = ", ".join(_(COLUMN_LABELS.get(column, column)) for column in held.columns) or _("data")
        lines.append(_("• {name} — salah: {columns}").format(name=name, columns=wrong))
    lines.append(
        _(
            "Saat kunjungan, usulkan anggota ini lewat langkah “Perubahan data” (🏠 Pindah masuk) dengan nama dan "
            "NIK yang benar; koordinator memverifikasinya."
        )
    )
    return lines


def list_mark(needs_repair: bool) -> str:
    return f"{MARK} " if needs_repair else ""
