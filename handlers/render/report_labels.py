"""The visit report's option labels and short texts (msgids): shared by the questions (``render.report``), the
review and read-only report (``render.report_summary``), the household card and the supervisor's review.

Kept apart from the questions so that those readers need not import the prompts (which read the report's form
context): the label tables sit below every text module that shows them.
"""

from __future__ import annotations

from handlers.i18n import N_
from models.tables import Relation

AS_IS = "message"  # an ``Invalid`` whose message comes from models.validate, already written for people
YES, NO = N_("Ya"), N_("Tidak")
TODAY, YESTERDAY = N_("Hari ini"), N_("Kemarin")
PREVIOUS, NEXT, SHOW_LIST = N_("◀ Sebelumnya"), N_("Berikutnya ▶"), N_("✖ Kembali ke daftar")
ALL_MET, ONE_BY_ONE = N_("✅ Semua memenuhi"), N_("Isi satu per satu")
REST_NO = N_("❌ Sisanya “tidak”")
MALE, FEMALE = N_("Laki-laki"), N_("Perempuan")
WHOLE_FAMILY = N_("Seluruh keluarga")
SHARE_LOCATION = N_("📍 Kirim lokasi")
SUBMIT = N_("✅ Kirim laporan")
CLEAR_NOTES = N_("🗑 Hapus catatan")
REASON_NOT_PLAIN = N_("Tulis alasannya dengan kata-kata biasa, tanpa tanda &lt; &gt; atau karakter khusus.")
DATE_BEFORE_PERIOD = N_(
    "Tanggal {date} sudah di luar periode yang masih bisa dilaporkan. Kunjungan paling awal yang bisa dilaporkan "
    "sekarang: {earliest}."
)
DATE_IN_FUTURE = N_("Tanggal {date} belum terjadi. Tulis tanggal kunjungan yang sudah lewat, paling akhir hari ini.")
EDD_NOT_FUTURE = N_("Hari perkiraan lahir (HPL) {date} sudah lewat; HPL harus setelah hari ini.")
EDD_TOO_FAR = N_("HPL {date} terlalu jauh; kehamilan paling lama sekitar 10 bulan (paling akhir {latest}).")


def inline(label: str) -> str:
    """A label inside a sentence: its first letter in lower case, unless the first word is an abbreviation —
    "Kamera/HP bermasalah" → "kamera/HP bermasalah", "GPS tidak aktif" stays (``str.lower`` gave "gps", "hp")."""
    first = label.split(" ", 1)[0].split("/", 1)[0]
    if len(first) > 1 and first[:2].isupper():
        return label
    return label[:1].lower() + label[1:]


