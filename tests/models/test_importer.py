"""The registry import, as a clerk at Dinas Sosial lives it: a spreadsheet with good and bad rows goes in, the good
households load (a household whose head row is good loads without its wrong member rows, flagged "data perlu
diperbaiki"), every bad row comes back with its row number and reason in a file that can be fixed and
imported again, and importing the same file twice changes nothing."""

from __future__ import annotations

import csv
import gc
import json
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import event, func, select, text

from models.data_issues import HeldRow, decode
from models.db import Database
from models.importing import ImportFileError, ImportResult, import_households, import_users, write_template
from models.importing.copying import created_json
from models.importing.rows import HouseholdRows, MemberRow
from models.importing.writing import BatchWriter
from models.seeding.household_file import HEADER, write_household_file
from models.seeding.identity import make_kk, make_nik
from models.tables import Audit, Household, Member, Role, SchoolLevel, User

TODAY = date(2025, 11, 24)
DESA = "36.01.01.2001"  # Sumberjaya, Kec. Sumur, Kab. Pandeglang
CILEGON = "36.72.01.1001"  # Cibeber, Kota Cilegon
PENDAMPING_PHONE = "+6281311112222"


def nik(born: date, sex: str, serial: int, region: str = "360101") -> str:
    return make_nik(region, born, sex, serial)


def kk(serial: int, region: str = "360101") -> str:
    return make_kk(region, date(2015, 3, 12), serial)


def member(no_kk: str, person: tuple[date, str, int], name: str, relation: str, **extra: Any) -> dict[str, Any]:
    born, sex, serial = person
    row = {
        "no_kk": no_kk,
        "nik": nik(born, sex, serial, no_kk[:6]),
        "nama": name,
        "hubungan": relation,
        "jenis_kelamin": sex,
        "tanggal_lahir": born,
    }
    row.update(extra)
    return row


EXISTING_NIK = nik(date(1975, 4, 4), "L", 900)
H1, H2, H3, H4, H5, H6, H7, H8, H9, H10, H11, H12, H14 = (kk(n) for n in (*range(1, 13), 14))
H13 = kk(13, "367201")  # a Cilegon KK


def mixed_rows() -> list[dict[str, Any]]:
    """Spreadsheet rows 2–21 (row 1 is the header). Households H1, H2, H13 are good; H3 loads without its wrong
    member row; every other one is bad."""
    return [
        # 2–4: good; the wife is pregnant, the child at school, the pendamping is on the roster
        member(
            H1,
            (date(1980, 3, 20), "L", 1),
            "Budi Hidayat",
            "kepala keluarga",
            kode_desa=DESA,
            alamat="Kp. Sumberjaya RT 001/002",
            telepon="0812-3456-7890",
            pendamping_telepon="0813 1111 2222",
        ),
        member(H1, (date(1985, 6, 25), "P", 2), "Siti Aminah", "istri", hamil_hpl=date(2026, 2, 1)),
        member(
            H1,
            (date(2015, 7, 10), "L", 3),
            "Raka Hidayat",
            "anak",
            jenjang_sekolah="SD",
            nama_sekolah="SDN 1 Sumberjaya",
        ),
        # 5–6: good, with a severely disabled grandmother; the pendamping phone is unknown (a warning only)
        member(
            H2,
            (date(1970, 1, 5), "P", 4),
            "Euis Saputra",
            "kepala",
            kode_desa="3601012001",
            pendamping_telepon="0899 0000 1111",
        ),
        member(H2, (date(1940, 9, 9), "P", 5), "Enung", "orang tua", disabilitas_berat="Y"),
        # 7–8: NIK with 15 digits on row 8: the household loads without that member, flagged
        member(H3, (date(1981, 1, 1), "L", 6), "Dedi Kurnia", "kepala keluarga", kode_desa=DESA),
        member(H3, (date(1983, 2, 2), "P", 7), "Rina", "istri") | {"nik": "360101420283000"},
        # 9: no head
        member(H4, (date(2010, 5, 5), "L", 8), "Yayan", "anak", kode_desa=DESA),
        # 10–11: two heads
        member(H5, (date(1960, 6, 6), "L", 9), "Maman", "kepala keluarga", kode_desa=DESA),
        member(H5, (date(1962, 7, 7), "P", 10), "Imas", "kepala keluarga"),
        # 12: the NIK of row 3 again
        member(H6, (date(1985, 6, 25), "P", 2), "Siti Ganda", "kepala keluarga", kode_desa=DESA),
        # 13: the NIK belongs to a household already in the database
        member(H7, (date(1975, 4, 4), "L", 900), "Agus Pindah", "kepala keluarga", kode_desa=DESA),
        # 14: a kecamatan code where a desa code belongs
        member(H8, (date(1979, 8, 8), "L", 11), "Asep", "kepala keluarga", kode_desa="36.01.01"),
        # 15: JSCM only covers Kota Cilegon
        member(H9, (date(1978, 9, 9), "L", 12), "Ujang", "kepala keluarga", kode_desa=DESA, program="JSCM"),
        # 16: 31 February
        member(H10, (date(1980, 2, 28), "L", 13), "Cecep", "kepala keluarga", kode_desa=DESA)
        | {"tanggal_lahir": "31-02-1980"},
        # 17: sex neither L nor P
        member(H11, (date(1977, 3, 3), "L", 14), "Dadang", "kepala keluarga", kode_desa=DESA) | {"jenis_kelamin": "X"},
        # 18: a man with an expected delivery date
        member(H12, (date(1976, 4, 4), "L", 15), "Udin", "kepala keluarga", kode_desa=DESA, hamil_hpl=date(2026, 1, 1)),
        # 19–20: good, JSCM in Cilegon
        member(
            H13, (date(1982, 10, 10), "L", 16), "Hendra Wijaya", "kepala keluarga", kode_desa=CILEGON, program="jscm"
        ),
        member(H13, (date(2012, 11, 11), "P", 17), "Nur Wijaya", "anak", jenjang_sekolah="SMP"),
        # 21: a desa code that does not exist
        member(H14, (date(1974, 12, 12), "L", 18), "Iwan", "kepala keluarga", kode_desa="3601019999"),
    ]


