"""Formula injection (issue 17): user text that starts like a formula stays text in every file the importer writes,
the error file round-trips exactly as typed, and the error file (personal data) is readable by its owner only."""

from __future__ import annotations

import csv
import stat
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from models.db import Database
from models.importing import import_households, import_users, write_template
from models.seeding.household_file import HEADER
from models.seeding.identity import make_kk, make_nik
from models.spreadsheet import csv_row, csv_value, is_formula_like, unguard, write_text, xlsx_value
from models.tables import Household, Member, User

TODAY = date(2025, 11, 24)
DESA = "36.01.01.2001"
HYPERLINK = '=HYPERLINK("http://x","y")'
SUM = "=1+1"
DDE = "+cmd|' /C calc'!A0"
AT = "@SUM(1+1)"
HEAD = "-Siti (Ani)"  # a name a spreadsheet would run as a formula, yet a person's name (the import refuses "=1+1")
MEMBER = "-Rudi Hartono"


def _rows() -> list[dict[str, Any]]:
    good_kk, bad_kk = make_kk("360101", date(2015, 3, 12), 41), make_kk("360101", date(2015, 3, 12), 42)
    return [
        {  # a good household whose texts look like formulas: loaded exactly as typed
            "no_kk": good_kk,
            "nik": make_nik("360101", date(1980, 3, 20), "L", 41),
            "nama": HEAD,
            "hubungan": "kepala keluarga",
            "jenis_kelamin": "L",
            "tanggal_lahir": "20-03-1980",
            "kode_desa": DESA,
            "alamat": DDE,
        },
        {  # a bad one (the NIK has 15 digits): goes to the error file with its texts
            "no_kk": bad_kk,
            "nik": "360101200380004",
            "nama": MEMBER,
            "hubungan": "kepala keluarga",
            "jenis_kelamin": "L",
            "tanggal_lahir": "20-03-1980",
            "kode_desa": DESA,
            "alamat": AT,
            "telepon": "+6281234567890",
        },
    ]


def _write(path: Path, rows: list[dict[str, Any]], header: list[str]) -> Path:
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows([row.get(name) or "" for name in header] for row in rows)
        return path
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for number, row in enumerate(rows, start=2):
        for column, name in enumerate(header, start=1):
            cell = sheet.cell(row=number, column=column, value=row.get(name))
            cell.data_type = "s" if isinstance(cell.value, str) else cell.data_type  # typed text, as a clerk types it
    book.save(path)
    return path


def _formula_cells(path: Path) -> list[str]:
    book = load_workbook(path)
    return [
        f"{s.title}!{c.coordinate}" for s in book.worksheets for row in s.iter_rows() for c in row if c.data_type == "f"
    ]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
async def test_texts_like_formulas_stay_text_in_the_error_file_and_round_trip(
    db: Database, tmp_path: Path, suffix: str
) -> None:
    path = _write(tmp_path / f"kpm.{suffix}", _rows(), HEADER)
    result = await import_households(db, path, today=TODAY, actor="tester")
    assert result.error_file is not None and result.rows_failed == 1
    assert stat.S_IMODE(result.error_file.stat().st_mode) == 0o600  # personal data: the owner only

    if suffix == "xlsx":
        assert _formula_cells(result.error_file) == []
        sheet = load_workbook(result.error_file).active
        assert sheet is not None
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        header, row = values[0], values[1]
        assert row[header.index("nama")] == MEMBER and row[header.index("alamat")] == AT
    else:
        with result.error_file.open(newline="", encoding="utf-8-sig") as handle:
            header, row = list(csv.reader(handle))
        assert row[header.index("nama")] == "'" + MEMBER and row[header.index("alamat")] == "'" + AT
        assert row[header.index("telepon")] == "+6281234567890"  # a number keeps its sign

    async with db.session() as s:
        loaded = await s.scalar(select(Household).where(Household.head_name == HEAD))
        assert loaded is not None and loaded.address == DDE

    # the clerk fixes the NIK in the error file and imports it: the texts arrive as first typed
    fixed = dict(_rows()[1], nik=make_nik("360101", date(1980, 3, 20), "L", 42))
    again = await _reimport(db, result.error_file, fixed)
    assert again.error_count == 0, again.errors
    async with db.session() as s:
        member = await s.scalar(select(Member).where(Member.nik == fixed["nik"]))
        assert member is not None and member.name == MEMBER
        household = await s.get(Household, member.household_id)
        assert household is not None and household.address == AT


