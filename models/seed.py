"""Synthetic Banten households for the demo, the tests and the benchmarks (``jsika seed``).

``await seed_database(db, SeedOptions(households=300, seed=1), today=date(2026, 11, 24))`` fills an empty database
with pendamping caseloads, households and members with valid NIKs/KKs, and a few months of visits whose commitment
checks follow the programme rules. Same seed and same ``today`` → the same rows. Memory stays flat at any size:
households are generated and written in chunks (see ``models/seeding/``).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

from models.db import Database
from models.rules import ProgrammeRules, rules_from_json
from models.seeding.generate import Generator, Geography, SeedOptions
from models.seeding.identity import SerialCounter
from models.seeding.writer import BulkWriter, HouseholdsExist, Written
from models.tables import Household, Programme, Region, Role, User

__all__ = ["SeedError", "SeedOptions", "SeedRefused", "SeedResult", "peak_rss_kb", "seed_database"]

Progress = Callable[[int, int], None]


class SeedError(ValueError):
    """The seed cannot run as asked; the message is one sentence for the person at the terminal."""


class SeedRefused(SeedError):
    """The database already holds households and ``append`` was not asked for."""


@dataclass(slots=True)
class SeedResult:
    households: int = 0
    members: int = 0
    pendamping: int = 0
    koordinator: int = 0
    admins: int = 0
    visits: int = 0
    checks: int = 0
    referrals: int = 0
    changes: int = 0
    seconds: float = 0.0
    peak_rss_kb: int | None = None
    per_programme: dict[str, int] = field(default_factory=dict)


def peak_rss_kb() -> int | None:
    """This process's peak resident memory (VmHWM) in kB, where /proc exists."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


async def seed_database(
    db: Database, options: SeedOptions, *, today: date, progress: Progress | None = None
) -> SeedResult:
    """Generate and write ``options.households`` households; see the module docstring."""
    if options.households < 1:
        raise SeedError("Jumlah keluarga harus paling sedikit 1.")
    if options.visits_months < 0:
        raise SeedError("Jumlah bulan riwayat kunjungan tidak boleh negatif.")
    started = time.perf_counter()

    async with db.session() as session:
        try:
            existing = int(await session.scalar(select(func.count()).select_from(Household)) or 0)
        except (OperationalError, ProgrammingError):  # no such table
            raise SeedError("Basis data belum disiapkan; jalankan dulu: jsika db upgrade") from None
        if existing and not options.append:
            raise SeedRefused(_refusal(existing))
        programmes: dict[str, ProgrammeRules] = {
            p.code: rules_from_json(p.rules) for p in (await session.scalars(select(Programme))).all()
        }
        if not programmes:
            raise SeedError("Belum ada data program; jalankan dulu: jsika db upgrade")
        if options.programme is not None and options.programme not in programmes:
            known = ", ".join(sorted(programmes))
            raise SeedError(f"Program {options.programme} tidak dikenal (yang ada: {known}).")
        if "JAMSOSRATU" not in programmes and options.programme is None:
            raise SeedError("Program JAMSOSRATU tidak ada; sebutkan --programme.")
        regions = [tuple(row) for row in (await session.execute(select(Region.code, Region.name, Region.level)))]
        phones = {p for p in (await session.scalars(select(User.phone).where(User.phone.is_not(None)))) if p}
        koordinators = {
            area: user_id
            for user_id, area in await session.execute(
                select(User.id, User.area_code).where(User.role == Role.KOORDINATOR, User.active.is_(True))
            )
            if area.count(".") == 1
        }
        has_admin = bool(await session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN)))
        # Serials start at a varied place per kecamatan and month (below 5000: the test factories count down
        # from 9999), so the province's NIKs do not all end in 0001.
        nik_serials, kk_serials = SerialCounter(spread=4000), SerialCounter(spread=4000)
        if existing:
            nik_serials.reserve(await _used_serials(session, "member", "nik"))
            kk_serials.reserve(await _used_serials(session, "household", "kk"))

    geography = Geography.from_rows(regions)  # type: ignore[arg-type]
    generator = Generator(
        options,
        geography,
        programmes,
        today,
        salt=f"append:{existing}" if existing else "",
        taken_phones=phones,
        nik_serials=nik_serials,
        kk_serials=kk_serials,
    )
    try:
        plan = generator.make_plan(existing_koordinator=koordinators, has_admin=has_admin)
    except ValueError as error:
        raise SeedError(str(error)) from None
    writer = BulkWriter(db)

    result = SeedResult(
        pendamping=sum(u.role == Role.PENDAMPING.value for u in plan.users),
        koordinator=sum(u.role == Role.KOORDINATOR.value for u in plan.users),
        admins=sum(u.role == Role.ADMIN.value for u in plan.users),
    )
    for block in plan.blocks:
        result.per_programme[block.programme] = result.per_programme.get(block.programme, 0) + block.size

    written = Written()
    size = options.effective_chunk_size()
    # PostgreSQL takes two chunks at once (one backend each) while the next one is generated in a worker thread;
    # SQLite has one writer anyway.
    parallel = 1 if db.is_sqlite else 2
    in_flight: set[asyncio.Future[Written]] = set()

    def finished(done: set[asyncio.Future[Written]]) -> None:
        for task in done:
            in_flight.discard(task)
            written.add(task.result())
        if progress is not None:
            progress(written.households, options.households)

    if progress is not None:
        progress(0, options.households)
    # The generator thread and the event loop (which feeds COPY) share the GIL; a short switch interval keeps
    # the loop from waiting 5 ms for the GIL at every network write. Restored afterwards.
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(min(switch_interval, 0.0005))
    try:
        first = await asyncio.to_thread(generator.next_chunk, size)
        assert first is not None  # at least one household
        # The first chunk goes alone: it inserts the users every later row points at, and checks (under a lock)
        # that no other seed has filled the database since we looked.
        try:
            written.add(await writer.write_chunk(first, users=plan.users, only_if_empty=not options.append))
        except HouseholdsExist as error:
            raise SeedRefused(_refusal(error.count)) from None
        finished(set())
        while (rows := await asyncio.to_thread(generator.next_chunk, size)) is not None:
            while len(in_flight) >= parallel:
                done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                finished(done)
            in_flight.add(asyncio.ensure_future(writer.write_chunk(rows)))
        if in_flight:
            done, _ = await asyncio.wait(in_flight)
            finished(done)
    except BaseException:
        for task in in_flight:
            task.cancel()
        await asyncio.gather(*in_flight, return_exceptions=True)
        raise
    finally:
        sys.setswitchinterval(switch_interval)

    result.households, result.members, result.visits = written.households, written.members, written.visits
    result.checks, result.referrals, result.changes = written.checks, written.referrals, written.changes
    result.seconds = time.perf_counter() - started
    result.peak_rss_kb = peak_rss_kb()
    return result


def _refusal(existing: int) -> str:
    count = f"{existing:,}".replace(",", ".")
    return f"Sudah ada {count} keluarga; pakai --append untuk menambah data sintetis."


async def _used_serials(session: AsyncSession, table: str, column: str) -> list[tuple[str, str]]:
    """Highest serial per kecamatan + month/year already used by NIKs or KKs, for ``--append``."""
    key = f"substr({column}, 1, 6) || substr({column}, 9, 4)"
    statement = text(
        f"SELECT {key} AS k, max(substr({column}, 13, 4)) FROM {table} WHERE length({column}) = 16 GROUP BY k"
    )
    return [(str(k), str(v)) for k, v in await session.execute(statement)]
