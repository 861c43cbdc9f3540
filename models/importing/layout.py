"""What a household file looks like: its columns (names, aliases, notes for the template) and the words a clerk
may write in its cells (hubungan, jenis kelamin, jenjang sekolah, Y/T), each mapped to the value stored.

The template (``template.py``), the row checks (``rows.py``) and the seed's household file read the columns from
here, and the row checks the words, so a column or a spelling added here is accepted and documented alike.
"""

from __future__ import annotations

from typing import TypeVar

from models.importing.table import Column
from models.tables import Relation, SchoolLevel, Sex

V = TypeVar("V")

HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column(
        "no_kk",
        ("No KK", "No. KK", "Nomor KK", "KK", "NKK", "No Kartu Keluarga", "Nomor Kartu Keluarga", "Kartu Keluarga"),
        required=True,
        note="Nomor Kartu Keluarga, 16 angka. Baris dengan no_kk yang sama adalah satu keluarga.",
        width=20,
        text=True,
    ),
    Column(
        "nik",
        ("NIK", "No NIK", "Nomor NIK", "Nomor Induk Kependudukan", "NIK ART"),
        required=True,
        note="NIK anggota, 16 angka (tanggal lahir + 40 untuk perempuan).",
        width=20,
        text=True,
    ),
    Column("nama", ("Nama Lengkap", "Nama ART", "Nama Anggota"), required=True, note="Nama lengkap.", width=28),
    Column(
        "hubungan",
        (
            "Hubungan dengan KK",
            "Hubungan dengan Kepala Keluarga",
            "Hubungan Keluarga",
            "SHDK",
            "Status Hubungan",
            "Status Hubungan Dalam Keluarga",
        ),
        required=True,
        note="kepala keluarga, istri, suami, anak, menantu, cucu, orang tua, mertua, famili lain, lainnya "
        "(atau kode SHDK 1–11). Tepat satu kepala keluarga per KK.",
        width=18,
    ),
    Column(
        "jenis_kelamin",
        ("JK", "L/P", "Jenis Kelamin", "Kelamin", "Sex"),
        required=True,
        note="L atau P.",
        width=8,
    ),
    Column(
        "tanggal_lahir",
        ("Tgl Lahir", "Tgl. Lahir", "Tanggal Lahir", "Tgl Lhr"),
        required=True,
        note="HH-BB-TTTT (05-03-2015), TTTT-BB-HH, HH/BB/TTTT atau tanggal Excel.",
        width=14,
    ),
    Column(
        "kode_desa",
        ("Kode Desa", "Kode Wilayah", "Kode Kelurahan", "Kode Desa/Kelurahan", "Kode Desa Kelurahan"),
        required=True,
        note="Kode Kemendagri desa/kelurahan, dengan atau tanpa titik: 36.01.01.2001 atau 3601012001.",
        width=16,
        text=True,
    ),
    Column(
        "alamat", ("Alamat Lengkap", "Alamat Rumah"), note="Alamat rumah (cukup di baris kepala keluarga).", width=32
    ),
    Column(
        "telepon",
        ("HP", "No HP", "Nomor HP", "Telp", "No Telp", "Telepon", "Nomor Telepon", "No Telepon", "Handphone", "Telpon"),
        note="HP keluarga: 08…, 628… atau +62… (cukup di baris kepala keluarga).",
        width=16,
        text=True,
    ),
    Column(
        "program", ("Kode Program",), note="JAMSOSRATU (bawaan bila kosong) atau JSCM (khusus Kota Cilegon).", width=13
    ),
    Column(
        "hamil_hpl",
        ("HPL", "Hamil HPL", "Hari Perkiraan Lahir", "Tanggal HPL", "Tgl HPL"),
        note="Hanya untuk ibu hamil: hari perkiraan lahir (tanggal).",
        width=13,
    ),
    Column(
        "jenjang_sekolah",
        ("Jenjang", "Jenjang Pendidikan", "Tingkat Sekolah"),
        note="Anak sekolah: SD, SMP atau SMA (MI, MTs, MA, SMK juga diterima).",
        width=10,
    ),
    Column("nama_sekolah", ("Sekolah",), note="Nama sekolah anak.", width=24),
    Column(
        "disabilitas_berat",
        ("Disabilitas", "Penyandang Disabilitas Berat", "Difabel Berat"),
        note="Y atau T (kosong = T).",
        width=10,
    ),
    Column(
        "pendamping_telepon",
        ("HP Pendamping", "Telepon Pendamping", "No HP Pendamping", "Telp Pendamping"),
        note="HP pendamping yang sudah ada di daftar petugas; kosong = belum ditugaskan.",
        width=16,
        text=True,
    ),
)

