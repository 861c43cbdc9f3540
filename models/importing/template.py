"""``jsika import --template``: an empty XLSX a clerk can fill in, with one example row per sheet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from models.importing.layout import HOUSEHOLD_COLUMNS
from models.importing.table import Column
from models.importing.users import USER_COLUMNS
from models.spreadsheet import force_text
from models.tables import Relation

TEMPLATE_ROWS = 5_000  # rows prepared with text format and drop-down lists
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")

# A made-up but consistent household in Desa Sumberjaya (36.01.01.2001, Kec. Sumur, Kab. Pandeglang): the NIK
# carries the head's birth date (15-08-1985, male) and the KK an issue date (12-03-2015).
HOUSEHOLD_EXAMPLE: dict[str, object] = {
    "no_kk": "3601011203150003",
    "nik": "3601011508850001",
    "nama": "Ahmad Hidayat",
    "hubungan": Relation.KEPALA.value,
    "jenis_kelamin": "L",
    "tanggal_lahir": date(1985, 8, 15),
    "kode_desa": "36.01.01.2001",
    "alamat": "Kp. Sumberjaya RT 001/002",
    "telepon": "0812-3456-7890",
    "program": "JAMSOSRATU",
    "hamil_hpl": None,
    "jenjang_sekolah": None,
    "nama_sekolah": None,
    "disabilitas_berat": "T",
    "pendamping_telepon": "0813-1111-2222",
}
USER_EXAMPLE: dict[str, object] = {
    "nama": "Siti Aminah",
    "telepon": "0813-1111-2222",
    "peran": "pendamping",
    "wilayah": "36.01.01",
}
CHOICES = {
    "hubungan": [r.value for r in Relation],
    "jenis_kelamin": ["L", "P"],
    "program": ["JAMSOSRATU", "JSCM"],
    "jenjang_sekolah": ["SD", "SMP", "SMA"],
    "disabilitas_berat": ["Y", "T"],
    "peran": ["pendamping", "koordinator", "admin"],
}
DATE_COLUMNS = {"tanggal_lahir", "hamil_hpl"}


def _sheet(sheet: Worksheet, columns: Sequence[Column], example: dict[str, object]) -> None:
    bold = Font(bold=True)
    for position, column in enumerate(columns, start=1):
        letter = get_column_letter(position)
        header = sheet.cell(row=1, column=position, value=column.name)
        header.font = bold
        header.fill = HEADER_FILL
        sheet.column_dimensions[letter].width = max(column.width, len(column.name) + 2)
        value = example.get(column.name)
        cell = force_text(sheet.cell(row=2, column=position, value=value))
        if column.text:
            sheet.column_dimensions[letter].number_format = "@"
            for row in range(2, TEMPLATE_ROWS + 2):
                sheet.cell(row=row, column=position).number_format = "@"
        if column.name in DATE_COLUMNS:
            cell.number_format = "DD-MM-YYYY"
        if column.name in CHOICES:
            choice = DataValidation(type="list", formula1='"' + ",".join(CHOICES[column.name]) + '"', allow_blank=True)
            choice.error = f"Pilih salah satu: {', '.join(CHOICES[column.name])}"
            choice.errorTitle = column.name
            sheet.add_data_validation(choice)
            choice.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    sheet.freeze_panes = "A2"


def _guide(sheet: Worksheet) -> None:
    sheet.append(["lembar", "kolom", "wajib", "keterangan"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for title, columns in (("Rumah Tangga", HOUSEHOLD_COLUMNS), ("Petugas", USER_COLUMNS)):
        for column in columns:
            sheet.append([title, column.name, "ya" if column.required else "", column.note])
    sheet.append([])
    sheet.append(["", "", "", "Satu baris per anggota keluarga; baris dengan no_kk sama adalah satu keluarga."])
    sheet.append(
        [
            "",
            "",
            "",
            "Hapus baris contoh sebelum mengimpor. Baris yang salah ditulis ke berkas <nama>.errors.xlsx "
            "beserta alasannya: perbaiki berkas itu lalu impor lagi.",
        ]
    )
    for letter, width in zip("ABCD", (14, 20, 7, 100), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2, min_col=4, max_col=4):
        for cell in row:
            force_text(cell).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def write_template(path: Path | str) -> Path:
    """Write the template (households, roster, and a guide sheet) and return its path."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(".xlsx")
    book = Workbook()
    households = book.active
    assert households is not None
    households.title = "Rumah Tangga"
    _sheet(households, HOUSEHOLD_COLUMNS, HOUSEHOLD_EXAMPLE)
    _sheet(book.create_sheet("Petugas"), USER_COLUMNS, USER_EXAMPLE)
    _guide(book.create_sheet("Petunjuk"))
    book.save(path)
    return path
