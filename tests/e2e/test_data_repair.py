"""A household the registry import loaded without a wrong member row, as the people in the chat live it (issue 18,
"good rows load"): the pendamping sees "data perlu diperbaiki" on its /kpm card and in /jadwal, proposes the
missing member as a data change during the visit (through the report form), and once the koordinator verifies
it the card no longer asks for that member; re-importing the corrected rows completes the household. A name the
visit form would refuse is refused by the import too."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from models.db import Database
from models.importing import import_households
from models.seeding.household_file import HEADER
from models.seeding.identity import make_kk, make_nik
from models.tables import ChangeStatus, DataChange, Household, Role
from tests.e2e.conftest import PersonFactory
from tests.factories import make_user

DESA = "36.01.01.2001"
SITI_PHONE = "+6281377001122"
KK = make_kk("360101", date(2015, 3, 12), 77)
RINA_NIK = make_nik("360101", date(1988, 2, 2), "P", 31)
HEAD_NIK = make_nik("360101", date(1984, 5, 6), "L", 30)
RAKA_NIK = make_nik("360101", date(2012, 3, 3), "L", 32)


def _row(**cells: str) -> list[str]:
    return [cells.get(name, "") for name in HEADER]


@pytest.fixture
async def imported(db: Database, tmp_path: Path) -> int:
    async with db.session() as s:
        await make_user(s, Role.KOORDINATOR, "36.01", telegram_id=8801, name="Dedi Koordinator")
        await make_user(s, Role.PENDAMPING, "36.01.01", SITI_PHONE, telegram_id=8802, name="Siti Pendamping")
    path = tmp_path / "kpm.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerow(
            _row(
                no_kk=KK, nik=HEAD_NIK, nama="Dadan Permana", hubungan="kepala keluarga", jenis_kelamin="L",
                tanggal_lahir="06-05-1984", kode_desa=DESA, pendamping_telepon=SITI_PHONE,
            )
        )  # fmt: skip
        writer.writerow(  # the NIK lost a digit
            _row(
                no_kk=KK, nik=RINA_NIK[:15], nama="Rina Permana", hubungan="istri", jenis_kelamin="P",
                tanggal_lahir="02-02-1988",
            )
        )  # fmt: skip
        writer.writerow(  # 31 February
            _row(
                no_kk=KK, nik=RAKA_NIK, nama="Raka Permana", hubungan="anak",
                jenis_kelamin="L", tanggal_lahir="31-02-2012",
            )
        )  # fmt: skip
    result = await import_households(db, path, today=date(2026, 11, 2), actor="tester")
    assert (result.households.new, result.members.new, result.rows_failed) == (1, 1, 2)
    async with db.session() as s:
        household = await s.scalar(select(Household).where(Household.kk == KK))
        assert household is not None
        return household.id


async def test_the_flag_shows_on_the_card_and_in_the_list_and_a_verified_change_settles_it(
    person: PersonFactory, imported: int, db: Database, tmp_path: Path
) -> None:
    siti = await person(8802, "Siti")
    await siti.say("/kpm Dadan")
    card = (await siti.press("Dadan Permana")).text
    assert "Data perlu diperbaiki" in card and "2 anggota belum masuk data" in card
    assert "Rina Permana — salah: NIK" in card and "Raka Permana — salah: tanggal lahir" in card
    assert "Perubahan data" in card and RINA_NIK[:15] not in card

    listed = await siti.say("/jadwal")
    assert "Dadan Permana — Sumberjaya — 🛠 data perlu diperbaiki" in listed.text
    assert any("🛠 Dadan Permana" in label for label in listed.buttons())
    picker = await siti.say("/lapor")  # the report form's household picker marks it too
    assert any("🛠 Dadan Permana" in label for label in picker.buttons()), picker.buttons()
    await siti.say("/batal")

    # The pendamping proposes Rina during the visit, in the report's "Perubahan data" step …
    await siti.say("/lapor")
    await siti.press("Dadan Permana")
    for label in ("Hari ini", "Ya", "Lanjut", "Lanjut", "Pindah masuk"):
        await siti.press(label)
    await siti.say("Rina Permana")
    await siti.press("Istri", exact=True)  # her relationship to the head, as the file says
    await siti.say(RINA_NIK)  # the NIK the file lost a digit of
    await siti.press("Selesai")
    await siti.press("Tidak ada rujukan")
    await siti.press("Tanpa foto: kamera/HP bermasalah")
    await siti.press("Tanpa lokasi: GPS tidak aktif")
    summary = await siti.press("Lewati")
    assert "Rina Permana" in summary.text
    sent = await siti.press("Kirim laporan")
    assert "Laporan terkirim" in sent.text
    async with db.session() as s:
        proposed = await s.scalar(select(DataChange).where(DataChange.household_id == imported))
    assert proposed is not None and proposed.kind == "pindah_masuk" and proposed.status is ChangeStatus.PROPOSED
    assert proposed.new_value == {"nama": "Rina Permana", "hubungan": "istri", "nik": RINA_NIK}
    still = (await siti.say("/kpm Dadan")).text + (await siti.press("Dadan Permana")).text
    assert "2 anggota belum masuk data" in still  # proposed is not yet verified
    # … and the koordinator verifies it.
    dedi = await person(8801, "Dedi")
    assert "Rina Permana" in (await dedi.say("/tinjau perubahan")).text
    assert "diverifikasi" in (await dedi.press("Verifikasi")).text.lower()

    await siti.say("/kpm Dadan")
    after = (await siti.press("Dadan Permana")).text
    assert "• Rina Permana (" in after and "38 th" in after  # a member now, her age read from the NIK
    assert "1 anggota belum masuk data" in after and "Rina Permana — salah" not in after
    assert "Raka Permana — salah: tanggal lahir" in after

    # The clerk re-imports the KK with Raka's date fixed (and Rina's row right): nothing held out, the flag goes.
    fixed = tmp_path / "kpm-perbaikan.csv"
    with fixed.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerow(
            _row(
                no_kk=KK, nik=HEAD_NIK, nama="Dadan Permana", hubungan="kepala keluarga", jenis_kelamin="L",
                tanggal_lahir="06-05-1984", kode_desa=DESA, pendamping_telepon=SITI_PHONE,
            )
        )  # fmt: skip
        writer.writerow(
            _row(no_kk=KK, nik=RINA_NIK, nama="Rina Permana", hubungan="istri", jenis_kelamin="P",
                 tanggal_lahir="02-02-1988")
        )  # fmt: skip
        writer.writerow(
            _row(no_kk=KK, nik=RAKA_NIK, nama="Raka Permana", hubungan="anak", jenis_kelamin="L",
                 tanggal_lahir="03-03-2012")
        )  # fmt: skip
    again = await import_households(db, fixed, today=date(2026, 11, 24), actor="tester")
    assert again.rows_failed == 0 and again.members.new == 1
    await siti.say("/kpm Dadan")
    complete = (await siti.press("Dadan Permana")).text
    assert "Data perlu diperbaiki" not in complete
    assert "• Rina Permana (istri" in complete and "• Raka Permana (anak" in complete
    assert not any("🛠" in label for label in (await siti.say("/jadwal")).buttons())


NAMED_KK = make_kk("360101", date(2016, 4, 9), 78)
HEAD_BAD_KK = make_kk("360101", date(2016, 4, 9), 79)
MARKUP_NAME = "<b>Rudi</b> 😀\u202e"  # markup, an emoji and a right-to-left override


@pytest.fixture
async def imported_names(db: Database, tmp_path: Path) -> tuple[int, Path]:
    """A household whose member row has a name the form would refuse, and one whose head's name is such a name."""
    async with db.session() as s:
        await make_user(s, Role.PENDAMPING, "36.01.01", SITI_PHONE, telegram_id=8802, name="Siti Pendamping")
    path = tmp_path / "kpm.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerow(  # row 2
            _row(
                no_kk=NAMED_KK, nik=make_nik("360101", date(1980, 1, 2), "L", 40), nama="Hasan Basri, S.Sos.",
                hubungan="kepala keluarga", jenis_kelamin="L", tanggal_lahir="02-01-1980", kode_desa=DESA,
                pendamping_telepon=SITI_PHONE,
            )
        )  # fmt: skip
        writer.writerow(  # row 3: the name the form would refuse
            _row(
                no_kk=NAMED_KK, nik=make_nik("360101", date(2010, 5, 5), "L", 41), nama=MARKUP_NAME, hubungan="anak",
                jenis_kelamin="L", tanggal_lahir="05-05-2010",
            )
        )  # fmt: skip
        writer.writerow(  # row 4: Nur'aini passes
            _row(
                no_kk=NAMED_KK, nik=make_nik("360101", date(1983, 7, 8), "P", 42), nama="Nur'aini (Ani)",
                hubungan="istri", jenis_kelamin="P", tanggal_lahir="08-07-1983",
            )
        )  # fmt: skip
        writer.writerow(  # row 5: a head whose name is a formula with markup: the whole KK stays out
            _row(
                no_kk=HEAD_BAD_KK, nik=make_nik("360101", date(1975, 3, 3), "L", 43), nama="=HYPERLINK(\"x\") <i>",
                hubungan="kepala keluarga", jenis_kelamin="L", tanggal_lahir="03-03-1975", kode_desa=DESA,
            )
        )  # fmt: skip
        writer.writerow(  # row 6: a good member of that KK, blocked with it
            _row(
                no_kk=HEAD_BAD_KK, nik=make_nik("360101", date(1978, 9, 9), "P", 44), nama="Ina Marlina",
                hubungan="istri", jenis_kelamin="P", tanggal_lahir="09-09-1978",
            )
        )  # fmt: skip
    result = await import_households(db, path, today=date(2026, 11, 2), actor="tester")
    assert (result.households.new, result.members.new, result.rows_failed) == (1, 2, 3)
    by_row = {(issue.row, issue.column): issue.message for issue in result.errors}
    assert "Nama hanya boleh berisi huruf, angka, spasi" in by_row[(3, "nama")]
    assert "Nama hanya boleh berisi huruf, angka, spasi" in by_row[(5, "nama")]
    assert (2, "nama") not in by_row and (4, "nama") not in by_row
    assert result.error_file is not None
    async with db.session() as s:
        assert await s.scalar(select(Household).where(Household.kk == HEAD_BAD_KK)) is None  # no head, no KK
        household = await s.scalar(select(Household).where(Household.kk == NAMED_KK))
        assert household is not None
        return household.id, result.error_file


async def test_an_imported_name_is_checked_like_a_typed_one_and_flags_its_household(
    person: PersonFactory, imported_names: tuple[int, Path]
) -> None:
    _, error_file = imported_names
    with error_file.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    reasons = {row["nama"]: row["kesalahan"] for row in rows}
    assert "Nama hanya boleh berisi huruf" in reasons[MARKUP_NAME] and "data perlu diperbaiki" in reasons[MARKUP_NAME]
    assert "Ina Marlina" in reasons  # blocked with its head, so the fixed file imports on its own

    siti = await person(8802, "Siti")
    await siti.say("/kpm Hasan")
    card = (await siti.press("Hasan Basri")).text
    assert "Data perlu diperbaiki" in card and "1 anggota belum masuk data" in card
    assert (
        "<b>Rudi</b> 😀 — salah: nama" in card
    )  # markup shown as text (it would read "Rudi 😀" if bold), the override dropped
    assert "\u202e" not in card
    assert "Nur'aini (Ani) (istri" in card
    listed = await siti.say("/jadwal")
    assert any("🛠 Hasan Basri" in label for label in listed.buttons())
