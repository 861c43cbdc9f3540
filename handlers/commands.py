"""The command catalogue: one row per command, the roles that may use it and its one-line help.

It feeds both Telegram's command menu (setMyCommands per chat) and /bantuan, so the two never disagree.
A feature adds its rows here when it lands (and not before: /bantuan must not promise what does not answer).
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.i18n import N_
from models.tables import Role

EVERYONE = frozenset(Role)
SUPERVISORS = frozenset({Role.KOORDINATOR, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str  # Indonesian msgid, translated when shown
    roles: frozenset[Role]


CATALOGUE: tuple[Command, ...] = (
    Command("lapor", N_("laporkan kunjungan rumah"), frozenset({Role.PENDAMPING})),
    Command("jadwal", N_("keluarga yang perlu dikunjungi periode ini"), frozenset({Role.PENDAMPING})),
    Command("riwayat", N_("laporan kunjungan Anda yang terakhir"), frozenset({Role.PENDAMPING})),
    Command("batal", N_("batalkan laporan yang sedang diisi"), frozenset({Role.PENDAMPING})),
    Command("pengaturan", N_("jam ringkasan pagi dan pengingat komitmen"), frozenset({Role.PENDAMPING})),
    Command("ringkasan", N_("ringkasan wilayah: /ringkasan [wilayah] [periode]"), SUPERVISORS),
    Command("tunggakan", N_("KPM yang belum dikunjungi: /tunggakan [wilayah]"), SUPERVISORS),
    Command("kepatuhan", N_("anggota yang tidak memenuhi komitmen: /kepatuhan [wilayah] [periode]"), SUPERVISORS),
    Command("pendamping", N_("kinerja pendamping: /pendamping [nama|telepon]"), SUPERVISORS),
    Command("grafik", N_("grafik sebagai gambar: /grafik [cakupan|kepatuhan|wilayah] [wilayah]"), SUPERVISORS),
    Command("ekspor", N_("berkas Excel: /ekspor [jenis] [wilayah] [periode]"), SUPERVISORS),
    Command(
        "tinjau", N_("tinjau laporan, perubahan data dan rujukan: /tinjau [nomor | perubahan | rujukan]"), SUPERVISORS
    ),
    Command("graduasi", N_("calon graduasi: /graduasi [wilayah]"), SUPERVISORS),
    Command(
        "penyaluran", N_("daftar penyaluran: putuskan, tandatangani: /penyaluran [wilayah] [periode]"), SUPERVISORS
    ),
    Command("pengingat", N_("jumlah pengingat per jenis hari ini"), frozenset({Role.ADMIN})),
    Command("umumkan", N_("pengumuman ke pendamping: /umumkan <wilayah> <teks>"), frozenset({Role.ADMIN})),
    Command("kpm", N_("cari dan lihat keluarga (KPM) dampingan"), EVERYONE),
    Command("bantuan", N_("daftar perintah yang bisa Anda pakai"), EVERYONE),
    Command("bahasa", N_("ganti bahasa (Indonesia / English)"), EVERYONE),
    Command("undang", N_("buat kode undangan: /undang <peran> <wilayah> [nama]"), frozenset({Role.ADMIN})),
    Command("nonaktifkan", N_("nonaktifkan pengguna: /nonaktifkan <telepon>"), frozenset({Role.ADMIN})),
)

GUEST_COMMANDS: tuple[Command, ...] = (
    Command("start", N_("daftar / mulai"), frozenset()),
    Command("bantuan", N_("bantuan"), frozenset()),
    Command("bahasa", N_("ganti bahasa (Indonesia / English)"), frozenset()),
)


def commands_for(role: Role | None) -> list[Command]:
    if role is None:
        return list(GUEST_COMMANDS)
    return [command for command in CATALOGUE if role in command.roles]
