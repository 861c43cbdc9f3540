"""``jsika import households``: the registry spreadsheet (one row per member) into households and members.

The parts: ``scanning`` reads the file (the scan, then the checked batches), ``writing`` writes a batch
(``copying`` on PostgreSQL, ``inserting`` on SQLite); this module runs them.

How it stays fast and safe on a province (650k households, 2.6M members):
- the file is streamed twice: a quick scan (row count, households whose rows are scattered, NIKs that may be
  repeated — in fixed-size bitmaps, so memory does not grow with the file), then the real pass;
- rows are checked in Python in a worker thread while the previous batches are being written (on PostgreSQL
  three side by side, ``writers_for``);
- each batch of complete households (``batch_size``, 5,000 by default) is one transaction: one SELECT for the
  batch's KKs, one for its NIKs, then the new rows (on PostgreSQL by COPY straight into the tables, on SQLite
  by executemany INSERTs), UPDATEs of only what changed, and one audit row per household created or changed
  (COPYed too). A crash leaves whole batches; running the import again resumes, because
  households are upserted by (programme, KK) and members by NIK.

Good rows load: a household whose head row is good loads without its wrong member rows and is flagged "data perlu
diperbaiki" (``household.data_issues``); the wrong rows (and the head's, so the file imports on its own) go to the
error file. A household-level error or a wrong head row keeps the whole KK out, every row in the error file (with
the reason, or "another row of this KK is wrong"), so the clerk can fix that file and import it again.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import Enum
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.db import Database
from models.importing.layout import HOUSEHOLD_COLUMNS
from models.importing.result import ImportResult, Progress
from models.importing.rows import HouseholdRows, Reference, RowChecker
from models.importing.scanning import Batch, Scan, batches, scan
from models.importing.table import ErrorFile, ImportFileError, Table
from models.importing.writing import BatchWriter
from models.tables import Programme, Region, Role, User

__all__ = ["DEFAULT_BATCH", "DEFAULT_PROGRAMME", "Scan", "import_households", "load_reference", "scan", "writers_for"]

DEFAULT_PROGRAMME = "JAMSOSRATU"
DEFAULT_BATCH = 5_000  # households per transaction: fewer, larger batches cost both sides less CPU per row
PG_WRITERS = 3  # batches written side by side on PostgreSQL (``writers_for``)
# The GIL hand-over interval during an import (Python's default: 5 ms). The rows are checked in a worker thread
# while the event loop feeds the COPYs; each time the server answers or its socket drains, the loop waits for
# the worker to hand over the GIL, and with 5 ms the server would often sit idle meanwhile (docs/tuning.md).
SWITCH_INTERVAL = 0.001


@contextmanager
def bulk_load() -> Iterator[None]:
    """The interpreter set for a bulk load: no cyclic garbage collector, a short GIL switch interval.

    An import keeps up to four batches of rows alive (one being checked, three being written): some 400,000
    container objects. Every pass of the cyclic collector walks the young ones, and each full pass all of them;
    that is a large share of the importer's CPU even with a raised threshold (docs/tuning.md). An import makes next to no reference cycles (``test_an_import_leaves_next_to_no_
    cyclic_garbage``), so the collector has nothing to find; reference counting frees the rows as ever. Both
    settings are process-wide and restored afterwards; the CLI runs an import in a process of its own.
    """
    collecting = gc.isenabled()
    switch_interval = sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(min(switch_interval, SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(switch_interval)
        if collecting:
            gc.enable()


async def load_reference(session: AsyncSession) -> Reference:
    regions = {
        code: (name, level)
        for code, name, level in await session.execute(select(Region.code, Region.name, Region.level))
    }
    programmes = {code: area for code, area in await session.execute(select(Programme.code, Programme.area_code))}
    pendamping: dict[str, int] = {}
    users_by_phone: dict[str, str] = {}
    for user_id, phone, role, active in await session.execute(
        select(User.id, User.phone, User.role, User.active).where(User.phone.is_not(None))
    ):
        if phone is None:
            continue
        users_by_phone[phone] = str(role.value if isinstance(role, Enum) else role)
        if role == Role.PENDAMPING and active:
            pendamping[phone] = user_id
    return Reference(regions, programmes, pendamping, users_by_phone)


def writers_for(db: Database, *, dry_run: bool) -> int:
    """How many batches are written at once.

    PostgreSQL: three. Batches are independent — a household lies wholly in one batch, and a NIK repeated in
    the file is an error found by the scan — so the server can store batches while this process looks up and
    encodes the next, and the importer's Python and the server's work overlap instead of taking turns. A third
    writer keeps a backend busy while another waits for the WAL or for the client; more bring nothing on a small
    server (docs/tuning.md). Each batch is still one
    transaction: a crash leaves whole batches, perhaps not the first ones, and the rerun loads whatever is
    missing. The unique constraints on (programme, KK) and NIK remain the last word if two imports race. SQLite
    has one writer at a time, so one.
    """
    if dry_run or db.is_sqlite:
        return 1
    return PG_WRITERS


async def _finish(
    item: tuple[Batch, asyncio.Task[list[HouseholdRows]]],
    writer: BatchWriter,
    rows: int,
    progress: Progress | None,
) -> None:
    """Wait for the oldest batch in flight, then report it: the error file stays in file order."""
    batch, task = item
    writer.report(batch.households, await task)
    if progress is not None:
        progress("muat", batch.rows_done, rows)


async def import_households(
    db: Database,
    path: Path | str,
    *,
    today: date,
    dry_run: bool = False,
    default_programme: str = DEFAULT_PROGRAMME,
    actor: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> ImportResult:
    """Load a household file; see the module docstring. ``today`` (the local date) bounds birth dates.

    Raises ``ImportFileError`` when the file as a whole cannot be read; row problems are in the result.
    ``progress`` may be called from a worker thread.
    """
    started = time.perf_counter()
    path = Path(path)
    table = Table(path, HOUSEHOLD_COLUMNS)
    async with db.session() as session:
        reference = await load_reference(session)
    programme = default_programme.strip().upper()
    if programme not in reference.programmes:
        raise ImportFileError(
            f"Program {default_programme} tidak dikenal; pilih salah satu: {', '.join(sorted(reference.programmes))}."
        )
    checker = RowChecker(table, reference, today=today, default_programme=programme)
    found = await asyncio.to_thread(table.read_all, lambda: scan(table, progress))
    result = ImportResult(path, dry_run=dry_run, rows=found.rows)
    error_file = ErrorFile(table)
    writer = BatchWriter(db, result, error_file, table, checker.present, dry_run=dry_run, actor=actor)
    source = batches(table, checker, found, max(1, batch_size))
    pending: asyncio.Future[Batch | None] | None = None
    writing: deque[tuple[Batch, asyncio.Task[list[HouseholdRows]]]] = deque()
    side_by_side = writers_for(db, dry_run=dry_run)
    with bulk_load():
        try:
            pending = asyncio.ensure_future(asyncio.to_thread(next, source, None))
            while True:
                batch = await pending
                pending = None
                if batch is None:
                    break
                # Check the next batch in the worker thread while this one is written.
                pending = asyncio.ensure_future(asyncio.to_thread(next, source, None))
                writing.append((batch, asyncio.create_task(writer.apply(batch.households))))
                while len(writing) >= side_by_side:
                    await _finish(writing.popleft(), writer, found.rows, progress)
            while writing:
                await _finish(writing.popleft(), writer, found.rows, progress)
        except BaseException:
            if pending is not None:
                await asyncio.gather(pending, return_exceptions=True)
            await asyncio.gather(*(task for _, task in writing), return_exceptions=True)
            source.close()
            error_file.discard()
            raise
    result.error_file = error_file.close()
    result.seconds = time.perf_counter() - started
    return result
