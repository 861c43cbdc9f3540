"""Text stays text in every spreadsheet the project writes: the one rule against formula injection.

Names, addresses, referral needs and notes come from clerks' files, pendamping's chats and OPD keys; any of them
may start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return. A spreadsheet program that reads such a
cell as a formula runs it when a Dinas Sosial clerk opens the export (``=HYPERLINK(...)`` sends data away, DDE
payloads start programs). Every writer — the /ekspor workbooks, the import error file, the template — passes its
values through this module, so one rule decides and a faster writer (issue 22) only has to call it too.

* XLSX keeps the value exactly as typed but forces the cell type to string (openpyxl would otherwise store a
  string starting with ``=`` as a formula and ``#N/A`` as an error value). Numbers, dates and booleans are left
  alone, so they stay numbers and dates. The large /ekspor workbooks are written with XlsxWriter
  (``models.workbook``), whose ``write_string`` never makes a formula; its constant-memory mode writes a text
  that starts with ``<r>`` and ends with ``</r>`` into the sheet's XML *unescaped* (taken for rich-text runs),
  so ``write_text`` sends such a text as rich-text fragments, which XlsxWriter escapes: shown exactly as typed,
  never markup that could add a formula cell.
* XLSX cannot hold most control characters at all (XML 1.0 forbids U+0000–U+001F but tab, line feed and
  carriage return): openpyxl refuses the whole workbook over one ``\x07`` pasted into a chat. They are dropped
  from every string (they print as nothing anyway), so one stray byte cannot make an export or error file fail.
* CSV has no cell types, so a text that a spreadsheet program would evaluate gets the usual leading apostrophe
  (OWASP's "CSV injection" advice). A plain number (``-6.2``, ``+6281234567890``) is not a formula and keeps its
  sign. The importer removes that apostrophe again (``unguard``), so a fixed error file imports as typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
_ERROR_CODES = frozenset(ERROR_CODES)


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet program would evaluate ``text`` typed into a cell (a plain number is not)."""
    return text.startswith(FORMULA_STARTS) and _PLAIN_NUMBER.fullmatch(text) is None


def _needs_string_type(value: Any) -> bool:
    """What openpyxl would not store as a string by itself: ``=…`` (a formula) and ``#N/A`` etc. (errors)."""
    return type(value) is str and (value.startswith("=") or value in _ERROR_CODES)


def xlsx_text(value: Any) -> Any:
    """A string without the characters an XLSX file cannot hold; anything else unchanged."""
    if type(value) is str and ILLEGAL_CHARACTERS_RE.search(value) is not None:
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def write_text(sheet: Worksheet, row: int, col: int, text: str, cell_format: Format | None = None) -> None:
    """Write ``text`` to an XlsxWriter sheet as a string cell, shown exactly as typed (less the characters XLSX
    cannot hold). The hot path of every export: one regex search, then XlsxWriter's undecorated string writer
    (the public ``write_string`` only adds an A1-notation check, a tenth of the time per cell)."""
    if ILLEGAL_CHARACTERS_RE.search(text) is not None:
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text.startswith("<r>") and text.endswith("</r>"):  # see the module docstring: never raw XML
        fragments: list[Any] = [text[0], text[1], text[2:]]
        if cell_format is not None:
            fragments.append(cell_format)
        sheet.write_rich_string(row, col, *fragments)
        return
    sheet._write_string(row, col, text, cell_format)


def xlsx_value(sheet: Any, value: Any) -> Any:
    """``value`` ready for a write-only sheet's ``append``: unchanged, or a cell forced to the string type;
    characters XLSX cannot hold are dropped (``xlsx_text``)."""
    value = xlsx_text(value)
    if not _needs_string_type(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def force_text(cell: Cell | WriteOnlyCell) -> Cell | WriteOnlyCell:
    """Make a cell that already holds user text keep it as a string (for cells made outside ``xlsx_value``).
    Its value must already be clean of characters XLSX cannot hold (``xlsx_text``): openpyxl checks on assignment."""
    if _needs_string_type(cell.value):
        cell.data_type = "s"
    return cell


def csv_value(value: Any) -> Any:
    """``value`` ready for ``csv.writer``: text a spreadsheet would evaluate gets a leading apostrophe."""
    if type(value) is str and value and is_formula_like(value):
        return GUARD + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A row for ``csv.writer``, ``None`` written as an empty cell."""
    return ["" if v is None else csv_value(v) for v in values]


def unguard(text: str) -> str:
    """Undo ``csv_value``: ``'=1+1`` read back from an error file is the ``=1+1`` the clerk typed."""
    if text.startswith(GUARD) and is_formula_like(text[1:]):
        return text[1:]
    return text
