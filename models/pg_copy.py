"""PostgreSQL's binary COPY, shared by the synthetic-data seed and the production household import.

It lives in neither package: production code (the import) must not depend on the synthetic-data package.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection


async def copy_records(
    conn: AsyncConnection, table: str, columns: Sequence[str], records: Iterable[tuple[Any, ...]]
) -> None:
    """PostgreSQL ``COPY table (columns) FROM STDIN`` (binary) of ``records``, inside ``conn``'s transaction.

    The fastest way to put many rows into PostgreSQL: asyncpg encodes each record with the column's codec, the
    server parses no SQL and plans nothing. Columns left out take their defaults (``id`` from its sequence). The
    seed (``models/seeding/writer.py``) and the household import (``models/importing/copying.py``) use it;
    ``bench/import_bench.py`` measures against it.
    """
    if isinstance(records, Sequence) and not records:
        return
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(table, records=records, columns=list(columns))
