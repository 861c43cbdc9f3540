"""Importing the spreadsheets Dinas Sosial already keeps: the household registry and the staff roster.

``import_households`` and ``import_users`` return an ``ImportResult`` (counts, row-level errors and warnings, the
error file); ``write_template`` writes an XLSX to fill in. The CLI (``bot/cli/importing.py``) only parses
arguments, shows progress and prints the result.
"""

from models.importing.households import DEFAULT_BATCH, DEFAULT_PROGRAMME, import_households
from models.importing.layout import HOUSEHOLD_COLUMNS
from models.importing.result import Counts, ImportResult, Issue, Progress
from models.importing.scanning import scan
from models.importing.table import ERROR_COLUMN, ImportFileError, error_path
from models.importing.template import write_template
from models.importing.users import USER_COLUMNS, import_users

__all__ = [
    "DEFAULT_BATCH",
    "DEFAULT_PROGRAMME",
    "ERROR_COLUMN",
    "HOUSEHOLD_COLUMNS",
    "USER_COLUMNS",
    "Counts",
    "ImportFileError",
    "ImportResult",
    "Issue",
    "Progress",
    "error_path",
    "import_households",
    "import_users",
    "scan",
    "write_template",
]
