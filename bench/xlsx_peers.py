"""The peers of the export benchmark: the same rows written by each candidate XLSX writer alone (issue 22).

The rows are the export's own, read once from the database and turned into the plain values any writer takes
(texts, numbers, dates, times; a yes/no as its word), so a peer does no database work and no formatting: only its
writing. Each writer is used the way its documentation gives for speed — openpyxl write-only ``append``,
XlsxWriter in constant-memory mode with ``write_row``, PyExcelerate's ``new_sheet(data=…)`` — into a temporary
file that is removed afterwards.
"""

from __future__ import annotations

import enum
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

Rows = list[list[Any]]


def plain_rows(batches: Sequence[Sequence[Sequence[Any]]], tz: ZoneInfo) -> Rows:
    """The export's rows as values every writer accepts: enums as their values, bools as words, local times."""

    def plain(value: Any) -> Any:
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, bool):
            return "Ya" if value else "Tidak"
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(tz).replace(tzinfo=None)
        return value

    return [[plain(v) for v in row] for batch in batches for row in batch]


def _openpyxl(rows: Rows, path: str) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Kunjungan")
    for row in rows:
        sheet.append(row)
    book.save(path)


def _xlsxwriter(rows: Rows, path: str) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(path, {"constant_memory": True, "default_date_format": "d mmm yyyy"})
    sheet = book.add_worksheet("Kunjungan")
    for index, row in enumerate(rows):
        sheet.write_row(index, 0, row)
    book.close()


def _pyexcelerate(rows: Rows, path: str) -> None:
    from pyexcelerate import Workbook

    book = Workbook()
    book.new_sheet("Kunjungan", data=rows)
    book.save(path)


WRITERS: dict[str, Callable[[Rows, str], None]] = {
    "openpyxl (write-only)": _openpyxl,
    "xlsxwriter (constant memory)": _xlsxwriter,
    "pyexcelerate": _pyexcelerate,
}


def time_writer(write: Callable[[Rows, str], None], rows: Rows, runs: int) -> float:
    """Median seconds of ``runs`` writes of ``rows``."""
    samples = []
    for _ in range(runs):
        handle, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(handle)
        started = time.perf_counter()
        write(rows, path)
        samples.append(time.perf_counter() - started)
        os.remove(path)
    return statistics.median(samples)
