"""Which database belongs to the demo: one the demo created itself, marked by an audit row when it claimed it.

``jsika run`` without a token serves the demo, and the demo lets anyone on its port pick any roster person and
act as them (``/demo/people`` lists them all). On a production database that is every pendamping and admin, so the
demo must recognise its own database and refuse any other. A database is the demo's when it carries the mark; an
empty one (nothing but migrations and reference data: no people, households, keys, invites or audit trail) may be
claimed and marked; anything else holds someone's data.
"""

from __future__ import annotations

from sqlalchemy import exists, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.tables import ApiKey, Audit, Household, Invite, User

DEMO_MARK = "demo.database"


async def is_demo_database(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(exists().where(Audit.action == DEMO_MARK))))


async def holds_data(session: AsyncSession) -> bool:
    """Whether anything beyond the schema and the reference data is stored (someone has used this database)."""
    for table in (User, Household, ApiKey, Invite, Audit):
        if await session.scalar(select(exists().select_from(table))):
            return True
    return False


async def may_hold_demo(session: AsyncSession) -> bool:
    """Read-only: whether the demo may use this database — one without our schema yet (a fresh file or an empty
    PostgreSQL database), the demo's own, or an empty one. Asked before migrating, so that a production database
    is refused as it stands instead of being migrated by a process that then refuses to serve it."""
    connection = await session.connection()
    if not await connection.run_sync(lambda sync: inspect(sync).has_table(Audit.__tablename__)):
        return True
    return await is_demo_database(session) or not await holds_data(session)


async def claim_for_demo(session: AsyncSession) -> bool:
    """Mark an empty database as the demo's and return True; True also when it already is; False otherwise."""
    if await is_demo_database(session):
        return True
    if await holds_data(session):
        return False
    await audit.record(
        session,
        actor_type="system",
        actor_id="demo",
        action=DEMO_MARK,
        entity="database",
        entity_id=None,
        detail="basis data kosong ini dipakai demo (data sintetis saja)",
    )
    return True