EXPECTED_ERRORS = [
    (8, "nik", "NIK harus 16 angka; yang tertulis 15 angka"),
    (9, "hubungan", "tidak punya baris kepala keluarga"),
    (10, "hubungan", "punya 2 kepala keluarga (baris 10, 11)"),
    (11, "hubungan", "punya 2 kepala keluarga (baris 10, 11)"),
    (12, "nik", "sudah dipakai di baris 3"),
    (13, "nik", "sudah terdaftar di keluarga lain"),
    (14, "kode_desa", "adalah kecamatan Sumur, bukan desa"),
    (15, "kode_desa", "di luar wilayah program JSCM"),
    (16, "tanggal_lahir", "Tanggal lahir 31-02-1980 tidak ada. Tulis dengan format HH-BB-TTTT"),
    (17, "jenis_kelamin", 'Jenis kelamin "X" tidak dikenal'),
    (18, "hamil_hpl", "HPL hanya untuk anggota perempuan"),
    (21, "kode_desa", "Kode desa 36.01.01.9999 tidak ada"),
]
FAILED_ROWS = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 21]
ERROR_FILE_ROWS = [7, *FAILED_ROWS]  # row 7, H3's head, rides along so that the fixed file imports on its own


def _cell_for_csv(value: Any) -> str:
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    return "" if value is None else str(value)


def write_file(path: Path, rows: Sequence[dict[str, Any]], header: Sequence[str] = HEADER) -> Path:
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                writer.writerow([_cell_for_csv(row.get(name)) for name in header])
        return path
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append([row.get(name) for name in header])  # dates stay real Excel dates
    book.save(path)
    return path


def read_error_file(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.DictReader(handle))
    sheet = load_workbook(path).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


async def count(db: Database, model: Any, *where: Any) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.fixture
async def registry(db: Database) -> Database:
    """A pendamping on the roster and one household already registered (it owns ``EXISTING_NIK``)."""
    async with db.session() as session:
        session.add(User(name="Siti Pendamping", phone=PENDAMPING_PHONE, role=Role.PENDAMPING, area_code="36.01.01"))
        household = Household(programme_code="JAMSOSRATU", kk=kk(99), head_name="Agus Lama", desa_code=DESA)
        session.add(household)
        await session.flush()
        session.add(
            Member(
                household_id=household.id,
                nik=EXISTING_NIK,
                name="Agus Lama",
                relation="kepala keluarga",
                sex="L",
                birth_date=date(1975, 4, 4),
            )
        )
    return db


async def run(db: Database, path: Path, **options: Any) -> ImportResult:
    return await import_households(db, path, today=TODAY, actor="tester", **options)


