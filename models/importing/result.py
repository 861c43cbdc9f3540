"""What an import reports back: counts, row-level errors and warnings, and where the error file went."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

KEEP_ISSUES = 5_000
"""Issues kept in memory for the screen; every bad row is in the error file whatever the count."""

Progress = Callable[[str, int, int | None], None]
"""``progress(phase, done, total)``; phase ``"baca"`` (scanning the file) or ``"muat"`` (validating and loading)."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with one row: the spreadsheet row number, the column, the value as written, the reason."""

    row: int
    column: str
    value: str
    message: str


@dataclass(slots=True)
class Counts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.new + self.changed + self.unchanged

    def describe(self) -> str:
        return f"{self.new} baru, {self.changed} diubah, {self.unchanged} tidak berubah"


@dataclass(slots=True)
class ImportResult:
    path: Path
    dry_run: bool = False
    rows: int = 0  # data rows read (empty rows are skipped)
    rows_failed: int = 0  # rows not loaded: bad themselves, or in a household with a bad row
    households: Counts = field(default_factory=Counts)
    members: Counts = field(default_factory=Counts)
    users: Counts = field(default_factory=Counts)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    error_file: Path | None = None
    seconds: float = 0.0

    @property
    def rows_loaded(self) -> int:
        return self.rows - self.rows_failed

    @property
    def changed_anything(self) -> bool:
        return any(c.new or c.changed for c in (self.households, self.members, self.users))

    def add_error(self, issue: Issue) -> None:
        self.error_count += 1
        if len(self.errors) < KEEP_ISSUES:
            self.errors.append(issue)

    def add_warning(self, issue: Issue) -> None:
        self.warning_count += 1
        if len(self.warnings) < KEEP_ISSUES:
            self.warnings.append(issue)