NOT_MET_LABELS = {
    "tidak_di_rumah": N_("Tidak ada di rumah"),
    "pindah": N_("Sudah pindah"),
    "menolak": N_("Menolak dikunjungi"),
    "meninggal": N_("Kepala keluarga meninggal"),
    "lainnya": N_("Lainnya"),
}
RESULT_LABELS = {"m": N_("✅ Memenuhi"), "t": N_("❌ Tidak memenuhi"), "n": N_("➖ Tidak berlaku")}
MISSED_LABELS = {
    "sakit": N_("Sakit"),
    "biaya": N_("Tidak ada biaya / transport"),
    "fasilitas": N_("Fasilitas jauh atau tutup"),
    "lupa": N_("Lupa / tidak tahu jadwal"),
    "lainnya": N_("Lainnya"),
}
CONDITION_LABELS = {
    "rumah": N_("Rumah"),
    "penghasilan": N_("Penghasilan"),
    "sakit": N_("Ada yang sakit"),
    "putus_sekolah": N_("Anak putus sekolah"),
    "butuh_bantuan": N_("Butuh bantuan"),
}
CONDITION_VALUE_LABELS = {
    "layak": N_("layak"),
    "kurang_layak": N_("kurang layak"),
    "tidak_layak": N_("tidak layak"),
    "buruh": N_("buruh"),
    "tani": N_("tani/nelayan"),
    "dagang": N_("dagang/usaha"),
    "karyawan": N_("karyawan"),
    "lainnya": N_("lainnya"),
    "tidak_ada": N_("tidak ada"),
    "ya": N_("ya"),
    "tidak": N_("tidak"),
}
WELFARE_LABELS = {
    "lantai": N_("Lantai tanah/bambu"),
    "dinding": N_("Dinding bambu/kayu murah"),
    "jamban": N_("Tanpa jamban sendiri"),
    "listrik": N_("Tanpa listrik"),
    "air": N_("Air minum tidak terlindung"),
    "bahan_bakar": N_("Masak pakai kayu/arang"),
    "protein": N_("Daging/ikan/susu < 1× seminggu"),
    "makan": N_("Makan < 2× sehari"),
    "berobat": N_("Tak mampu bayar berobat"),
    "penghasilan": N_("Penghasilan KK < Rp600.000"),
    "pendidikan_kepala": N_("Pendidikan KK paling tinggi SD"),
    "aset": N_("Tanpa tabungan/aset Rp500.000"),
}
CHANGE_KIND_LABELS = {
    "kelahiran": N_("👶 Kelahiran"),
    "kematian": N_("🕊 Kematian"),
    "pindah_keluar": N_("🚶 Pindah keluar"),
    "pindah_masuk": N_("🏠 Pindah masuk"),
    "telepon_baru": N_("📞 Telepon baru"),
    "alamat_baru": N_("📮 Alamat baru"),
    "kehamilan": N_("🤰 Kehamilan"),
    "jenjang_sekolah": N_("🎒 Jenjang sekolah"),
    "graduasi_mandiri": N_("🎓 Ingin keluar (graduasi mandiri)"),
}
# A member's relationship to the head (SHDK), by the registry's own word (``Relation``): the move-in's buttons (all
# but the head: a KK has one), the review, the household card, the supervisor's card and the exports.
RELATION_LABELS = {
    Relation.KEPALA.value: N_("Kepala keluarga"),
    Relation.ISTRI.value: N_("Istri"),
    Relation.SUAMI.value: N_("Suami"),
    Relation.ANAK.value: N_("Anak"),
    Relation.MENANTU.value: N_("Menantu"),
    Relation.CUCU.value: N_("Cucu"),
    Relation.ORANG_TUA.value: N_("Orang tua"),
    Relation.MERTUA.value: N_("Mertua"),
    Relation.FAMILI_LAIN.value: N_("Famili lain"),
    Relation.LAINNYA.value: N_("Lainnya"),
}
RELATION_UNKNOWN = N_(
    "“{text}” bukan hubungan keluarga yang dikenal. Pilih salah satu tombol: istri, suami, anak, menantu, cucu, "
    "orang tua, mertua, famili lain atau lainnya (famili lain bila ragu)."
)
RELATION_NOT_HEAD = N_(
    "Orang yang pindah masuk tidak bisa menjadi kepala keluarga: KK ini sudah punya kepala keluarga. Pilih "
    "hubungannya dengan kepala keluarga itu."
)
STOP_LABELS = {"tidak_ada": N_("Tidak ada perubahan"), "selesai": N_("✔ Selesai")}
SECTOR_LABELS = {
    "pendidikan": N_("🎓 Pendidikan"),
    "kesehatan": N_("🏥 Kesehatan"),
    "umkm": N_("🏪 UMKM / modal usaha"),
    "lainnya": N_("Lainnya"),
}
REFERRAL_STOP_LABELS = {"tidak_ada": N_("Tidak ada rujukan"), "selesai": N_("✔ Selesai")}
SCHOOL_LABELS = {"SD": "SD", "SMP": "SMP", "SMA": "SMA", "tidak_sekolah": N_("Tidak sekolah")}
PHOTO_SKIP_LABELS = {
    "tidak_diizinkan": N_("Keluarga tidak mengizinkan"),
    "kamera": N_("Kamera/HP bermasalah"),
    "lainnya": N_("Lainnya"),
}
LOCATION_SKIP_LABELS = {"gps": N_("GPS tidak aktif"), "sinyal": N_("Tidak ada sinyal"), "lainnya": N_("Lainnya")}
# The skip buttons of the photo and location questions are the reasons themselves: skipped and why in one tap.
PHOTO_SKIP_BUTTONS = {
    "tidak_diizinkan": N_("Tanpa foto: keluarga tidak mengizinkan"),
    "kamera": N_("Tanpa foto: kamera/HP bermasalah"),
    "lainnya": N_("Tanpa foto: alasan lain"),
}
LOCATION_SKIP_BUTTONS = {
    "gps": N_("Tanpa lokasi: GPS tidak aktif"),
    "sinyal": N_("Tanpa lokasi: tidak ada sinyal"),
    "lainnya": N_("Tanpa lokasi: alasan lain"),
}