RELATIONS: dict[str, Relation] = {
    "kepala keluarga": Relation.KEPALA,
    "kepala": Relation.KEPALA,
    "kk": Relation.KEPALA,
    "kepala rumah tangga": Relation.KEPALA,
    "krt": Relation.KEPALA,
    "istri": Relation.ISTRI,
    "isteri": Relation.ISTRI,
    "suami": Relation.SUAMI,
    "anak": Relation.ANAK,
    "anak kandung": Relation.ANAK,
    "anak tiri": Relation.ANAK,
    "anak angkat": Relation.ANAK,
    "menantu": Relation.MENANTU,
    "cucu": Relation.CUCU,
    "orang tua": Relation.ORANG_TUA,
    "orangtua": Relation.ORANG_TUA,
    "ortu": Relation.ORANG_TUA,
    "ayah": Relation.ORANG_TUA,
    "ibu": Relation.ORANG_TUA,
    "mertua": Relation.MERTUA,
    "famili lain": Relation.FAMILI_LAIN,
    "famili": Relation.FAMILI_LAIN,
    "saudara": Relation.FAMILI_LAIN,
    "lainnya": Relation.LAINNYA,
    "lain-lain": Relation.LAINNYA,
    "lain lain": Relation.LAINNYA,
    "pembantu": Relation.LAINNYA,
    # SHDK codes as Dukcapil writes them on the KK
    "1": Relation.KEPALA,
    "2": Relation.SUAMI,
    "3": Relation.ISTRI,
    "4": Relation.ANAK,
    "5": Relation.MENANTU,
    "6": Relation.CUCU,
    "7": Relation.ORANG_TUA,
    "8": Relation.MERTUA,
    "9": Relation.FAMILI_LAIN,
    "10": Relation.LAINNYA,
    "11": Relation.LAINNYA,
}
SEXES: dict[str, Sex] = {
    "l": Sex.L,
    "lk": Sex.L,
    "laki-laki": Sex.L,
    "laki laki": Sex.L,
    "lakilaki": Sex.L,
    "pria": Sex.L,
    "1": Sex.L,
    "p": Sex.P,
    "pr": Sex.P,
    "perempuan": Sex.P,
    "wanita": Sex.P,
    "2": Sex.P,
}
SCHOOL_LEVELS: dict[str, SchoolLevel] = {
    **dict.fromkeys(("sd", "mi", "sd/mi", "sdlb", "paket a"), SchoolLevel.SD),
    **dict.fromkeys(("smp", "mts", "smp/mts", "sltp", "smplb", "paket b"), SchoolLevel.SMP),
    **dict.fromkeys(("sma", "smk", "ma", "mak", "sma/smk", "sma/ma", "slta", "smalb", "paket c"), SchoolLevel.SMA),
}
YES_NO: dict[str, bool] = {
    **dict.fromkeys(("y", "ya", "yes", "1", "true", "benar", "ada"), True),
    **dict.fromkeys(("t", "tidak", "n", "no", "0", "false", "salah", "tidak ada", "-"), False),
}


def _with_cases(table: dict[str, V]) -> dict[str, V]:
    """Add UPPER and Title spellings so the common cells ("L", "SD", "Kepala Keluarga") hit on the first lookup."""
    return {**{k.upper(): v for k, v in table.items()}, **{k.title(): v for k, v in table.items()}, **table}


RELATIONS = _with_cases(RELATIONS)
SEXES = _with_cases(SEXES)
SCHOOL_LEVELS = _with_cases(SCHOOL_LEVELS)
YES_NO = _with_cases(YES_NO)
