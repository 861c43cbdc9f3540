"""SQLite: a batch's new rows as SQLAlchemy Core ``INSERT``s (an executemany), its changes as ``UPDATE``s."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import Table as SqlTable
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import column_names
from models.importing.bulk import BulkInsert
from models.importing.rows import HouseholdRows, MemberRow
from models.importing.schema import UPDATE_HOUSEHOLD, UPDATE_MEMBER, H, M
from models.tables import Audit, Household, HouseholdStatus, Member, MemberStatus

# The columns an import writes, in the tables' order; ids come from the database.
INSERT_HOUSEHOLDS = BulkInsert(
    H,
    column_names(Household, without=("id", "latitude", "longitude", "last_visit_period", "last_visited_on")),
    returning=("id", "programme_code", "kk"),
)
INSERT_MEMBERS = BulkInsert(M, column_names(Member, without=("id",)))
INSERT_AUDITS = BulkInsert(cast(SqlTable, Audit.__table__), column_names(Audit, without=("id",)))


async def insert_batch(
    session: AsyncSession,
    new_households: list[HouseholdRows],
    household_updates: list[dict[str, Any]],
    added_members: list[tuple[HouseholdRows, MemberRow]],
    member_updates: list[dict[str, Any]],
    audits: list[dict[str, Any]],
    stored_ids: dict[tuple[str, str], int],
    now: Any,
    created_audit: Callable[[int, HouseholdRows], dict[str, Any]],
) -> None:
    """Write a batch in ``session``'s transaction: new households first (their ids come back), then their
    members and the new members of stored households, the updates, and the audit rows (``audits`` plus ``created_audit(id, household)`` per new one)."""
    household_ids = dict(stored_ids)
    if new_households:
        inserted = await INSERT_HOUSEHOLDS.execute(session, [_new_household(h, now) for h in new_households])
        assert inserted is not None
        for created_row in inserted:
            household_ids[(created_row.programme_code, created_row.kk)] = created_row.id
        for household in new_households:
            audits.append(created_audit(household_ids[(household.programme, household.kk)], household))
    if household_updates:
        await session.execute(UPDATE_HOUSEHOLD, household_updates)
    member_rows = [(h, row) for h in new_households for row in h.rows] + added_members
    if member_rows:
        await INSERT_MEMBERS.execute(
            session, [_new_member(household_ids[(h.programme, h.kk)], row, now) for h, row in member_rows]
        )
    if member_updates:
        await session.execute(UPDATE_MEMBER, member_updates)
    await INSERT_AUDITS.execute(session, audits)


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
        "data_issues": household.data_issues,
        "created_at": now,
        "updated_at": now,
    }


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
