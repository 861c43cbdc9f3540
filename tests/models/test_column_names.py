"""Bulk writers take their column order from the table definitions."""

from __future__ import annotations

import pytest

from models.base import column_names
from models.importing.copying import COPY_MEMBERS
from models.seeding.writer import MEMBER_COLUMNS
from models.tables import Member


def test_column_names_follow_the_table_and_leave_out_what_is_asked() -> None:
    assert tuple(c.name for c in Member.__table__.columns) == MEMBER_COLUMNS
    assert tuple(c for c in MEMBER_COLUMNS if c not in ("id", "created_at", "updated_at")) == COPY_MEMBERS


def test_a_column_that_does_not_exist_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="no column"):
        column_names(Member, without=("kk",))
