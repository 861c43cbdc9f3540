"""Bulk writing of generated rows: COPY on PostgreSQL, executemany on SQLite, one transaction per chunk.

Households and members get explicit ids so that members, visits and checks of the same chunk can point at them
without a round trip per row: on PostgreSQL the ids come from the table's own sequence (``nextval`` over
``generate_series``, so concurrent writers never collide); on SQLite they continue after ``max(id)`` inside the
chunk's ``BEGIN IMMEDIATE`` transaction, which no other writer can interleave with.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from models.base import column_names
from models.db import Database
from models.pg_copy import copy_records
from models.seeding.generate import ChunkRows, UserSeed
from models.tables import Base, CommitmentCheck, DataChange, Household, Member, Referral, User, Visit

# Rows are built as tuples in these orders: the tables' own, less the columns a seed leaves to their defaults.
USER_COLUMNS = column_names(User, without=("linked_at",))
HOUSEHOLD_COLUMNS = column_names(
    Household, without=("last_visit_period", "last_visited_on", "data_issues")
)  # synthetic rows are whole
MEMBER_COLUMNS = column_names(Member)
VISIT_COLUMNS = column_names(Visit, without=("other_reasons",))  # no synthetic "lainnya" in words
CHECK_COLUMNS = column_names(CommitmentCheck, without=("id", "reason_note"))
REFERRAL_COLUMNS = column_names(Referral, without=("id", "desa_code"))
CHANGE_COLUMNS = column_names(DataChange, without=("id", "desa_code"))
_VISIT_JSON = (VISIT_COLUMNS.index("condition"), VISIT_COLUMNS.index("welfare"))
_VISIT_REVIEWER = VISIT_COLUMNS.index("reviewer_id")
_CHANGE_JSON = CHANGE_COLUMNS.index("new_value")
_CHANGE_PROPOSER = CHANGE_COLUMNS.index("proposed_by")
_HOUSEHOLD_PENDAMPING = HOUSEHOLD_COLUMNS.index("pendamping_id") - 1  # generated rows have no id yet
# Held (PostgreSQL) while the first chunk checks that the database is still empty, so two seeds started at once
# (say, two demo processes) cannot both fill it.
_SEED_LOCK = 3_600_736


class HouseholdsExist(Exception):
    """Somebody else's households appeared between the first look and the first write."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


@dataclass(slots=True)
class Written:
    households: int = 0
    members: int = 0
    visits: int = 0
    checks: int = 0
    referrals: int = 0
    changes: int = 0

    def add(self, other: Written) -> None:
        self.households += other.households
        self.members += other.members
        self.visits += other.visits
        self.checks += other.checks
        self.referrals += other.referrals
        self.changes += other.changes


