"""The registry import, as DESIGN.md names it; the code lives in the ``models.importing`` package."""

from models.importing import (
    DEFAULT_PROGRAMME,
    ERROR_COLUMN,
    HOUSEHOLD_COLUMNS,
    USER_COLUMNS,
    Counts,
    ImportFileError,
    ImportResult,
    Issue,
    Progress,
    error_path,
    import_households,
    import_users,
    write_template,
)

__all__ = [
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
    "write_template",
]