async def _reimport(db: Database, error_file: Path, fixed: dict[str, Any]) -> Any:
    if error_file.suffix == ".csv":
        with error_file.open(newline="", encoding="utf-8-sig") as handle:
            header, row = list(csv.reader(handle))
        row[header.index("nik")] = fixed["nik"]
        with error_file.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, row])
    else:
        book = load_workbook(error_file)
        sheet = book.active
        assert sheet is not None
        header = [c.value for c in sheet[1]]
        sheet.cell(row=2, column=header.index("nik") + 1, value=fixed["nik"])
        book.save(error_file)
    return await import_households(db, error_file, today=TODAY, actor="tester")


async def test_a_roster_name_like_a_formula_round_trips_through_the_error_file(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "petugas.csv"
    path.write_text(f'nama,telepon,peran,wilayah\n"{SUM}",0813 1111 2222,pendamping,36.99\n', encoding="utf-8")
    result = await import_users(db, path)
    assert result.error_file is not None
    assert stat.S_IMODE(result.error_file.stat().st_mode) == 0o600
    text = result.error_file.read_text(encoding="utf-8-sig")
    assert "'" + SUM in text
    result.error_file.write_text(text.replace("36.99", "36.01.01"), encoding="utf-8")
    again = await import_users(db, result.error_file)
    assert again.error_count == 0, again.errors
    async with db.session() as s:
        assert await s.scalar(select(User.name)) == SUM


def test_the_template_has_no_formula_cells(tmp_path: Path) -> None:
    assert _formula_cells(write_template(tmp_path / "templat.xlsx")) == []


def test_the_csv_rule() -> None:
    for text in (SUM, HYPERLINK, DDE, AT, "-2+3", "\t=1", "\r=1", "-", "+62 812-3456"):
        assert is_formula_like(text) and csv_value(text) == "'" + text and unguard(csv_value(text)) == text
    for text in ("Budi", "-6.2", "+6281234567890", "1e5", "", "O'Brien", "'quoted"):
        assert csv_value(text) == text and unguard(text) == text
    assert csv_row([None, 3, date(2026, 1, 2), SUM]) == ["", 3, date(2026, 1, 2), "'" + SUM]


def test_characters_xlsx_cannot_hold_are_dropped_and_the_workbook_saves(tmp_path: Path) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("x")
    typed = ["Siti\x07 Aminah", "=1+1\x00", "baris\x1b satu\tdua\nTiga", 7]
    sheet.append([xlsx_value(sheet, value) for value in typed])
    book.save(tmp_path / "x.xlsx")
    row = next(load_workbook(tmp_path / "x.xlsx")["x"].iter_rows(values_only=True))
    assert list(row) == ["Siti Aminah", "=1+1", "baris satu\tdua\nTiga", 7]  # tab and line feed are allowed


RICH_MARKUP = (
    '<r></t></is></c><c r="B1" t="str"><f>HYPERLINK("http://x","y")</f></c><c r="C1" t="inlineStr"><is><t></r>'
)


def test_the_export_writer_keeps_markup_like_text_as_text_and_drops_what_xlsx_cannot_hold(tmp_path: Path) -> None:
    """XlsxWriter's constant-memory mode writes a text between ``<r>`` and ``</r>`` into the sheet unescaped (as
    rich-text runs): typed by a pendamping, it would add a formula cell, or break the whole file. ``write_text``
    keeps it one text cell, exactly as typed; control characters are dropped as in every other writer."""
    path = tmp_path / "ekspor.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("x")
    typed = [RICH_MARKUP, "<r>tebal</r>", SUM, "Siti\x07 Aminah", "baris\x1b satu\tdua\nTiga"]
    for row, text in enumerate(typed):
        write_text(sheet, row, 0, text)
    book.close()
    assert _formula_cells(path) == []
    cells = [[(c.coordinate, c.data_type, c.value) for c in row] for row in load_workbook(path)["x"].iter_rows()]
    assert cells == [
        [("A1", "s", RICH_MARKUP)],
        [("A2", "s", "<r>tebal</r>")],
        [("A3", "s", SUM)],
        [("A4", "s", "Siti Aminah")],
        [("A5", "s", "baris satu\tdua\nTiga")],
    ]
