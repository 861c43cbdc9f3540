"""``jsika import households``: the registry spreadsheet (one row per member) into households and members.

How it stays fast and safe on a province (650k households, 2.6M members):
- the file is streamed twice: a quick scan (row count, households whose rows are scattered, NIKs that may be
  repeated — in fixed-size bitmaps, so memory does not grow with the file), then the real pass;
- rows are checked in Python in a worker thread while the previous batches are being written (on PostgreSQL
  two side by side, ``writers_for``);
- each batch of complete households (``batch_size``, 5,000 by default) is one transaction: one SELECT for the
  batch's KKs, one for its NIKs, then the new rows (on PostgreSQL by COPY straight into the tables, on SQLite
  by executemany INSERTs), UPDATEs of only what changed, and one audit row per household created or changed
  (COPYed too). A crash leaves whole batches; running the import again resumes, because
  households are upserted by (programme, KK) and members by NIK.

A household loads whole or not at all: one bad row keeps all its rows out, and they all go to the error file
(with the reason, or "another row of this KK is wrong") so the clerk can fix that file and import it again.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections import deque
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any, cast

from sqlalchemy import ColumnElement, any_, bindparam, func, select, text, update
from sqlalchemy import Table as SqlTable
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.base import utcnow
from models.db import Database
from models.importing.bulk import BulkInsert
from models.importing.result import Counts, ImportResult, Issue, Progress
from models.importing.rows import HOUSEHOLD_COLUMNS, HouseholdRows, MemberRow, Reference, RowChecker, group_key
from models.importing.table import ErrorFile, ImportFileError, Table
from models.seeding.writer import copy_records
from models.tables import Audit, Household, HouseholdStatus, Member, MemberStatus, Programme, Region, Role, User
from models.validate import number_text

DEFAULT_PROGRAMME = "JAMSOSRATU"
DEFAULT_BATCH = 5_000  # households per transaction: ≈15% less CPU on both sides than 2,000 (bench, PostgreSQL)
PG_WRITERS = 2  # batches written side by side on PostgreSQL (``writers_for``)
PROGRESS_EVERY = 50_000
BULK_GC_THRESHOLD = 50_000

H = cast(SqlTable, Household.__table__)
M = cast(SqlTable, Member.__table__)
HOUSEHOLD_FIELDS = ("head_name", "address", "desa_code", "phone", "pendamping_id")
MEMBER_FIELDS = (
    "name",
    "relation",
    "sex",
    "birth_date",
    "pregnancy_edd",
    "school_level",
    "school_name",
    "severe_disability",
)
INSERT_HOUSEHOLDS = BulkInsert(
    H,
    ("programme_code", "kk", "head_name", "address", "desa_code", "pendamping_id", "status", "phone")
    + ("created_at", "updated_at"),
    returning=("id", "programme_code", "kk"),
)
INSERT_MEMBERS = BulkInsert(M, ("household_id", "nik", *MEMBER_FIELDS, "status", "created_at", "updated_at"))
INSERT_AUDITS = BulkInsert(
    cast(SqlTable, Audit.__table__),
    ("at", "actor_type", "actor_id", "action", "entity", "entity_id", "before", "after", "detail"),
)
# What the PostgreSQL path COPYs. Left out, so filled in by the server: a member's and an audit row's ``id``
# (their sequences) and the creation times (``now()``, migration 0009: encoding aware datetimes cost asyncpg
# ~2 µs a row).
COPY_HOUSEHOLDS = (
    "id",
    "programme_code",
    "kk",
    "head_name",
    "address",
    "desa_code",
    "pendamping_id",
    "status",
    "phone",
)
COPY_MEMBERS = ("household_id", "nik", *MEMBER_FIELDS, "status")
COPY_AUDITS = ("actor_type", "actor_id", "action", "entity", "entity_id", "before", "after", "detail")
# Member fields that only change when the file has their column (absent column: leave the database alone).
OPTIONAL_MEMBER_COLUMNS = {
    "pregnancy_edd": "hamil_hpl",
    "school_level": "jenjang_sekolah",
    "school_name": "nama_sekolah",
    "severe_disability": "disabilitas_berat",
}


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


# -- pass 1: scan --------------------------------------------------------------------------------------------


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
    for number, cells in table.rows():
        rows += 1
        size = len(cells)
        raw = cells[kk_at] if kk_at < size else None
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
        raw = cells[nik_at] if nik_at < size else None
        nik = raw if type(raw) is str and raw.isdigit() else number_text(raw)
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


# -- pass 2: rows → checked households, in batches ---------------------------------------------------------------


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
        key = group_key(cells[kk_at] if kk_at < len(cells) else None, number)
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


# -- the database side of one batch ---------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value as JSON for the audit trail."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


class BatchWriter:
    def __init__(
        self,
        db: Database,
        result: ImportResult,
        errors: ErrorFile,
        table: Table,
        present: set[str],
        *,
        dry_run: bool,
        actor: str | None,
    ) -> None:
        self.db = db
        self.postgres = db.engine.dialect.name == "postgresql"
        self.result = result
        self.errors = errors
        self.table = table
        self.dry_run = dry_run
        self.actor = actor
        self.optional_member_fields = [f for f, column in OPTIONAL_MEMBER_COLUMNS.items() if column in present]
        self.has_address = "alamat" in present
        self.has_phone = "telepon" in present
        self._household_sequence: str | None = None
        # Write without looking up first (``apply``)? Only where the COPY path's unique constraints can answer.
        self.blind = self.postgres and not dry_run
        self._update_household = (
            update(H)
            .where(H.c.id == bindparam("b_id"))
            .values({name: bindparam(f"b_{name}") for name in (*HOUSEHOLD_FIELDS, "updated_at")})
        )
        self._update_member = (
            update(M)
            .where(M.c.id == bindparam("b_id"))
            .values({name: bindparam(f"b_{name}") for name in (*MEMBER_FIELDS, "updated_at")})
        )

    async def apply(self, households: Sequence[HouseholdRows]) -> list[HouseholdRows]:
        """Write one batch in its own transaction; the households that loaded. Call ``report`` afterwards,
        in file order (batches may be written side by side, see ``writers_for``).

        PostgreSQL, not a dry run: while nothing of the file has been found in the database, a batch is first
        written without looking anything up (every household and member new), and the unique constraints on
        (programme, KK) and NIK check that. If one of them objects, the attempt is rolled back and the batch is
        written again the ordinary way, with the lookups, which also give the exact per-row reason; later
        batches look first until one finds nothing stored again (a rerun after a crash, say, skips lookups
        again once past what the first run loaded). A fresh province import so spares the server 3.2M index
        probes and the importer their results."""
        good = [h for h in households if not h.failed]
        if not good:
            return []
        counts = (Counts(), Counts())
        loaded: list[HouseholdRows] | None = None
        if self.blind:
            try:
                async with self.db.session() as session:
                    await self._begin(session)
                    loaded = await self._write(session, good, {}, {}, counts)
            except Exception as error:
                if not _duplicate(error):
                    raise
                self.blind = False  # part of the file is in the database already: look from now on
                counts = (Counts(), Counts())
        if loaded is None:
            async with self.db.session() as session:
                await self._begin(session)
                stored_households, stored_members = await self._lookup(session, good)
                loaded = await self._write(session, good, stored_households, stored_members, counts)
            if self.postgres and not self.dry_run and not stored_households and not stored_members:
                self.blind = True
        for total, part in zip((self.result.households, self.result.members), counts, strict=True):
            total.new += part.new
            total.changed += part.changed
            total.unchanged += part.unchanged
        return loaded

    async def _begin(self, session: AsyncSession) -> None:
        """PostgreSQL: the batch's commit does not wait for its WAL to reach the disk. Safe against corruption;
        an operating-system crash could lose the last few batches reported as loaded, and running the import
        again loads them (it is idempotent). The database's other sessions are not affected."""
        if self.postgres and not self.dry_run:
            await session.execute(text("SET LOCAL synchronous_commit = off"))

    def _among(self, column: ColumnElement[str], values: list[str]) -> ColumnElement[bool]:
        """``column IN (values)``; on PostgreSQL ``= ANY(string_to_array(:digits, ','))``: one text parameter
        instead of thousands, so the statement is prepared once, planned quickly, and costs the client one
        string to encode (asyncpg checks every element of an array parameter one by one). Safe because the
        values are validated KKs and NIKs: digits only."""
        if self.postgres:
            return column == any_(func.string_to_array(bindparam(None, ",".join(values)), ","))
        return column.in_(values)

    async def _lookup(
        self, session: AsyncSession, households: list[HouseholdRows]
    ) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, dict[str, Any]]]:
        kks = sorted({h.kk for h in households})
        found_households: dict[tuple[str, str], dict[str, Any]] = {}
        for row in await session.execute(
            select(H.c.id, H.c.programme_code, H.c.kk, *(H.c[f] for f in HOUSEHOLD_FIELDS)).where(
                self._among(H.c.kk, kks)
            )
        ):
            found_households[(row.programme_code, row.kk)] = dict(row._mapping)
        niks = sorted({r.nik for h in households for r in h.rows if r.nik})
        found_members: dict[str, dict[str, Any]] = {}
        for row in await session.execute(
            select(
                M.c.id,
                M.c.nik,
                M.c.household_id,
                *(M.c[f] for f in MEMBER_FIELDS),
                H.c.kk.label("household_kk"),
                H.c.programme_code.label("household_programme"),
            )
            .join(H, H.c.id == M.c.household_id)
            .where(self._among(M.c.nik, niks))
        ):
            found_members[row.nik] = dict(row._mapping)
        return found_households, found_members

    async def _write(
        self,
        session: AsyncSession,
        households: list[HouseholdRows],
        stored_households: dict[tuple[str, str], dict[str, Any]],
        stored_members: dict[str, dict[str, Any]],
        counts: tuple[Counts, Counts],
    ) -> list[HouseholdRows]:
        """The batch's writes; ``counts`` (households, members) are added to the result once it committed."""
        now = utcnow()
        counts_h, counts_m = counts
        new_households: list[HouseholdRows] = []
        household_updates: list[dict[str, Any]] = []
        member_rows: list[tuple[HouseholdRows, MemberRow]] = []  # new members; household id resolved below
        member_updates: list[dict[str, Any]] = []
        audits: list[dict[str, Any]] = []
        loaded: list[HouseholdRows] = []
        for household in households:
            stored = stored_households.get((household.programme, household.kk))
            for row in household.rows:
                other = stored_members.get(row.nik or "")
                if other is not None and (stored is None or other["household_id"] != stored["id"]):
                    row.errors.append(
                        Issue(
                            row.number,
                            "nik",
                            row.nik or "",
                            f"NIK {row.nik} sudah terdaftar di keluarga lain (KK {other['household_kk']}, program "
                            f"{other['household_programme']}). Memindahkan anggota antar keluarga adalah pemutakhiran "
                            "data, bukan impor.",
                        )
                    )
            if household.failed:
                continue
            loaded.append(household)
            if stored is None:
                new_households.append(household)
                counts_h.new += 1
                counts_m.new += len(household.rows)
                member_rows.extend((household, row) for row in household.rows)
                continue
            wanted = self._household_values(household)
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            for name, value in wanted.items():
                if stored[name] != value:
                    before[name], after[name] = _plain(stored[name]), _plain(value)
            if after:
                household_updates.append(
                    {"b_id": stored["id"], "b_updated_at": now}
                    | {f"b_{name}": wanted.get(name, stored[name]) for name in HOUSEHOLD_FIELDS}
                )
            members_before: dict[str, Any] = {}
            members_after: dict[str, Any] = {}
            added: list[str] = []
            for row in household.rows:
                assert row.nik is not None
                values = self._member_values(row)
                current = stored_members.get(row.nik)
                if current is None:
                    added.append(row.nik)
                    member_rows.append((household, row))
                    counts_m.new += 1
                    continue
                changed = {name: value for name, value in values.items() if current[name] != value}
                if not changed:
                    counts_m.unchanged += 1
                    continue
                counts_m.changed += 1
                members_before[row.nik] = {name: _plain(current[name]) for name in changed}
                members_after[row.nik] = {name: _plain(value) for name, value in changed.items()}
                member_updates.append(
                    {"b_id": current["id"], "b_updated_at": now}
                    | {f"b_{name}": values.get(name, current[name]) for name in MEMBER_FIELDS}
                )
            if not (after or members_after or added):
                counts_h.unchanged += 1
                continue
            counts_h.changed += 1
            if members_after:
                before["anggota"], after["anggota"] = members_before, members_after
            if added:
                after["anggota_baru"] = added
            audits.append(self._audit("import.update", stored["id"], household, before, after, now))

        if self.dry_run:
            return loaded
        if self.postgres:
            stored_ids = {key: stored["id"] for key, stored in stored_households.items()}
            await self._copy(
                session, new_households, household_updates, member_rows, member_updates, audits, stored_ids, now
            )
            return loaded
        household_ids: dict[tuple[str, str], int] = {key: stored["id"] for key, stored in stored_households.items()}
        if new_households:
            inserted = await INSERT_HOUSEHOLDS.execute(session, [self._new_household(h, now) for h in new_households])
            assert inserted is not None
            for created_row in inserted:
                household_ids[(created_row.programme_code, created_row.kk)] = created_row.id
            for household in new_households:
                new_id = household_ids[(household.programme, household.kk)]
                audits.append(self._audit("import.create", new_id, household, None, self._created(household), now))
        if household_updates:
            await session.execute(self._update_household, household_updates)
        if member_rows:
            await INSERT_MEMBERS.execute(
                session, [self._new_member(household_ids[(h.programme, h.kk)], row, now) for h, row in member_rows]
            )
        if member_updates:
            await session.execute(self._update_member, member_updates)
        await INSERT_AUDITS.execute(session, audits)
        return loaded

    async def _copy(
        self,
        session: AsyncSession,
        new_households: list[HouseholdRows],
        household_updates: list[dict[str, Any]],
        member_rows: list[tuple[HouseholdRows, MemberRow]],
        member_updates: list[dict[str, Any]],
        audits: list[dict[str, Any]],
        stored_ids: dict[tuple[str, str], int],
        now: Any,
    ) -> None:
        """PostgreSQL: new rows by COPY straight into the real tables, in the batch's transaction.

        New households get their ids from the table's own sequence first (one round trip; ``nextval`` never
        hands the same id out twice, so concurrent writers cannot collide), so their members and audit rows can
        be COPYed right behind them. Changed rows (rare) keep their ``UPDATE``s. A unique violation (somebody
        else loaded the same KK or NIK since this batch looked) fails the COPY, and with it the whole batch."""
        conn = await session.connection()
        household_ids: dict[int, int] = {}
        created: list[tuple[Any, ...]] = []
        records: list[tuple[Any, ...]] = []
        if new_households:
            if self._household_sequence is None:
                self._household_sequence = await session.scalar(
                    text("SELECT pg_get_serial_sequence('household', 'id')")
                )
            ids = await session.scalars(
                text("SELECT nextval(CAST(:seq AS regclass)) FROM generate_series(1, :n)"),
                {"seq": self._household_sequence, "n": len(new_households)},
            )
            aktif = HouseholdStatus.AKTIF.value
            actor, source = self.actor, f"impor {self.table.path.name}, baris "
            for household, new_id in zip(new_households, ids, strict=True):
                household_ids[id(household)] = new_id
                records.append(
                    (
                        new_id,
                        household.programme,
                        household.kk,
                        household.head_name,
                        household.address,
                        household.desa,
                        household.pendamping_id,
                        aktif,
                        household.phone,
                    )
                )
                # The audit row as COPY wants it (what ``_audit`` and ``_created`` give, without the dicts).
                rows = household.rows  # in row order (``RowChecker.household``)
                first, last = rows[0].number, rows[-1].number
                created.append(
                    (
                        "cli",
                        actor,
                        "import.create",
                        "household",
                        str(new_id),
                        None,
                        created_json(household),
                        f"{source}{first}" if first == last else f"{source}{first}–{last}",
                    )
                )
        aktif = MemberStatus.AKTIF.value
        members = [
            (
                household_ids.get(id(h)) or stored_ids[(h.programme, h.kk)],
                row.nik,
                row.name,
                row.relation,  # str enums: asyncpg sends them as the text they are
                row.sex,
                row.birth_date,
                row.pregnancy_edd,
                row.school_level,
                row.school_name,
                row.severe_disability,
                aktif,
            )
            for h, row in member_rows
        ]
        dumps = json.dumps
        created.extend(
            (
                a["actor_type"],
                a["actor_id"],
                a["action"],
                a["entity"],
                a["entity_id"],
                None if a["before"] is None else dumps(a["before"]),
                None if a["after"] is None else dumps(a["after"]),
                a["detail"],
            )
            for a in audits
        )
        # Households after the audit rows and just before their members: their rollup trigger takes the
        # coverage tally rows, which the batch written beside this one may be waiting for until this one
        # commits, so as little as possible comes after it.
        await copy_records(conn, "audit", COPY_AUDITS, created)
        if records:
            await copy_records(conn, "household", COPY_HOUSEHOLDS, records)
        if household_updates:
            await session.execute(self._update_household, household_updates)
        if members:
            await copy_records(conn, "member", COPY_MEMBERS, members)
        if member_updates:
            await session.execute(self._update_member, member_updates)

    @staticmethod
    def _created(household: HouseholdRows) -> dict[str, Any]:
        """A new household's values for its audit row."""
        return {
            "programme_code": household.programme,
            "kk": household.kk,
            "head_name": household.head_name,
            "desa_code": household.desa,
            "address": household.address,
            "phone": household.phone,
            "pendamping_id": household.pendamping_id,
            "anggota": [r.nik for r in household.rows],
        }

    def _household_values(self, household: HouseholdRows) -> dict[str, Any]:
        values: dict[str, Any] = {"head_name": household.head_name, "desa_code": household.desa}
        if self.has_address:
            values["address"] = household.address
        if self.has_phone:
            values["phone"] = household.phone
        if household.pendamping_id is not None:
            values["pendamping_id"] = household.pendamping_id
        return values

    def _member_values(self, row: MemberRow) -> dict[str, Any]:
        values: dict[str, Any] = {
            "name": row.name,
            "relation": row.relation,
            "sex": row.sex,
            "birth_date": row.birth_date,
        }
        for name in self.optional_member_fields:
            values[name] = getattr(row, name)
        return values

    @staticmethod
    def _new_household(household: HouseholdRows, now: Any) -> dict[str, Any]:
        return {
            "programme_code": household.programme,
            "kk": household.kk,
            "head_name": household.head_name,
            "address": household.address,
            "desa_code": household.desa,
            "pendamping_id": household.pendamping_id,
            "status": HouseholdStatus.AKTIF,
            "phone": household.phone,
            "created_at": now,
            "updated_at": now,
        }

    @staticmethod
    def _new_member(household_id: int, row: MemberRow, now: Any) -> dict[str, Any]:
        return {
            "household_id": household_id,
            "nik": row.nik,
            "name": row.name,
            "relation": row.relation,
            "sex": row.sex,
            "birth_date": row.birth_date,
            "pregnancy_edd": row.pregnancy_edd,
            "school_level": row.school_level,
            "school_name": row.school_name,
            "severe_disability": row.severe_disability,
            "status": MemberStatus.AKTIF,
            "created_at": now,
            "updated_at": now,
        }

    def _audit(
        self,
        action: str,
        household_id: int,
        household: HouseholdRows,
        before: dict[str, Any] | None,
        after: dict[str, Any],
        now: Any,
    ) -> dict[str, Any]:
        numbers = [r.number for r in household.rows]
        where = f"baris {numbers[0]}" if len(numbers) == 1 else f"baris {min(numbers)}–{max(numbers)}"
        return audit.entry(
            actor_type="cli",
            actor_id=self.actor,
            action=action,
            entity="household",
            entity_id=str(household_id),
            before=before,
            after=after,
            detail=f"impor {self.table.path.name}, {where}",
            at=now,
        )

    def report(self, households: Sequence[HouseholdRows], loaded: list[HouseholdRows]) -> None:
        """Issues into the result; every row of a household that did not load into the error file."""
        result = self.result
        loaded_ids = {id(h) for h in loaded}
        failed_rows: list[tuple[MemberRow, str]] = []
        for household in households:
            by_row: dict[int, list[Issue]] = {}
            for issue in household.errors:
                by_row.setdefault(issue.row, []).append(issue)
            for row in household.rows:
                for issue in row.warnings:
                    result.add_warning(issue)
            if id(household) in loaded_ids:
                continue
            bad = sorted({r.number for r in household.rows if r.errors} | set(by_row))
            for row in household.rows:
                issues = row.errors + by_row.get(row.number, [])
                for issue in issues:
                    result.add_error(issue)
                if issues:
                    message = " ".join(dict.fromkeys(i.message for i in issues))
                else:
                    where = ", ".join(str(n) for n in bad[:5]) + (" …" if len(bad) > 5 else "")
                    message = (
                        f"Tidak dimuat karena baris lain dari KK ini salah (baris {where}); satu keluarga dimuat utuh."
                    )
                failed_rows.append((row, message))
            result.rows_failed += len(household.rows)
        for row, message in sorted(failed_rows, key=lambda item: item[0].number):
            self.errors.write(row.cells, message)


