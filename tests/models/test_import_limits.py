"""A hostile or broken import file stops early with one clear line, in bounded memory, and writes nothing.

The files are built here, small on disk: a CSV cell over the ``csv`` module's field limit (on one line, and
spread over many lines inside quotes), an XLSX whose shared strings unpack to a quarter of a gigabyte from a
few hundred kilobytes, one whose XML expands entities (defusedxml refuses), sheets and files with more rows than
the importer takes. Each comes after good households, so "nothing written" means something.
"""

from __future__ import annotations

import tracemalloc
import zipfile
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

import openpyxl.xml
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from models.db import Database
from models.importing import ImportFileError, ImportResult, import_households, import_users
from models.importing.limits import XLSX_MAX_PART
from models.importing.result import KEEP_ISSUES
from models.importing.table import MAX_ROWS
from models.importing.users import MAX_ROSTER_ROWS
from models.seeding.household_file import HEADER, write_household_file
from models.tables import Household, Member

TODAY = date(2025, 11, 24)
MEMORY_BOUND = 64 << 20  # what the refused import may allocate at its peak (the bomb alone unpacks to 260 MB)


async def _stored(db: Database) -> tuple[int, int]:
    async with db.session() as s:
        households = await s.scalar(select(func.count()).select_from(Household))
        members = await s.scalar(select(func.count()).select_from(Member))
    return int(households or 0), int(members or 0)


async def refused(db: Database, work: Callable[[], Awaitable[ImportResult]]) -> str:
    """Run an import that must be refused: its one-line message, after checking nothing was stored and the
    import's allocations stayed bounded."""
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError) as caught:
            await work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, peak
    assert await _stored(db) == (0, 0)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def good_csv(path: Path, households: int = 30) -> Path:
    write_household_file(path, households)
    return path


async def test_a_csv_cell_over_the_field_limit_on_one_line_is_refused(db: Database, tmp_path: Path) -> None:
    path = good_csv(tmp_path / "kpm.csv")
    lines = path.read_text().count("\n")
    with path.open("a") as handle:
        handle.write("3601011203159999,3601012003809999," + "A" * 200_000 + ",kepala keluarga,L,01-01-1980\n")
    message = await refused(db, lambda: import_households(db, path, today=TODAY))
    assert f"kpm.csv baris {lines + 1}" in message and "terlalu panjang" in message


async def test_a_quoted_csv_cell_over_the_field_limit_across_lines_is_refused(db: Database, tmp_path: Path) -> None:
    path = good_csv(tmp_path / "kpm.csv")
    with path.open("a") as handle:  # every line short; the quote is never closed, so the cell grows and grows
        handle.write('3601011203159999,3601012003809999,"' + ("A" * 99 + "\n") * 3_000)
    message = await refused(db, lambda: import_households(db, path, today=TODAY))
    assert "kpm.csv baris" in message and "131.072 karakter" in message and "tanda kutip" in message


