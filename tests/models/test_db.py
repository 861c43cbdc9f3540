"""``Database.read_session``: slow reads (exports, reminder texts) never hold up the writers."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from models.db import Database
from models.tables import Household
from tests.factories import make_household


async def test_a_write_commits_while_a_read_session_is_still_open(db: Database) -> None:
    async with db.session() as s:
        household = await make_household(s)
    async with db.read_session() as reading:
        assert await reading.scalar(select(func.count()).select_from(Household)) == 1
        # On SQLite the writers share one pooled connection and the write lock: an ordinary session held here
        # would keep this write waiting (and the pendamping behind it) until the read ended.
        async with asyncio.timeout(10):
            async with db.session() as writing:
                await writing.execute(update(Household).where(Household.id == household.id).values(head_name="Baru"))
    async with db.read_session() as reading:
        assert await reading.scalar(select(Household.head_name).where(Household.id == household.id)) == "Baru"


async def test_a_read_session_on_sqlite_refuses_to_write(db: Database) -> None:
    async with db.session() as s:
        household = await make_household(s)
    if not db.is_sqlite:
        async with db.read_session() as reading:  # PostgreSQL: an ordinary session, readers never block there
            assert await reading.scalar(select(Household.kk).where(Household.id == household.id)) == household.kk
        return
    with pytest.raises(OperationalError, match="readonly"):
        async with db.read_session() as reading:
            await reading.execute(update(Household).values(head_name="Tidak boleh"))
            await reading.commit()