@pytest.fixture(params=["csv", "xlsx"])
def suffix(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_good_rows_load_and_every_bad_row_is_reported(registry: Database, tmp_path: Path, suffix: str) -> None:
    db = registry
    path = write_file(tmp_path / f"kpm.{suffix}", mixed_rows())
    result = await run(db, path)

    found = {(e.row, e.column): e.message for e in result.errors}
    for row, column, reason in EXPECTED_ERRORS:
        assert (row, column) in found, (row, column, result.errors)
        assert reason in found[(row, column)], found[(row, column)]
    assert result.rows == 20 and result.rows_failed == len(FAILED_ROWS)
    assert (result.households.new, result.members.new) == (4, 8)
    assert any(w.row == 5 and w.column == "pendamping_telepon" for w in result.warnings)

    assert await count(db, Household) == 5  # the three good ones, H3 without Rina, the one already there
    assert await count(db, Member) == 9
    async with db.session() as session:
        first = await session.scalar(select(Household).where(Household.kk == H1))
        assert first is not None
        assert first.head_name == "Budi Hidayat" and first.phone == "+6281234567890"
        assert first.address == "Kp. Sumberjaya RT 001/002"
        pendamping = await session.scalar(select(User.id).where(User.phone == PENDAMPING_PHONE))
        assert first.pendamping_id == pendamping
        members = {m.name: m for m in await session.scalars(select(Member).where(Member.household_id == first.id))}
        assert members["Siti Aminah"].pregnancy_edd == date(2026, 2, 1)
        assert members["Raka Hidayat"].school_level == SchoolLevel.SD
        assert members["Raka Hidayat"].school_name == "SDN 1 Sumberjaya"
        second = await session.scalar(select(Household).where(Household.kk == H2))
        assert second is not None and second.pendamping_id is None  # unknown phone: left unassigned
        grandmother = await session.scalar(select(Member).where(Member.name == "Enung"))
        assert grandmother is not None and grandmother.severe_disability is True
        cilegon = await session.scalar(select(Household).where(Household.kk == H13))
        assert cilegon is not None and cilegon.programme_code == "JSCM" and cilegon.desa_code == CILEGON
        partial = await session.scalar(select(Household).where(Household.kk == H3))
        assert partial is not None and partial.head_name == "Dedi Kurnia"
        assert [m.name for m in await session.scalars(select(Member).where(Member.household_id == partial.id))] == [
            "Dedi Kurnia"
        ]
        assert decode(partial.data_issues) == [HeldRow("Rina", None, ("nik",))]
        assert first.data_issues is None and second.data_issues is None
        for head_bad in (H4, H5, H6, H7, H8, H9, H10, H11, H12, H14):  # no head, or the head's row wrong: nothing
            assert await session.scalar(select(Household).where(Household.kk == head_bad)) is None
        created = list(await session.scalars(select(Audit).where(Audit.action == "import.create")))
    assert len(created) == 4
    assert {a.actor_type for a in created} == {"cli"} and {a.entity for a in created} == {"household"}
    assert all(a.after and len(a.after["anggota"]) in (1, 2, 3) and a.before is None for a in created)
    assert {a.after["kk"] for a in created if a.after} == {H1, H2, H3, H13}

    assert result.error_file == tmp_path / f"kpm.errors.{suffix}"
    bad = read_error_file(result.error_file)
    assert [r["nama"] for r in bad] == [mixed_rows()[n - 2]["nama"] for n in ERROR_FILE_ROWS]
    assert all(r["kesalahan"] for r in bad)
    head_of_h3 = next(r for r in bad if r["nama"] == "Dedi Kurnia")
    assert head_of_h3["kesalahan"].startswith("Kepala keluarga: sudah dimuat.")
    rina = next(r for r in bad if r["nama"] == "Rina")
    assert "tetap dimuat tanpa baris ini" in rina["kesalahan"] and "data perlu diperbaiki" in rina["kesalahan"]
    imam = next(r for r in bad if r["nama"] == "Imas")  # two heads: the household stays out, as before
    assert "punya 2 kepala keluarga" in imam["kesalahan"]


async def test_reimporting_the_same_file_changes_nothing(registry: Database, tmp_path: Path, suffix: str) -> None:
    db = registry
    path = write_file(tmp_path / f"kpm.{suffix}", mixed_rows())
    await run(db, path)
    before = (await count(db, Household), await count(db, Member), await count(db, Audit))

    again = await run(db, path)

    assert (again.households.new, again.households.changed, again.households.unchanged) == (0, 0, 4)
    assert (again.members.new, again.members.changed, again.members.unchanged) == (0, 0, 8)
    assert not again.changed_anything
    assert again.households.describe() == "0 baru, 0 diubah, 4 tidak berubah"
    assert (await count(db, Household), await count(db, Member), await count(db, Audit)) == before
    assert again.error_count == len(EXPECTED_ERRORS)  # the bad rows are still bad


async def test_a_changed_value_is_updated_counted_and_audited(registry: Database, tmp_path: Path) -> None:
    db = registry
    rows = mixed_rows()
    path = write_file(tmp_path / "kpm.csv", rows)
    await run(db, path)

    rows[0]["alamat"] = "Kp. Baru RT 003/004"
    rows[2]["nama_sekolah"] = "SDN 2 Sumberjaya"
    rows[3]["telepon"] = "0857 1234 5678"
    rows.insert(2, member(H1, (date(2020, 1, 1), "P", 30), "Bayi Baru", "anak"))  # a new member of H1
    write_file(path, rows)
    result = await run(db, path)

    assert (result.households.new, result.households.changed, result.households.unchanged) == (0, 2, 2)
    assert (result.members.new, result.members.changed, result.members.unchanged) == (1, 1, 7)
    async with db.session() as session:
        first = await session.scalar(select(Household).where(Household.kk == H1))
        assert first is not None and first.address == "Kp. Baru RT 003/004"
        child = await session.scalar(select(Member).where(Member.name == "Raka Hidayat"))
        assert child is not None and child.school_name == "SDN 2 Sumberjaya"
        second = await session.scalar(select(Household).where(Household.kk == H2))
        assert second is not None and second.phone == "+6285712345678"
        updates = {a.entity_id: a for a in await session.scalars(select(Audit).where(Audit.action == "import.update"))}
    assert set(updates) == {str(first.id), str(second.id)}
    change = updates[str(first.id)]
    assert change.before is not None and change.after is not None
    assert change.before["address"] == "Kp. Sumberjaya RT 001/002" and change.after["address"] == "Kp. Baru RT 003/004"
    child_nik = nik(date(2015, 7, 10), "L", 3)
    assert change.before["anggota"][child_nik] == {"school_name": "SDN 1 Sumberjaya"}
    assert change.after["anggota"][child_nik] == {"school_name": "SDN 2 Sumberjaya"}
    assert change.after["anggota_baru"] == [nik(date(2020, 1, 1), "P", 30)]


async def test_a_dry_run_checks_everything_and_writes_nothing(registry: Database, tmp_path: Path, suffix: str) -> None:
    db = registry
    path = write_file(tmp_path / f"kpm.{suffix}", mixed_rows())
    result = await run(db, path, dry_run=True)

    assert result.dry_run
    assert (result.households.new, result.members.new) == (4, 8)
    assert {(e.row, e.column) for e in result.errors} >= {(r, c) for r, c, _ in EXPECTED_ERRORS}
    assert any("sudah terdaftar di keluarga lain" in e.message for e in result.errors)  # the database was asked
    assert await count(db, Household) == 1 and await count(db, Member) == 1
    assert await count(db, Audit) == 0
    assert result.error_file is not None and result.error_file.exists()


def fix_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the clerk does with the error file: correct each reported cell."""
    fixes: dict[str, dict[str, Any]] = {
        "Rina": {"nik": nik(date(1983, 2, 2), "P", 7)},
        "Yayan": {"hubungan": "kepala keluarga"},
        "Imas": {"hubungan": "istri"},
        "Siti Ganda": {"nik": nik(date(1985, 6, 25), "P", 40)},
        "Agus Pindah": {"nik": nik(date(1975, 4, 4), "L", 41)},
        "Asep": {"kode_desa": DESA},
        "Ujang": {"program": ""},
        "Cecep": {"tanggal_lahir": "28-02-1980"},
        "Dadang": {"jenis_kelamin": "L"},
        "Udin": {"hamil_hpl": ""},
        "Iwan": {"kode_desa": DESA},
    }
    return [row | fixes.get(str(row["nama"]), {}) for row in rows]


async def test_the_error_file_can_be_fixed_and_imported(registry: Database, tmp_path: Path, suffix: str) -> None:
    db = registry
    path = write_file(tmp_path / f"kpm.{suffix}", mixed_rows())
    first = await run(db, path)
    assert first.error_file is not None
    bad = read_error_file(first.error_file)
    header = list(bad[0].keys())
    assert header == [*HEADER, "kesalahan"]

    write_file(first.error_file, fix_rows(bad), header)
    second = await run(db, first.error_file)

    assert second.error_count == 0, second.errors
    assert second.households.new == 10 and second.members.new == len(FAILED_ROWS)
    assert second.households.changed == 1  # H3: Rina added, the flag cleared
    assert second.error_file is None
    assert not (tmp_path / f"kpm.errors.errors.{suffix}").exists()
    assert await count(db, Household) == 1 + 4 + 10
    async with db.session() as session:
        completed = await session.scalar(select(Household).where(Household.kk == H3))
        assert completed is not None and completed.data_issues is None
        (update,) = await session.scalars(
            select(Audit).where(Audit.action == "import.update", Audit.entity_id == str(completed.id))
        )
    assert update.before is not None and update.after is not None
    assert update.before["data_issues"] is not None and update.after["data_issues"] is None
    assert await count(db, Member, Member.household_id == completed.id) == 2


async def test_scattered_rows_of_one_household_load_together_across_batches(db: Database, tmp_path: Path) -> None:
    rows = [
        member(H1, (date(1980, 3, 20), "L", 1), "Budi", "kepala keluarga", kode_desa=DESA),
        member(H2, (date(1970, 1, 5), "L", 4), "Euis", "kepala keluarga", kode_desa=DESA),
        member(H3, (date(1981, 1, 1), "L", 6), "Dedi", "kepala keluarga", kode_desa=DESA),
        member(H1, (date(1985, 6, 25), "P", 2), "Siti", "istri"),
        member(H2, (date(1940, 9, 9), "P", 5), "Enung", "orang tua"),
        member(H1, (date(2015, 7, 10), "L", 3), "Raka", "anak"),
    ]
    path = write_file(tmp_path / "acak.csv", rows)
    progress: list[tuple[str, int, int | None]] = []
    result = await run(db, path, batch_size=1, progress=lambda *p: progress.append(p))

    assert result.error_count == 0, result.errors
    assert (result.households.new, result.members.new) == (3, 6)
    async with db.session() as session:
        sizes = dict(
            (
                await session.execute(select(Household.kk, func.count(Member.id)).join(Member).group_by(Household.kk))
            ).all()
        )
    assert sizes == {H1: 3, H2: 2, H3: 1}
    assert progress[-1] == ("muat", 6, 6)
    assert ("baca", 6, 6) in progress


async def test_headers_are_found_by_alias_below_a_title(db: Database, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Data KPM Jamsosratu Kabupaten Pandeglang 2025"])
    sheet.append([])
    sheet.append(
        ["No. KK", "NIK", "Nama Lengkap", "Hubungan dengan KK", "L/P", "Tgl Lahir", "Kode Wilayah", "No HP", "Catatan"]
    )
    head = nik(date(1980, 3, 20), "L", 1)
    sheet.append([H1, head, "Budi", "KK", "L", datetime(1980, 3, 20), "3601012001", 81234567890, "apa saja"])
    sheet.append([H1, nik(date(2015, 7, 10), "L", 3), "Raka", "Anak Kandung", "l", 42195, None, None, None])
    sheet.append([H2, "3601", "Salah", "kepala", "P", "1990-01-01", DESA, None, None])
    path = tmp_path / "kpm.xlsx"
    book.save(path)

    result = await run(db, path)

    assert (result.households.new, result.members.new) == (1, 2)
    assert [(e.row, e.column) for e in result.errors] == [(6, "nik")]  # the sheet's own row number
    async with db.session() as session:
        raka = await session.scalar(select(Member).where(Member.name == "Raka"))
        assert raka is not None and raka.birth_date == date(2015, 7, 10)  # an Excel serial date
        budi = await session.scalar(select(Household).where(Household.kk == H1))
        assert budi is not None and budi.phone == "+6281234567890"


async def test_semicolon_csv_from_indonesian_excel(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "kpm.csv"
    head = nik(date(1980, 3, 20), "L", 1)
    path.write_text(
        f"No KK;NIK;Nama;SHDK;JK;Tanggal Lahir;Kode Desa\n{H1};{head};Budi;1;L;20/03/1980;{DESA}\n",
        encoding="utf-8-sig",
    )
    result = await run(db, path)
    assert result.error_count == 0, result.errors
    assert result.members.new == 1


async def test_a_missing_required_column_stops_the_import_with_its_name(db: Database, tmp_path: Path) -> None:
    path = write_file(tmp_path / "kpm.csv", mixed_rows()[:1], [h for h in HEADER if h != "kode_desa"])
    with pytest.raises(ImportFileError, match="kode_desa"):
        await run(db, path)
    with pytest.raises(ImportFileError, match="tidak ditemukan"):
        await run(db, tmp_path / "tidak-ada.csv")
    (tmp_path / "lama.xls").write_bytes(b"")
    with pytest.raises(ImportFileError, match=".xlsx atau .csv"):
        await run(db, tmp_path / "lama.xls")


ROSTER = [
    {"nama": "Siti Aminah", "telepon": "0813-1111-2222", "peran": "pendamping", "wilayah": "36.01.01"},
    {"nama": "Bambang", "telepon": "+62 812 0000 1111", "peran": "Koordinator", "wilayah": "3601"},
    {"nama": "Admin Dinsos", "telepon": "6281200002222", "peran": "admin", "wilayah": "36"},
    {"nama": "Salah Peran", "telepon": "0812 0000 3333", "peran": "ketua", "wilayah": "36.01"},
    {"nama": "Nomor Pendek", "telepon": "0812", "peran": "pendamping", "wilayah": "36.01.01"},
    {"nama": "Wilayah Asing", "telepon": "0812 0000 4444", "peran": "pendamping", "wilayah": "36.99"},
    {"nama": "Nomor Ganda", "telepon": "081311112222", "peran": "pendamping", "wilayah": "36.01.02"},
]
ROSTER_HEADER = ["nama", "telepon", "peran", "wilayah"]


async def test_the_roster_upserts_by_phone(db: Database, tmp_path: Path, suffix: str) -> None:
    path = write_file(tmp_path / f"petugas.{suffix}", ROSTER, ROSTER_HEADER)
    result = await import_users(db, path, actor="tester")

    assert (result.users.new, result.users.changed, result.users.unchanged) == (3, 0, 0)
    found = {(e.row, e.column) for e in result.errors}
    assert found == {(5, "peran"), (6, "telepon"), (7, "wilayah"), (8, "telepon")}
    assert any("sudah dipakai di baris 2" in e.message for e in result.errors)
    assert result.error_file is not None and len(read_error_file(result.error_file)) == 4
    async with db.session() as session:
        users = {u.phone: u for u in await session.scalars(select(User))}
    assert users["+6281311112222"].role == Role.PENDAMPING and users["+6281311112222"].area_code == "36.01.01"
    assert users["+6281200001111"].role == Role.KOORDINATOR and users["+6281200001111"].area_code == "36.01"

    again = await import_users(db, path, actor="tester")
    assert (again.users.new, again.users.changed, again.users.unchanged) == (0, 0, 3)

    roster = [dict(r) for r in ROSTER[:3]]
    roster[1]["wilayah"] = "36.02"
    write_file(path, roster, ROSTER_HEADER)
    changed = await import_users(db, path, actor="tester")
    assert (changed.users.new, changed.users.changed, changed.users.unchanged) == (0, 1, 2)
    assert changed.error_file is None
    assert await count(db, Audit, Audit.entity == "user", Audit.action == "import.create") == 3
    async with db.session() as session:
        update = await session.scalar(select(Audit).where(Audit.action == "import.update"))
    assert update is not None and update.before == {"area_code": "36.01"} and update.after == {"area_code": "36.02"}


async def test_the_template_is_ready_to_fill_and_its_examples_import(db: Database, tmp_path: Path) -> None:
    path = write_template(tmp_path / "templat.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["Rumah Tangga", "Petugas", "Petunjuk"]
    households = book["Rumah Tangga"]
    assert [c.value for c in households[1]] == HEADER
    assert all(c.font.bold for c in households[1])
    assert households.freeze_panes == "A2"
    assert households["A2"].number_format == "@" and households["B2"].number_format == "@"
    assert households["A3"].number_format == "@"  # the empty rows too, so 16 digits stay 16 digits
    assert households.column_dimensions["B"].width >= 18
    assert [c.value for c in book["Petugas"][1]] == ROSTER_HEADER

    users = await import_users(db, path)
    assert users.users.new == 1 and users.error_count == 0 and users.warning_count == 0
    registry = await run(db, path)
    assert registry.error_count == 0 and registry.warning_count == 0, (registry.errors, registry.warnings)
    assert (registry.households.new, registry.members.new) == (1, 1)
    async with db.session() as session:
        household = await session.scalar(select(Household))
    assert household is not None and household.pendamping_id is not None


async def test_an_unknown_default_programme_is_refused(db: Database, tmp_path: Path) -> None:
    path = write_file(tmp_path / "kpm.csv", mixed_rows()[:1])
    with pytest.raises(ImportFileError, match="PKH"):
        await run(db, path, default_programme="PKH")


async def test_a_windows_csv_is_read_even_when_the_accent_comes_late(db: Database, tmp_path: Path) -> None:
    rows = [
        member(kk(n), (date(1980, 1, 1 + n % 28), "L", n), f"Kepala {n}", "kepala keluarga", kode_desa=DESA)
        for n in range(1, 1500)
    ]
    rows.append(member(kk(1500), (date(1990, 5, 5), "P", 1500), "Andréa Siñaga", "kepala keluarga", kode_desa=DESA))
    path = write_file(tmp_path / "kpm.csv", rows)
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    assert path.stat().st_size > 65536  # the accent is past the part used to guess the encoding

    result = await run(db, path)

    assert result.error_count == 0 and result.households.new == 1500
    async with db.session() as session:
        assert await session.scalar(select(Member.name).where(Member.name.like("Andr%"))) == "Andréa Siñaga"


# -- many rows: the batched (on PostgreSQL: COPY) path ---------------------------------------------------------------


def generated_file(path: Path, households: int) -> list[list[str]]:
    """A synthetic registry (the benchmark's generator) and its rows as read back."""
    write_household_file(path, households, seed=7)
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))[1:]


