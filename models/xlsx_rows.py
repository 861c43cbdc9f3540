"""A faster row writer for XlsxWriter's constant-memory mode, byte for byte the XML XlsxWriter writes itself.

Issue 22: writing a kabupaten's month (≈ 100k rows × 19 cells) spent most of its time in XlsxWriter turning each
finished row into XML, cell by cell, through half a dozen generic calls (attribute lists, two regex substitutions
per text, one file write per cell). ``RowWorksheet`` writes the same XML for the two kinds of cells an export
holds — texts (inline strings) and numbers (dates and times are numbers with a format) — in one pass and one file
write per row; a row with anything else (rich text, formulas, row formats, comments) is left to XlsxWriter's own
code. It uses XlsxWriter's documented way to extend a sheet (``add_worksheet(worksheet_class=…)``) and the same
escaping rules as XlsxWriter's, applied only when a text needs them; ``tests/models/test_xlsx_rows.py`` writes
random rows both ways and requires identical sheet XML, so a new XlsxWriter version that changes its output fails
there first. Formula safety is unchanged: a text cell is always an inline string, whatever it starts with.
"""

from __future__ import annotations

import re
from typing import Any

from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name
from xlsxwriter.worksheet import CellDatetimeTuple, CellNumberTuple, CellStringTuple, Worksheet

# what XlsxWriter's _escape_control_characters changes: _xHHHH_ literals, control characters, U+FFFE/U+FFFF
_NEEDS_CONTROL_ESCAPE = re.compile(r"_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_XML_ESCAPES = re.compile('["&<>\n]')  # XlsxWriter's test before escaping a text (it then escapes & < >)
_COLUMNS = [xl_col_to_name(col) for col in range(256)]


class RowWorksheet(Worksheet):
    """A worksheet whose finished rows are written as XlsxWriter would, faster (see the module docstring)."""

    def _write_single_row(self, current_row_num: int = 0) -> None:
        row_num: int = self.previous_row  # type: ignore[has-type]
        cells: dict[int, Any] | None = self.table.get(row_num)
        if not cells or row_num in self.row_info or row_num in self.comments or not self._plain_rows():
            super()._write_single_row(current_row_num)
            return
        number = str(row_num + 1)
        parts = [f'<row r="{number}">']
        col_info = self.col_info
        for col in sorted(cells):
            cell = cells[col]
            cell_format = cell.format
            if not cell_format and col in col_info:
                cell_format = col_info[col].column_format
            style = f' s="{cell_format._get_xf_index()}"' if cell_format else ""
            ref = (_COLUMNS[col] if col < 256 else xl_col_to_name(col)) + number
            kind = cell.__class__
            if kind is CellStringTuple:
                text = cell.string
                if _NEEDS_CONTROL_ESCAPE.search(text) is not None:
                    text = self._escape_control_characters(text)
                if text.startswith("<r>") and text.endswith("</r>"):
                    super()._write_single_row(current_row_num)  # XlsxWriter's own handling, as it is
                    return
                preserve = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
                if _XML_ESCAPES.search(text) is not None:
                    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                parts.append(f'<c r="{ref}"{style} t="inlineStr"><is><t{preserve}>{text}</t></is></c>')
            elif kind is CellNumberTuple or kind is CellDatetimeTuple:
                parts.append(f'<c r="{ref}"{style}><v>{cell.number:.16G}</v></c>')
            else:
                super()._write_single_row(current_row_num)
                return
        parts.append("</row>")
        self.previous_row = current_row_num
        self.fh.write("".join(parts))
        self.table.clear()

    def _plain_rows(self) -> bool:
        """Rows XlsxWriter writes as a bare ``<row r="N">``: default height, no Excel 2010 extensions."""
        return self.excel_version == 2007 and self.default_row_height == self.original_row_height
