"""The scan's CSV fast path (``Table.two_cells``): whatever the file, the same rows and cells as ``rows()``."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.importing import table as table_module
from models.importing.layout import HOUSEHOLD_COLUMNS
from models.importing.table import Table

HEADER = "no_kk,nik,nama,hubungan,jenis_kelamin,tanggal_lahir,kode_desa"
# Cells drawn from what makes CSV hard: delimiters, quotes, line breaks of each kind, spaces, non-ASCII.
CELLS = st.text(alphabet=st.sampled_from(list('ab1 ,;"\r\n\té')), max_size=5)


def _from_rows(table: Table, first: int, second: int) -> list[tuple[int, object, object]]:
    return [
        (number, cells[first] if first < len(cells) else None, cells[second] if second < len(cells) else None)
        for number, cells in table.rows()
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    above=st.sampled_from(["", "Daftar KPM\n", "\n \n"]),
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=4), max_size=10),
    line_break=st.sampled_from(["\n", "\r\n"]),
    tail=st.sampled_from(["", "\n", "a,b", " ,1", "a\rb", "a\r\nb", '"a\nb",c', "\r", ",,,\n\n", " , \n"]),
    chunk=st.sampled_from([1, 5, 64, 1 << 20]),
    cells=st.sampled_from([(0, 1), (1, 0), (2, 5)]),
)
def test_two_cells_are_those_of_rows(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    above: str,
    rows: list[list[str]],
    line_break: str,
    tail: str,
    chunk: int,
    cells: tuple[int, int],
) -> None:
    monkeypatch.setattr(table_module, "CSV_CHUNK", chunk)
    path = tmp_path / "kpm.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(above + HEADER + line_break)
        csv.writer(handle, lineterminator=line_break).writerows(rows)
        handle.write(tail)
    table = Table(path, HOUSEHOLD_COLUMNS)
    assert list(table.two_cells(*cells)) == _from_rows(table, *cells)


def test_semicolons_blank_rows_and_a_late_quote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table_module, "CSV_CHUNK", 16)
    path = tmp_path / "kpm.csv"
    lines = [HEADER.replace(",", ";"), "1;2;a", "", ";;", " ; ;", "3;4;b", *(f"{n};{n}" for n in range(5, 40))]
    path.write_text("\r\n".join([*lines, '"5;5";6;"c\r\nd"', "7;8"]), encoding="utf-8")
    table = Table(path, HOUSEHOLD_COLUMNS)
    found = list(table.two_cells(0, 1))
    assert found == _from_rows(table, 0, 1)
    assert found[:2] == [(2, "1", "2"), (6, "3", "4")] and found[-2:] == [(42, "5;5", "6"), (43, "7", "8")]
