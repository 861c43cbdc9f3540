"""PostgreSQL: a batch's new rows by COPY straight into the real tables, in the batch's transaction.

asyncpg's binary ``copy_records_to_table`` (``models.pg_copy.copy_records``, the seed's COPY writer). Columns
the server can fill are left out: member and audit ids (sequences) and the creation times (``now()``, the server
default added by migration 0009: encoding aware datetimes is a noticeable part of asyncpg's client CPU). Changed rows, which are
rare, keep their ``UPDATE``s.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import column_names
from models.importing.rows import HouseholdRows, MemberRow
from models.importing.schema import UPDATE_HOUSEHOLD, UPDATE_MEMBER
from models.pg_copy import copy_records
from models.tables import Audit, Household, HouseholdStatus, Member, MemberStatus

# What the COPY sends, in the tables' order: the server fills the rest (ids from sequences, creation times,
# the coordinates and the last visit a new household does not have yet).
COPY_HOUSEHOLDS = column_names(
    Household, without=("latitude", "longitude", "last_visit_period", "last_visited_on", "created_at", "updated_at")
)
COPY_MEMBERS = column_names(Member, without=("id", "created_at", "updated_at"))
# Migration 0013 made it deferrable: checked at the commit, after the batch's households are written.
MEMBER_FK_DEFERRED = text("SET CONSTRAINTS fk_member_household_id_household DEFERRED")
COPY_AUDITS = column_names(Audit, without=("id", "at"))


_AKTIF_MEMBER = MemberStatus.AKTIF.value


def _member_record(household_id: int, row: MemberRow) -> tuple[Any, ...]:
    """A new member as the COPY takes it, in ``COPY_MEMBERS`` order (new households' and stored ones' alike)."""
    return (
        household_id,
        row.nik,
        row.name,
        row.relation,  # str enums: asyncpg sends them as the text they are
        row.sex,
        row.birth_date,
        row.pregnancy_edd,
        row.school_level,
        row.school_name,
        row.severe_disability,
        _AKTIF_MEMBER,
    )


class CopyWriter:
    """Writes batches of one import (``actor``, ``file_name`` for the audit rows' detail) by COPY."""

    def __init__(self, actor: str | None, file_name: str) -> None:
        self.actor = actor
        self.file_name = file_name
        self._household_sequence: str | None = None

    async def write(
        self,
        session: AsyncSession,
        new_households: list[HouseholdRows],
        household_updates: list[dict[str, Any]],
        added_members: list[tuple[HouseholdRows, MemberRow]],
        member_updates: list[dict[str, Any]],
        audits: Sequence[dict[str, Any]],
        stored_ids: dict[tuple[str, str], int],
    ) -> None:
        """PostgreSQL: new rows by COPY straight into the real tables, in the batch's transaction.

        New households get their ids from the table's own sequence first (one round trip; ``nextval`` never
        hands the same id out twice, so concurrent writers cannot collide), so their members and audit rows can
        be COPYed right behind them. Changed rows (rare) keep their ``UPDATE``s. A unique violation (somebody
        else loaded the same KK or NIK since this batch looked) fails the COPY, and with it the whole batch."""
        conn = await session.connection()
        created: list[tuple[Any, ...]] = []
        records: list[tuple[Any, ...]] = []
        members: list[tuple[Any, ...]] = []
        member = members.append
        if new_households:
            if self._household_sequence is None:
                self._household_sequence = await session.scalar(
                    text("SELECT pg_get_serial_sequence('household', 'id')")
                )
            # One row holding an array: asyncpg decodes it at once (5,000 rows through SQLAlchemy's result
            # machinery cost more than the statement).
            ids = await session.scalar(
                text("SELECT array_agg(nextval(CAST(:seq AS regclass))) FROM generate_series(1, :n)"),
                {"seq": self._household_sequence, "n": len(new_households)},
            )
            aktif = HouseholdStatus.AKTIF.value
            actor, source = self.actor, f"impor {self.file_name}, baris "
            for household, new_id in zip(new_households, ids, strict=True):
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
                        household.data_issues,
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
                for row in rows:
                    member(_member_record(new_id, row))
        for h, row in added_members:
            member(_member_record(stored_ids[(h.programme, h.kk)], row))
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
        # Households last: their rollup trigger takes the coverage tally rows, which the batch written beside
        # this one waits for until this one commits, so as little as possible should come after them. So their
        # members come first, and the members' foreign key (deferrable since migration 0013) is checked at the
        # commit, when the households are there.
        if members:
            await session.execute(MEMBER_FK_DEFERRED)
            await copy_records(conn, "member", COPY_MEMBERS, members)
        if member_updates:
            await session.execute(UPDATE_MEMBER, member_updates)
        await copy_records(conn, "audit", COPY_AUDITS, created)
        if records:
            await copy_records(conn, "household", COPY_HOUSEHOLDS, records)
        if household_updates:
            await session.execute(UPDATE_HOUSEHOLD, household_updates)


_json_text = cast(
    Any, json.encoder
).encode_basestring  # a str as a JSON string (C), as json.dumps(…, ensure_ascii=False)


_NIK_SEPARATOR = '", "'


def created_json(household: HouseholdRows) -> str:
    """``json.dumps(BatchWriter._created(household))`` at a third of the cost: the audit JSON of each new
    household of a province file. Strings go through the json module's own escaping; NIKs are digits
    (validated), so they need none."""
    pendamping, issues = household.pendamping_id, household.data_issues
    return (
        f'{{"programme_code": {_json_text(household.programme)}, "kk": {_json_text(household.kk)}, '
        f'"head_name": {_json_text(household.head_name)}, "desa_code": {_json_text(household.desa)}, '
        f'"address": {_json_text(household.address)}, '
        f'"phone": {"null" if household.phone is None else _json_text(household.phone)}, '
        f'"pendamping_id": {"null" if pendamping is None else int(pendamping)}, '
        f'"data_issues": {"null" if issues is None else _json_text(issues)}, '
        f'"anggota": ["{_NIK_SEPARATOR.join([r.nik or "" for r in household.rows])}"]}}'
    )


def duplicate(error: BaseException) -> bool:
    """A unique violation (SQLSTATE 23505), raised by asyncpg itself (COPY) or wrapped by SQLAlchemy."""
    seen: BaseException | None = error
    for _ in range(4):
        if seen is None:
            return False
        if getattr(seen, "sqlstate", None) == "23505" or getattr(seen, "pgcode", None) == "23505":
            return True
        seen = cast(BaseException | None, getattr(seen, "orig", None) or seen.__cause__)
    return False
