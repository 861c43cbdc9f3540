"""Word lists for synthetic Banten households: given names by generation, kampung names, schools, phrases.

The names are the common ones of Banten's Sundanese (Pandeglang, Lebak), Bantenese/Javanese-Serang (Serang,
Cilegon), Betawi and mixed urban (Tangerang) villages. Many Indonesians carry one name; older people's names are
traditional, younger ones more Arabic or modern. None of this is taken from a real registry.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Men born before ~1975: traditional Sundanese/Javanese/Betawi names.
MALE_OLD = _words(
    "Sarmin Karta Wiharja Sukarta Rasim Juhri Sanusi Maman Oman Udin Ending Enting Dulah Mamat Sarip Sapri "
    "Jaja Odih Oding Suhendi Rusli Kasmin Rohim Sukardi Muhidin Marjuki Rojali Sabeni Salim Mansyur Sarmadi "
    "Tarmiji Arsad Asnawi Jamhari Samsudin Komarudin Jaenudin Nurdin Saepudin Kosim Amin Ruhiyat Hamdani "
    "Sulaeman Tohir Ahyar Mahdi Basri Karim Wahyudin Suhaemi Muhyi Sarkawi Sukanta"
)
# Men born ~1975–2000.
MALE_MID = _words(
    "Asep Ujang Dede Jajang Cecep Dadang Endang Ahmad Agus Budi Joko Slamet Supriyadi Suparman Bambang "
    "Haryanto Sugiono Wahyudi Rohmat Rahmat Hasan Husen Iwan Hendra Deden Ade Yayat Yanto Edi Mulyadi Dedi "
    "Encep Entis Aan Rudi Andi Hidayat Ismail Ridwan Yusuf Arif Heri Eko Dodi Yudi Ruslan Ujang Iman Ilham "
    "Juhaeni Sahroni Jumadi Suherman Nanang Taufik Apud Deni Wawan Jenal Holil Muhtar"
)
# Boys born after ~2000.
MALE_YOUNG = _words(
    "Rizki Fauzan Aditya Raka Farhan Rafi Zaki Alif Dafa Arkan Fajar Dimas Bayu Ilham Rehan Reza Akbar "
    "Abdul Hafiz Hafidz Gilang Galih Rangga Ikhsan Azka Kenzie Fathan Rayyan Alfarizi Syahrul Firman Wildan "
    "Naufal Ridho Rizal Dika Yoga Bima Satria Arya Daffa Zidan Haikal Faris"
)
MALE_FIRST = ("Muhammad", "Ahmad", "Mochamad", "Abdul", "Moh.")

FEMALE_OLD = _words(
    "Saminah Rasinah Enah Odah Saripah Juariah Icih Emah Onah Kokom Warsih Karsih Tarsih Sunarsih Rukmini "
    "Maesaroh Mursidah Rohaya Zaenab Sanih Aminah Fatimah Khodijah Rukoyah Masitoh Saodah Romlah Halimah "
    "Jubaedah Umayah Sukaesih Eti Ocih Uum Atikah Marfuah Sarinah Tasmi Kartini"
)
FEMALE_MID = _words(
    "Euis Eneng Neneng Iis Yanti Yati Tati Entin Enok Imas Ipah Iyah Lilis Dewi Sumiati Suryani Rina Rini "
    "Wati Nining Popon Nani Juju Komariah Nurhayati Nurjanah Hasanah Julaeha Mulyani Rohmah Maryam Sarah "
    "Eti Aisyah Nurlela Yuli Heni Elis Tuti Ani Mimin Siti Ratna Nia Desi Lina Ela Kurniasih Jamilah"
)
FEMALE_YOUNG = _words(
    "Aisyah Nabila Zahra Salsabila Putri Nayla Aulia Keysha Alya Syifa Citra Dinda Anisa Fitri Azahra "
    "Nazwa Khaira Adinda Naura Kayla Tiara Intan Amelia Rahma Zaskia Anggun Dea Fani Laila Hilya Shafa "
    "Azizah Najwa Humaira Ayu Safira Nurul Bunga Cahaya"
)
# "Siti …" and "Nur…" wives and mothers.
SITI_SECOND = _words(
    "Aminah Fatimah Maryam Rohmah Nurhayati Khodijah Aisyah Rukoyah Masitoh Sarah Julaeha Komariah Saodah "
    "Romlah Halimah Jubaedah Nurjanah Hasanah Umayah Maemunah Rohimah Zubaedah Patimah Mulyani"
)
NUR_FORMS = _words("Nurhayati Nuraini Nurasiah Nurjanah Nurlaela Nurhasanah Nurlela Nurmala Nursiah Nuraeni")

# Second names of two-word adult names (also the surnames children sometimes take from their father).
SECOND_NAMES = _words(
    "Saepudin Supriadi Hidayat Gunawan Setiawan Kurniawan Firmansyah Hermawan Sopian Sutisna Permana Ramdani "
    "Rohman Maulana Hakim Nugraha Saputra Mulyana Wijaya Santoso Hidayatullah Sobari Hamdani Rusdiana "
    "Suryana Kusnadi Kurnia Sudrajat Marlina Rahayu Wulandari Lestari Susanti Handayani Rosita Sari"
)
FEMALE_SECOND = ("Marlina", "Rahayu", "Wulandari", "Lestari", "Susanti", "Handayani", "Rosita", "Sari", "Yulianti")
MALE_SECOND = tuple(n for n in SECOND_NAMES if n not in FEMALE_SECOND)

# Kampung names: Sundanese-flavoured prefixes and roots ("Cibadak", "Pasirkadu", "Sukamaju" …).
KAMPUNG_PREFIX = _words(
    "Ci Ci Ci Pasir Kadu Suka Babakan Bojong Kebon Tegal Lebak Leuwi Cikadu Kampung Tanjung Karang Pasir Gunung"
)
KAMPUNG_ROOT = _words(
    "badak jaya mulya asih kembang nangka jambu gede leutik manggu kuray sereh waru lame awi kiara salam "
    "tengah kidul kaler wetan kulon sari maju makmur rahayu harja bening loa peusar gadung kuya jeruk rames"
)
STREET_NAMES = _words(
    "Mawar Melati Kenanga Dahlia Flamboyan Cempaka Anggrek Masjid Pesantren Pasar Lama Kali Asem Haji Naim Kemuning"
)

# Head's livelihood → the visit form's "penghasilan" code (models/visits.py CONDITION_ITEMS).
OCCUPATIONS = {
    "buruh": 30,
    "tani": 22,
    "dagang": 14,
    "karyawan": 8,
    "lainnya": 16,
    "tidak_ada": 10,
}
ISLAMIC_SCHOOL = ("Al-Khairiyah", "Mathla'ul Anwar", "Al-Hidayah", "Nurul Falah", "Al-Ikhlas", "Darussalam")

# The visit form's codes (models/visits.py): why the family was not met, why a commitment was missed.
NOT_MET_REASONS = {"tidak_di_rumah": 70, "pindah": 8, "menolak": 5, "lainnya": 17}
MISSED_REASONS = {
    "pendidikan": ("sakit", "biaya", "lainnya"),
    "kesehatan_ibu": ("fasilitas", "biaya", "lupa", "sakit"),
    "kesehatan_anak": ("lupa", "sakit", "fasilitas"),
    "lansia": ("sakit", "biaya", "fasilitas", "lupa"),
    "disabilitas": ("sakit", "biaya", "fasilitas"),
}
REFERRALS = {
    "pendidikan": (
        "Anak putus sekolah, perlu bantuan kembali sekolah (PIP / Paket C)",
        "Butuh seragam dan perlengkapan sekolah",
    ),
    "kesehatan": (
        "Belum terdaftar BPJS PBI, perlu pendaftaran",
        "Anggota keluarga sakit menahun belum berobat",
        "Balita berat badan kurang, perlu pemeriksaan gizi",
    ),
    "umkm": (
        "Butuh modal usaha warung sembako",
        "Ibu ingin pelatihan menjahit untuk usaha rumahan",
        "Butuh gerobak untuk usaha dagang keliling",
    ),
}
VISIT_NOTES = (
    "Keluarga dalam keadaan sehat.",
    "Anak sakit demam, sudah dibawa ke puskesmas.",
    "Atap rumah bocor, perlu perbaikan.",
    "Kepala keluarga baru dapat kerja harian.",
    "Ibu aktif ikut posyandu.",
    "Rumah sedang direnovasi dengan bantuan RTLH.",
)
REVIEW_NOTES = ("Foto kurang jelas, mohon diulang.", "Lengkapi data sekolah anak.", "Tanggal kunjungan tidak sesuai.")
TITLES = ("S.Sos.", "S.E.", "S.Pd.", "S.Kom.", "A.Md.", "S.I.Kom.", "")
# Mobile prefixes after +628 (Telkomsel, Indosat, XL, Axis, Smartfren, Tri); 899 is left to tests/factories.py.
PHONE_OPERATORS = _words(
    "11 12 13 21 22 23 51 52 53 14 15 16 55 56 57 58 17 18 19 59 77 78 31 32 33 38 95 96 97 98 81 82 83 85 87 88"
)