async def test_a_bad_row_in_the_middle_of_a_batch_keeps_only_its_household_out(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "kpm.csv"
    rows = generated_file(path, 300)
    middle = next(n for n in range(len(rows) // 2, len(rows)) if rows[n][3] == "kepala keluarga")
    bad_number = middle + 2  # spreadsheet row: the header is row 1
    bad_kk = rows[middle][0]
    rows[middle][1] = rows[middle][1][:15]  # a NIK that lost a digit
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    household_rows = [n + 2 for n, row in enumerate(rows) if row[0] == bad_kk]
    assert rows[middle][3] == "kepala keluarga"  # the head's row: without it there is no household to load

    result = await run(db, path, batch_size=64)

    assert [(e.row, e.column) for e in result.errors] == [(bad_number, "nik")]
    assert "NIK harus 16 angka" in result.errors[0].message
    assert (result.households.new, result.members.new) == (299, len(rows) - len(household_rows))
    assert result.rows_failed == len(household_rows)
    assert await count(db, Household) == 299
    assert await count(db, Household, Household.kk == bad_kk) == 0
    assert await count(db, Member) == len(rows) - len(household_rows)
    assert await count(db, Audit, Audit.action == "import.create") == 299
    assert result.error_file is not None
    assert [r["nik"] for r in read_error_file(result.error_file)] == [rows[n - 2][1] for n in household_rows]
    async with db.session() as session:
        first = await session.scalar(select(Household).where(Household.kk == rows[0][0]))
        assert first is not None
        # looked up by the household, not as the lowest audit id: on PostgreSQL batches are written side by side,
        # so the second batch's audit rows may take lower ids than the first's
        (audit,) = await session.scalars(
            select(Audit).where(Audit.action == "import.create", Audit.entity_id == str(first.id))
        )
    assert audit.after is not None and audit.after["kk"] == first.kk
    assert audit.after["anggota"] == [r[1] for r in rows if r[0] == first.kk]

    again = await run(db, path, batch_size=64)
    assert (again.households.new, again.households.changed, again.households.unchanged) == (0, 0, 299)
    assert not again.changed_anything
    assert await count(db, Audit) == 299


async def test_a_wrong_member_row_in_the_middle_of_a_batch_leaves_its_household_loaded_and_flagged(
    db: Database, tmp_path: Path
) -> None:
    """Through the fast path (PostgreSQL: COPY without lookups; SQLite: executemany), batches written side by side."""
    path = tmp_path / "kpm.csv"
    rows = generated_file(path, 300)
    middle = next(n for n in range(len(rows) // 2, len(rows)) if rows[n][3] not in ("kepala keluarga", ""))
    bad_kk, bad_nik, bad_name = rows[middle][0], rows[middle][1], rows[middle][2]
    rows[middle][1] = bad_nik[:15]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    head_number = next(n + 2 for n, row in enumerate(rows) if row[0] == bad_kk and row[3] == "kepala keluarga")
    lookups = _lookups(db)

    result = await run(db, path, batch_size=64)

    assert [(e.row, e.column) for e in result.errors] == [(middle + 2, "nik")]
    assert (result.households.new, result.members.new) == (300, len(rows) - 1)
    assert result.rows_failed == 1
    assert await count(db, Member) == len(rows) - 1
    if db.engine.dialect.name == "postgresql":
        assert lookups == []  # the held-out row cost the fast path nothing
    async with db.session() as session:
        flagged = list(await session.scalars(select(Household).where(Household.data_issues.is_not(None))))
    assert [h.kk for h in flagged] == [bad_kk]
    assert decode(flagged[0].data_issues) == [HeldRow(bad_name, None, ("nik",))]
    assert result.error_file is not None
    assert [r["nama"] for r in read_error_file(result.error_file)] == [rows[head_number - 2][2], bad_name]

    rows[middle][1] = bad_nik  # the clerk fixes the row; the whole file again
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    again = await run(db, path, batch_size=64)
    assert again.error_count == 0 and (again.households.changed, again.members.new) == (1, 1)
    assert await count(db, Household, Household.data_issues.is_not(None)) == 0
    assert await count(db, Member) == len(rows)


async def test_an_import_killed_half_way_completes_when_run_again(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "kpm.csv"
    rows = generated_file(path, 200)
    loaded: list[int] = []

    def stop_after_two_batches(phase: str, done: int, total: int | None) -> None:
        if phase == "muat":
            loaded.append(done)
            if len(loaded) == 2:
                raise KeyboardInterrupt  # what Ctrl-C (or a killed process) does between two batches

    with pytest.raises(KeyboardInterrupt):
        await run(db, path, batch_size=40, progress=stop_after_two_batches)
    # Two whole batches, and on PostgreSQL the third and fourth too: they were already being written beside the
    # second (``writers_for``) and are allowed to finish. Never part of a batch, never the fifth.
    stored = await count(db, Household)
    assert stored == (160 if db.engine.dialect.name == "postgresql" else 80)
    assert not (tmp_path / "kpm.errors.csv").exists()

    again = await run(db, path, batch_size=40)

    assert again.error_count == 0
    assert (again.households.new, again.households.unchanged) == (200 - stored, stored)
    assert await count(db, Household) == 200
    assert await count(db, Member) == len(rows)
    assert await count(db, Audit, Audit.action == "import.create") == 200
    async with db.session() as session:
        niks = list(await session.scalars(select(Member.nik)))
    assert sorted(niks) == sorted(r[1] for r in rows)


def test_the_creation_audit_json_is_the_json_of_the_created_values() -> None:
    rows = [MemberRow(2, (), "k", nik=nik(date(1980, 3, 20), "L", 1)), MemberRow(3, (), "k", nik="3601016506850002")]
    for name, address, phone, pendamping in (
        ('Ade "Ujang" Süleyman \\ Ñ', "Kp. Ciñ\u00e9ma RT 1/2\ttab", None, None),
        ("Budi", "", "+6281234567890", 42),
    ):
        household = HouseholdRows(
            "k", rows, "JAMSOSRATU", kk(1), DESA, name, address, phone=phone, pendamping_id=pendamping
        )
        assert json.loads(created_json(household)) == BatchWriter._created(household)


def _lookups(db: Database) -> list[str]:
    """The importer's KK and NIK look-ups run through ``db`` from now on."""
    seen: list[str] = []

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        if sql.lstrip().startswith("SELECT") and ("FROM member JOIN household" in sql or "WHERE household.kk" in sql):
            seen.append(sql)

    event.listen(db.engine.sync_engine, "before_cursor_execute", statement)
    return seen


async def test_a_fresh_import_looks_nothing_up_on_postgresql_until_a_row_is_stored(
    db: Database, tmp_path: Path
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the blind COPY path is PostgreSQL's; SQLite always looks first")
    path = tmp_path / "kpm.csv"
    rows = generated_file(path, 240)
    lookups = _lookups(db)
    loaded: list[int] = []

    def stop_after_two_batches(phase: str, done: int, total: int | None) -> None:
        if phase == "muat":
            loaded.append(done)
            if len(loaded) == 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await run(db, path, batch_size=20, progress=stop_after_two_batches)
    assert lookups == []  # nothing in the database yet: the unique constraints alone guard the COPY
    stored = await count(db, Household)
    assert stored in (40, 60, 80)  # two batches reported, and what was being written beside them

    # The rerun's first batches are stored already: the blind attempt is refused by the unique constraints and
    # rolled back, the batch is written again with the look-ups (unchanged, no audit), and once a batch finds
    # nothing stored the rest go blind again.
    again = await run(db, path, batch_size=20)

    assert again.error_count == 0
    assert (again.households.new, again.households.changed, again.households.unchanged) == (240 - stored, 0, stored)
    assert again.members.changed == 0 and again.members.new + again.members.unchanged == len(rows)
    assert 2 <= len(lookups) < 2 * (240 // 20)  # a KK and a NIK look-up per looked-up batch, not for all twelve
    assert await count(db, Household) == 240
    assert await count(db, Member) == len(rows)
    assert await count(db, Audit, Audit.action == "import.create") == 240
    assert await count(db, Audit) == 240


async def test_import_batches_on_postgresql_commit_without_waiting_for_the_disk(
    registry: Database, tmp_path: Path
) -> None:
    db = registry
    if db.engine.dialect.name != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    settings: list[str] = []

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        if "synchronous_commit" in sql:
            settings.append(sql.strip())

    event.listen(db.engine.sync_engine, "before_cursor_execute", statement)
    path = write_file(tmp_path / "kpm.csv", mixed_rows())
    await run(db, path, dry_run=True)
    assert settings == []  # a dry run writes nothing, so it has nothing to hurry
    result = await run(db, path)
    # the whole file is one batch; its blind attempt meets the registered NIK and is written again with look-ups
    assert settings == ["SET LOCAL synchronous_commit = off"] * 2
    assert result.households.new == 4
    async with db.session() as session:
        assert await session.scalar(text("SHOW synchronous_commit")) == "on"  # the import's own transactions only


async def test_import_defers_only_its_own_member_foreign_key_checks_on_postgresql(db: Database, tmp_path: Path) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the deferrable foreign key (migration 0013) is PostgreSQL's")
    path = tmp_path / "kpm.csv"
    rows = generated_file(path, 30)
    deferred: list[str] = []

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        if sql.startswith("SET CONSTRAINTS"):
            deferred.append(sql)

    event.listen(db.engine.sync_engine, "before_cursor_execute", statement)
    result = await run(db, path, batch_size=10)
    assert result.error_count == 0 and (result.households.new, result.members.new) == (30, len(rows))
    assert deferred == ["SET CONSTRAINTS fk_member_household_id_household DEFERRED"] * 3  # one per batch
    async with db.session() as session:
        deferrable, initially_deferred = (
            await session.execute(
                text("SELECT condeferrable, condeferred FROM pg_constraint WHERE conname = :name"),
                {"name": "fk_member_household_id_household"},
            )
        ).one()
        assert (deferrable, initially_deferred) == (True, False)
    # Every other writer still has the check at its statement: a member of no household is refused at once.
    with pytest.raises(Exception, match="fk_member_household_id_household"):
        async with db.session() as session:
            await session.execute(
                text(
                    "INSERT INTO member (household_id, nik, name, relation, sex, birth_date, severe_disability, status)"
                    " VALUES (-1, '3601010101900001', 'X', 'anak', 'L', '1990-01-01', false, 'aktif')"
                )
            )
            raise AssertionError("the INSERT should have failed before the commit")


async def test_an_import_leaves_next_to_no_cyclic_garbage(db: Database, tmp_path: Path) -> None:
    """``bulk_load`` runs the import without the cyclic collector: that is only safe while reference counting
    frees what an import makes. Its cycles (a few per batch: sessions, tasks) must not grow with the rows."""
    path = tmp_path / "kpm.csv"
    generated_file(path, 600)
    seen_enabled: list[bool] = []

    def note(phase: str, done: int, total: int | None) -> None:
        if phase == "muat":
            seen_enabled.append(gc.isenabled())

    gc.collect()
    gc.disable()  # so that nothing is collected before it is counted
    try:
        result = await run(db, path, batch_size=100, progress=note)
        garbage = gc.collect()
    finally:
        gc.enable()
    assert result.households.new == 600 and result.error_count == 0
    assert seen_enabled == [False] * 6  # no collector while the batches are written
    assert gc.isenabled()  # and back afterwards
    # Measured: none on PostgreSQL, ≈ 18 per batch on SQLite (its connection's thread), whatever the batch size;
    # a cycle per row (2,400 rows, ~10 containers each) would be thousands.
    assert garbage < 50 * 6