_json_text = cast(
    Any, json.encoder
).encode_basestring  # a str as a JSON string (C), as json.dumps(…, ensure_ascii=False)


def created_json(household: HouseholdRows) -> str:
    """``json.dumps(BatchWriter._created(household))`` at a third of the cost: the audit JSON of each new
    household of a province file. Strings go through the json module's own escaping; NIKs are digits."""
    pendamping = household.pendamping_id
    return (
        f'{{"programme_code": {_json_text(household.programme)}, "kk": {_json_text(household.kk)}, '
        f'"head_name": {_json_text(household.head_name)}, "desa_code": {_json_text(household.desa)}, '
        f'"address": {_json_text(household.address)}, '
        f'"phone": {"null" if household.phone is None else _json_text(household.phone)}, '
        f'"pendamping_id": {"null" if pendamping is None else int(pendamping)}, '
        f'"anggota": [{", ".join(_json_text(r.nik) for r in household.rows)}]}}'
    )


def _duplicate(error: BaseException) -> bool:
    """A unique violation (SQLSTATE 23505), raised by asyncpg itself (COPY) or wrapped by SQLAlchemy."""
    seen: BaseException | None = error
    for _ in range(4):
        if seen is None:
            return False
        if getattr(seen, "sqlstate", None) == "23505" or getattr(seen, "pgcode", None) == "23505":
            return True
        seen = cast(BaseException | None, getattr(seen, "orig", None) or seen.__cause__)
    return False


def writers_for(db: Database, *, dry_run: bool) -> int:
    """How many batches are written at once.

    PostgreSQL: two. Batches are independent — a household lies wholly in one batch, and a NIK repeated in the
    file is an error found by the scan — so the server can store one batch while this process looks up and
    encodes the next, and the importer's Python and the server's work overlap instead of taking turns (on a
    2-CPU box the wall time was the sum of the two). Each batch is still one transaction: a crash leaves whole
    batches, perhaps not the first ones, and the rerun loads whatever is missing. The unique constraints on
    (programme, KK) and NIK remain the last word if two imports race. SQLite has one writer at a time, so one.
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
    """Load a household file; see the module docstring. ``today`` (Asia/Jakarta) bounds birth dates.

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
    gc_thresholds = gc.get_threshold()
    # Millions of short-lived row objects (freed by reference counting) would trigger the cyclic collector
    # thousands of times over a province file; it costs a third of the CPU at the default threshold.
    gc.set_threshold(BULK_GC_THRESHOLD, *gc_thresholds[1:])
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
    finally:
        gc.set_threshold(*gc_thresholds)
    result.error_file = error_file.close()
    result.seconds = time.perf_counter() - started
    return result