class BulkWriter:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.postgres = not db.is_sqlite
        self._sequences: dict[str, str] = {}

    async def _ids(self, conn: AsyncConnection, table: str, count: int) -> Sequence[int]:
        if count == 0:
            return ()
        if self.postgres:
            sequence = self._sequences.get(table)
            if sequence is None:
                sequence = await conn.scalar(text(f"SELECT pg_get_serial_sequence('{table}', 'id')"))
                if sequence is None:
                    raise RuntimeError(f"tabel {table} tidak punya sequence untuk id")
                self._sequences[table] = sequence
            result = await conn.execute(
                text("SELECT nextval(CAST(:seq AS regclass)) FROM generate_series(1, :n)"),
                {"seq": sequence, "n": count},
            )
            return [row[0] for row in result]
        highest = await conn.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table}"))
        start = int(highest or 0) + 1
        return range(start, start + count)

    async def _insert(
        self, conn: AsyncConnection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        if not rows:
            return
        if self.postgres:
            await copy_records(conn, table, columns, rows)
        else:
            await conn.execute(
                insert(Base.metadata.tables[table]), [dict(zip(columns, row, strict=True)) for row in rows]
            )

    async def _write_users(self, conn: AsyncConnection, users: list[UserSeed]) -> None:
        """Insert users and set their ``id``."""
        ids = await self._ids(conn, "app_user", len(users))
        for user, user_id in zip(users, ids, strict=True):
            user.id = user_id
        rows = [(u.id, None, u.phone, u.name, u.role, u.area_code, True, "id", u.created_at) for u in users]
        await self._insert(conn, "app_user", USER_COLUMNS, rows)

    async def write_chunk(
        self, chunk: ChunkRows, *, users: list[UserSeed] | None = None, only_if_empty: bool = False
    ) -> Written:
        """Write one chunk in one transaction; the first chunk also brings the new ``users`` (their ids are set
        here, before any row needs them) and, with ``only_if_empty``, refuses a database that has households."""
        pg = self.postgres
        async with self.db.engine.begin() as conn:
            if only_if_empty:
                if pg:
                    await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SEED_LOCK})
                existing = await conn.scalar(text("SELECT count(*) FROM household"))
                if existing:
                    raise HouseholdsExist(int(existing))
            if users:
                await self._write_users(conn, users)
            hid = await self._ids(conn, "household", len(chunk.households))
            mid = await self._ids(conn, "member", len(chunk.members))
            p = _HOUSEHOLD_PENDAMPING
            households = [(hid[i], *row[:p], row[p].id, *row[p + 1 :]) for i, row in enumerate(chunk.households)]
            members = [(mid[i], hid[row[0]], *row[1:]) for i, row in enumerate(chunk.members)]
            r, x = _VISIT_REVIEWER, _CHANGE_PROPOSER
            if pg:
                # JSON text per distinct dict: the generator shares answer dicts between visits, and every dict
                # of this chunk is alive until the end of the block, so ids cannot be reused meanwhile.
                texts: dict[int, str] = {}

                def js(value: dict[str, Any]) -> str:
                    found = texts.get(id(value))
                    if found is None:
                        found = texts[id(value)] = json.dumps(value)
                    return found

                c, w, j = *_VISIT_JSON, _CHANGE_JSON
                visits = [
                    (
                        row[0],
                        hid[row[1]],
                        row[2].id,
                        *row[3:c],
                        js(row[c]),
                        js(row[w]),
                        *row[w + 1 : r],
                        None if row[r] is None else row[r].id,
                        *row[r + 1 :],
                    )
                    for row in chunk.visits
                ]
                changes = [
                    (
                        row[0],
                        hid[row[1]],
                        None if row[2] is None else mid[row[2]],
                        *row[3:j],
                        js(row[j]),
                        *row[j + 1 : x],
                        row[x].id,
                        *row[x + 1 :],
                    )
                    for row in chunk.changes
                ]
            else:
                visits = [
                    (row[0], hid[row[1]], row[2].id, *row[3:r], None if row[r] is None else row[r].id, *row[r + 1 :])
                    for row in chunk.visits
                ]
                changes = [
                    (row[0], hid[row[1]], None if row[2] is None else mid[row[2]], *row[3:x], row[x].id, *row[x + 1 :])
                    for row in chunk.changes
                ]
            checks = [(row[0], mid[row[1]], *row[2:]) for row in chunk.checks]
            referrals = [(hid[row[0]], None if row[1] is None else mid[row[1]], *row[2:]) for row in chunk.referrals]
            await self._insert(conn, "household", HOUSEHOLD_COLUMNS, households)
            await self._insert(conn, "member", MEMBER_COLUMNS, members)
            await self._insert(conn, "visit", VISIT_COLUMNS, visits)
            await self._insert(conn, "commitment_check", CHECK_COLUMNS, checks)
            await self._insert(conn, "referral", REFERRAL_COLUMNS, referrals)
            await self._insert(conn, "data_change", CHANGE_COLUMNS, changes)
        return Written(len(households), len(members), len(visits), len(checks), len(referrals), len(changes))
