"""Reference data that ships with the code: Banten's regions and the programme rule files.

Synced after every migration run so that a new region list or an edited rule file reaches the database with
``jsika db upgrade`` — no hand-written SQL, and idempotent.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from models.db import Database
from models.regions import shipped_regions
from models.rules import load_programme_files
from models.tables import Programme, Region

log = logging.getLogger(__name__)


async def sync_reference_data(db: Database, programmes_dir: str | None = None) -> tuple[int, int]:
    """Insert or update regions and programmes; returns (regions changed, programmes changed)."""
    regions_changed = 0
    async with db.session() as session:
        existing = {r.code: r for r in (await session.scalars(select(Region))).all()}
        # Parents first so the self-referencing foreign key holds on every insert.
        for row in sorted(shipped_regions(), key=lambda r: r.level):
            current = existing.get(row.code)
            if current is None:
                session.add(Region(code=row.code, name=row.name, level=row.level, parent_code=row.parent_code))
                regions_changed += 1
            elif (current.name, current.level, current.parent_code) != (row.name, row.level, row.parent_code):
                current.name, current.level, current.parent_code = row.name, row.level, row.parent_code
                regions_changed += 1
            if regions_changed and regions_changed % 500 == 0:
                await session.flush()
        await session.flush()

        programmes_changed = 0
        for rules in load_programme_files(programmes_dir):
            fingerprint = rules.fingerprint()
            stored = await session.get(Programme, rules.code)
            payload = rules.model_dump(mode="json", by_alias=True)
            if stored is None:
                session.add(
                    Programme(
                        code=rules.code,
                        name=rules.name,
                        area_code=rules.area,
                        rules=payload,
                        rules_hash=fingerprint,
                    )
                )
                programmes_changed += 1
            elif stored.rules_hash != fingerprint:
                stored.name, stored.area_code, stored.rules, stored.rules_hash = (
                    rules.name,
                    rules.area,
                    payload,
                    fingerprint,
                )
                programmes_changed += 1
    if regions_changed or programmes_changed:
        log.info("reference data synced: %d regions, %d programmes", regions_changed, programmes_changed)
    return regions_changed, programmes_changed
