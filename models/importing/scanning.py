"""The household file, read twice: a quick scan first, then the rows checked and grouped into batches.

The scan counts rows and finds households whose rows are scattered and NIKs that may repeat, in fixed-size
bitmaps, so memory does not grow with the file; the second pass checks every row (``RowChecker``) and hands
out complete households, a batch at a time, in file order.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from models.importing.result import Issue, Progress
from models.importing.rows import HouseholdRows, MemberRow, RowChecker, group_key
from models.importing.table import Table
from models.validate import number_text

PROGRESS_EVERY = 50_000

# -- pass 1: scan ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Scan:
    rows: int
    scattered: dict[str, int]  # KK key → its last row, for households whose rows are not together
    repeated_niks: set[str]  # every NIK that occurs twice or more, plus a few false alarms (harmless)


def _sketch_bits(path: Path) -> int:
    """Bitmap size for the scan: ≈ 8 bits per byte of file, between 2^16 and 2^28 bits (32 MB)."""
    bits = 1 << 16
    size = path.stat().st_size * 8
    while bits < size and bits < (1 << 28):
        bits <<= 1
    return bits


def scan(table: Table, progress: Progress | None = None) -> Scan:
    """Count rows and find scattered households and repeated NIKs without holding the file in memory.

    A one-hash Bloom filter answers "maybe seen before"; only those keys are then tracked exactly, so the
    memory is a fixed bitmap plus the (few) suspects.
    """
    bits = _sketch_bits(table.path)
    mask = bits - 1
    closed_keys = bytearray(bits >> 3)
    seen_niks = bytearray(bits >> 3)
    kk_at = table.layout.index["no_kk"]
    nik_at = table.layout.index["nik"]
    current: str | None = None
    suspects: set[str] = set()
    last_row: dict[str, int] = {}
    repeated: set[str] = set()
    rows = 0
    for number, raw, raw_nik in table.two_cells(kk_at, nik_at):
        rows += 1
        key = raw if type(raw) is str and raw.isdigit() else group_key(raw, number)  # the usual cell: as is
        if key != current:
            if current is not None:
                h = hash(current) & mask
                closed_keys[h >> 3] |= 1 << (h & 7)
            h = hash(key) & mask
            if closed_keys[h >> 3] & (1 << (h & 7)):
                suspects.add(key)
            current = key
        if key in suspects:
            last_row[key] = number
        nik = raw_nik if type(raw_nik) is str and raw_nik.isdigit() else number_text(raw_nik)
        if nik:
            h = hash(nik) & mask
            if seen_niks[h >> 3] & (1 << (h & 7)):
                repeated.add(nik)
            else:
                seen_niks[h >> 3] |= 1 << (h & 7)
        if progress is not None and rows % PROGRESS_EVERY == 0:
            progress("baca", rows, None)
    if progress is not None:
        progress("baca", rows, rows)
    return Scan(rows, last_row, repeated)


# -- pass 2: rows → checked households, in batches ---------------------------------------------------------


@dataclass(slots=True)
class Batch:
    households: list[HouseholdRows]
    rows_done: int


def batches(table: Table, checker: RowChecker, found: Scan, size: int) -> Generator[Batch]:
    """Complete households, ``size`` at a time, each checked as a whole."""
    kk_at = table.layout.index["no_kk"]
    first_seen: dict[str, int] = {}
    waiting: dict[str, list[MemberRow]] = {}  # scattered households not yet complete
    current_key: str | None = None
    current: list[MemberRow] = []
    ready: list[HouseholdRows] = []
    done = 0
    for number, cells in table.rows():
        done += 1
        raw = cells[kk_at] if kk_at < len(cells) else None
        key = raw if type(raw) is str and raw.isdigit() else group_key(raw, number)  # the usual cell: as is
        row = checker.check(number, cells, key)
        if row.nik is not None and row.nik in found.repeated_niks:
            first = first_seen.setdefault(row.nik, number)
            if first != number:
                row.errors.append(
                    Issue(
                        number,
                        "nik",
                        row.nik,
                        f"NIK {row.nik} sudah dipakai di baris {first}; satu orang hanya boleh ada di satu baris.",
                    )
                )
        if key != current_key:
            if current:
                ready.append(checker.household(current_key or "", current))
            current_key, current = key, []
        last = found.scattered.get(key)
        if last is None:
            current.append(row)
        else:
            waiting.setdefault(key, []).append(row)
            if number == last:
                ready.append(checker.household(key, waiting.pop(key)))
        if len(ready) >= size:
            yield Batch(ready, done)
            ready = []
    if current:
        ready.append(checker.household(current_key or "", current))
    for key, rows in waiting.items():  # only if the file changed between the two passes
        ready.append(checker.household(key, rows))
    if ready:
        yield Batch(ready, done)
