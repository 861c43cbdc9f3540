"""What the household import writes: the columns it compares and the UPDATEs of what changed (both databases)."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any, cast

from sqlalchemy import Table as SqlTable
from sqlalchemy import bindparam, update

from models.base import column_names
from models.tables import Household, Member

H = cast(SqlTable, Household.__table__)
M = cast(SqlTable, Member.__table__)
HOUSEHOLD_FIELDS = ("head_name", "address", "desa_code", "phone", "pendamping_id", "data_issues")
# The member fields a file may change: all but identity (id, household, NIK), status and the timestamps.
MEMBER_FIELDS = column_names(Member, without=("id", "household_id", "nik", "status", "created_at", "updated_at"))
# Member fields that only change when the file has their column (absent column: leave the database alone).
OPTIONAL_MEMBER_COLUMNS = {
    "pregnancy_edd": "hamil_hpl",
    "school_level": "jenjang_sekolah",
    "school_name": "nama_sekolah",
    "severe_disability": "disabilitas_berat",
}
# A changed household or member: every compared field (the unchanged ones as stored), by the row's id.
UPDATE_HOUSEHOLD = (
    update(H)
    .where(H.c.id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}") for name in (*HOUSEHOLD_FIELDS, "updated_at")})
)
UPDATE_MEMBER = (
    update(M)
    .where(M.c.id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}") for name in (*MEMBER_FIELDS, "updated_at")})
)


def plain(value: Any) -> Any:
    """A value as JSON for the audit trail."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value
