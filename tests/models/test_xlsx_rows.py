"""``models.xlsx_rows.RowWorksheet`` writes exactly the sheet XML XlsxWriter writes itself, for any texts and
numbers an export holds: random rows are written both ways and the files' sheet XML compared byte for byte."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from models.spreadsheet import write_text
from models.xlsx_rows import RowWorksheet

TEXTS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["=1+1", " lead", "trail ", "_x0041_", "a&b<c>\"d'", "<r>x</r>", "baris\nbaru", "\x07", "\ufffe"]),
)
NUMBERS = st.one_of(st.integers(-(10**15), 10**15), st.floats(allow_nan=False, allow_infinity=False))
CELLS = st.one_of(st.none(), TEXTS, NUMBERS)
ROWS = st.lists(st.lists(CELLS, min_size=1, max_size=8), min_size=1, max_size=12)


def _write(path: Path, rows: list[list[Any]], worksheet_class: Any) -> bytes:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    bold, date = book.add_format({"bold": True}), book.add_format({"num_format": "d mmm yyyy"})
    sheet = book.add_worksheet("Data", worksheet_class=worksheet_class)
    sheet.set_column(2, 2, 12, bold)  # a column format applies to its cells that have none of their own
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(r, c, value, bold if c == 1 else None)
            elif value is not None:
                sheet.write_number(r, c, value, date if c == 0 else None)
    book.close()
    return zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS)
def test_the_fast_row_writer_writes_xlsxwriters_own_xml(tmp_path: Path, rows: list[list[Any]]) -> None:
    stock = _write(tmp_path / "stock.xlsx", rows, None)
    fast = _write(tmp_path / "fast.xlsx", rows, RowWorksheet)
    assert fast == stock


def test_a_fast_sheet_opens_with_its_texts_and_numbers(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Data", worksheet_class=RowWorksheet)
    typed = ['=HYPERLINK("http://x","y")', '<r></t></is></c><c t="str"><f>1+1</f></c><is><t></r>', " a&b "]
    for col, text in enumerate(typed):
        write_text(sheet, 0, col, text)
    sheet.write_number(0, 3, 6.5)
    book.close()
    cells = [(c.data_type, c.value) for c in next(load_workbook(path)["Data"].iter_rows())]
    assert cells == [("s", typed[0]), ("s", typed[1]), ("s", typed[2]), ("n", 6.5)]