SHARED_STRINGS_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _rewrite(source: Path, target: Path, part: str, write: Callable[[zipfile.ZipFile], None]) -> Path:
    """``source`` (an XLSX openpyxl wrote) with ``part`` replaced by what ``write`` puts in the archive; a shared
    strings part is declared in ``[Content_Types].xml``, where openpyxl looks for it (it writes inline strings)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as new:
        for info in old.infolist():
            if info.filename == part:
                continue
            data = old.read(info.filename)
            if info.filename == "[Content_Types].xml" and part == "xl/sharedStrings.xml":
                override = b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + SHARED_STRINGS_TYPE + b'" />'
                data = data.replace(b"</Types>", override + b"</Types>")
            new.writestr(info, data)
        write(new)
    return target


def _workbook(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(
        ["3601011203150001", "3601012003800001", "Budi", "kepala keluarga", "L", "20-03-1980", "36.01.01.2001"]
    )
    book.save(path)
    return path


async def test_an_xlsx_zip_bomb_in_the_shared_strings_is_refused_before_it_is_unpacked(
    db: Database, tmp_path: Path
) -> None:
    def bomb(archive: zipfile.ZipFile) -> None:
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            part.write(b"<si><t>")
            block = b"A" * (1 << 20)
            for _ in range(XLSX_MAX_PART // len(block) + 4):
                part.write(block)
            part.write(b"</t></si></sst>")

    path = _rewrite(_workbook(tmp_path / "asli.xlsx"), tmp_path / "kpm.xlsx", "xl/sharedStrings.xml", bomb)
    assert path.stat().st_size < 2 << 20  # a small file on disk
    message = await refused(db, lambda: import_households(db, path, today=TODAY))
    assert "kpm.xlsx: bagian xl/sharedStrings.xml terlalu besar" in message


async def test_xml_entities_are_refused_by_defusedxml(db: Database, tmp_path: Path) -> None:
    assert openpyxl.xml.DEFUSEDXML is True  # openpyxl found defusedxml and parses through it

    def laughs(archive: zipfile.ZipFile) -> None:
        entities = '<!ENTITY a "hahahahahahahahahaha">' + "".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
        )
        archive.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&i;</t></si></sst>',
        )

    path = _rewrite(_workbook(tmp_path / "asli.xlsx"), tmp_path / "kpm.xlsx", "xl/sharedStrings.xml", laughs)
    message = await refused(db, lambda: import_households(db, path, today=TODAY))
    assert "kpm.xlsx tidak bisa dibaca sebagai XLSX" in message and "EntitiesForbidden" in message


async def test_a_sheet_past_excels_last_row_stops_there(db: Database, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(
        ["3601011203150001", "3601012003800001", "Budi", "kepala keluarga", "L", "20-03-1980", "36.01.01.2001"]
    )
    sheet.cell(row=1_048_576, column=1, value="3601011203150002")  # openpyxl writes no further; the XML can
    book.save(tmp_path / "asli.xlsx")
    with zipfile.ZipFile(tmp_path / "asli.xlsx") as original:
        xml = original.read("xl/worksheets/sheet1.xml").replace(b"1048576", b"9000000")
    path = _rewrite(
        tmp_path / "asli.xlsx",
        tmp_path / "kpm.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda archive: archive.writestr("xl/worksheets/sheet1.xml", xml),
    )
    message = await refused(db, lambda: import_households(db, path, today=TODAY))
    assert "kpm.xlsx: lebih dari 1.048.575 baris" in message


async def test_a_csv_with_more_rows_than_the_importer_takes_is_refused_before_reading_them(
    db: Database, tmp_path: Path
) -> None:
    path = good_csv(tmp_path / "kpm.csv")
    with path.open("ab") as handle:
        handle.write(b"3601011203159999,3601012003809999,X,anak,L,01-01-2010\n" * (MAX_ROWS + 1))
    message = await refused(db, lambda: import_households(db, path, today=TODAY))
    assert message.startswith("kpm.csv: lebih dari 5.000.000 baris")


async def test_a_roster_of_more_rows_than_any_province_has_staff_is_refused(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "petugas.csv"
    path.write_text("nama,telepon,peran,wilayah\n" + "Siti,081234567890,pendamping,36.01.01\n" * (MAX_ROSTER_ROWS + 30))
    message = await refused(db, lambda: import_users(db, path))
    assert message.startswith("petugas.csv: lebih dari 100.000 baris")


async def test_only_so_many_row_errors_are_kept_in_memory_and_all_go_to_the_error_file(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "kpm.csv"
    bad = [
        f"36010112031{n:05d},123,Nama {n},kepala keluarga,L,01-01-1980,36.01.01.2001" for n in range(KEEP_ISSUES + 50)
    ]
    path.write_text(",".join(HEADER[:7]) + "\n" + "\n".join(bad) + "\n")
    result = await import_households(db, path, today=TODAY)
    assert result.error_count >= KEEP_ISSUES + 50 and len(result.errors) == KEEP_ISSUES
    assert result.error_file is not None
    assert result.error_file.read_text(encoding="utf-8-sig").count("\n") == KEEP_ISSUES + 50 + 1
