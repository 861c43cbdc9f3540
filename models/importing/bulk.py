"""Inserting thousands of rows in one statement.

SQLite gets an ordinary executemany. On PostgreSQL the same ``insert(table)`` is fed from arrays instead —
``INSERT INTO t (…) SELECT … FROM unnest($1::BIGINT[], $2::TEXT[], …)`` — one statement and one set of
parameters per batch: asyncpg encodes each column as one array, and the server plans and runs one INSERT instead
of thousands, which costs both sides less CPU than executemany (docs/tuning.md). The statements are SQLAlchemy Core on both databases; only the shape of the
parameters differs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Integer,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
)
from sqlalchemy import select as sql_select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator, TypeEngine

from models.base import UtcDateTime


def _array_type(column_type: TypeEngine[Any]) -> tuple[TypeEngine[Any], str]:
    """The plain element type to send a column as, and how to prepare its values: "" | "enum" | "json"."""
    if isinstance(column_type, UtcDateTime):
        return DateTime(timezone=True), ""
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    variant = getattr(column_type, "_variant_mapping", {}).get("postgresql")
    if variant is not None:
        column_type = variant
    if isinstance(column_type, (JSON, JSONB)):
        return Text(), "json"
    if isinstance(column_type, (BigInteger, Integer)):
        return BigInteger(), ""
    if isinstance(column_type, DateTime):
        return DateTime(timezone=True), ""
    if isinstance(column_type, Date):
        return Date(), ""
    if isinstance(column_type, Boolean):
        return Boolean(), ""
    if isinstance(column_type, Enum):
        return Text(), "enum"  # portable enums (VARCHAR + CHECK): send the member's value
    return Text(), ""


class BulkInsert:
    """``await BulkInsert(table, columns, returning).execute(session, rows)`` with ``rows`` as mappings."""

    def __init__(self, table: Table, columns: Sequence[str], returning: Sequence[str] = ()) -> None:
        self.table = table
        self.columns = list(columns)
        self.returning = [table.c[name] for name in returning]
        self._prepare = {name: _array_type(table.c[name].type)[1] for name in self.columns}
        arrays = [bindparam(f"u_{name}", type_=ARRAY(_array_type(table.c[name].type)[0])) for name in self.columns]
        source = func.unnest(*arrays).table_valued(*self.columns).render_derived()
        values = [
            cast(source.c[name], JSONB) if self._prepare[name] == "json" else source.c[name] for name in self.columns
        ]
        statement = insert(table).from_select(self.columns, sql_select(*values))
        self._unnest = statement.returning(*self.returning) if self.returning else statement
        plain = insert(table)
        self._executemany = plain.returning(*self.returning) if self.returning else plain

    async def execute(self, session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> Result[Any] | None:
        if not rows:
            return None
        if session.get_bind().dialect.name != "postgresql":
            return await session.execute(
                self._executemany, [{name: row[name] for name in self.columns} for row in rows]
            )
        params: dict[str, list[Any]] = {}
        for name in self.columns:
            values = [row[name] for row in rows]
            how = self._prepare[name]
            if how == "enum":
                values = [v if v is None or type(v) is str else v.value for v in values]
            elif how == "json":
                values = [json.dumps(v) for v in values]
            params[f"u_{name}"] = values
        return await session.execute(self._unnest, params)
