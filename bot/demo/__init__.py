"""``jsika demo``: the sandbox, a seeded demo province and the web chat page, on one local port.

``bot.service`` starts the real bot against what :func:`demo_services` yields, so the demo runs exactly the code
that talks to Telegram in production — only the Bot API at the other end is simulated. See ``docs/demo.md``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from bot.config import Settings
from bot.demo.routes import page_configurer
from bot.sandbox.config import SandboxConfig
from bot.sandbox.runner import SandboxHandle, run_sandbox
from handlers.i18n import N_
from models import api_keys, demo_mark
from models import inbox_upkeep as inbox_queries
from models.db import Database
from models.tables import Household

log = logging.getLogger(__name__)

DEMO_HOUSEHOLDS = 300
DEMO_SEED = 36  # Banten's province code: the same demo province on every machine
DEMO_CASELOAD = 25
"""Households per demo pendamping: smaller than a real caseload (~200) so 300 households give a dozen pendamping
spread over the province to choose from, each with enough families to try every command."""
DEMO_CHAT_BURST = 20
"""Messages one chat may receive at once before the 1-per-second limit bites.

Telegram tolerates short bursts in a private chat; a person tapping through the visit form quickly makes a few
edits a second for a moment, and a refused edit would be a lost answer on screen. The sustained per-chat rate
and the global 30 messages/s stay Telegram's, so the outbox and the reminders are still held to them.
"""


DEMO_KEY_NAME = "Demo OPD (data contoh)"
DEMO_KEY_SECTOR = "kesehatan"
DEMO_KEY_AREA = "36"  # the whole (demo) province


async def demo_api_key(db: Database, *, now: datetime) -> str:
    """A fresh OPD API key over the demo province, for a trainer to show the API; the last start's is revoked.

    Only the demo creates it (``bot.service``), on the demo's database: the key sees synthetic families. A key is
    shown once and stored hashed, so each start makes a new one instead of reprinting an old one.
    """
    async with db.session() as session:
        for key in await api_keys.list_keys(session):
            if key.name == DEMO_KEY_NAME and key.revoked_at is None:
                await api_keys.revoke_key(session, str(key.id), now, by="demo")
        _, plain = await api_keys.create_key(
            session,
            name=DEMO_KEY_NAME,
            sector=DEMO_KEY_SECTOR,
            area=DEMO_KEY_AREA,
            can_see_nik=False,
            rate_limit_per_minute=api_keys.MAX_RATE_LIMIT,
            now=now,
            created_by="demo",
        )
    return plain


REFUSED = N_(
    "Basis data ini berisi data sungguhan, bukan buatan demo; demo tidak dijalankan. Setel TELEGRAM_BOT_TOKEN "
    "untuk menjalankan bot, atau JSIKA_DATABASE_URL ke basis data baru untuk demo "
    "(misalnya sqlite+aiosqlite:///./demo.db)."
)


class DemoRefused(Exception):
    """The database is not the demo's: it holds real people, so the demo must not serve it (``REFUSED``)."""


async def refuse_unless_demo_database(db: Database) -> None:
    """Refuse, before anything is written or migrated, a database that holds someone's data (``REFUSED``)."""
    async with db.session() as session:
        if not await demo_mark.may_hold_demo(session):
            raise DemoRefused(REFUSED)


async def claim_database(db: Database) -> None:
    """Let the demo run only on a database it created: claim an empty one, refuse one that holds anyone's data.

    The demo page lists every roster person and lets a visitor act as any of them; on a production database that
    would hand the real roster and the admin's powers to whoever reaches the demo port.
    """
    async with db.session() as session:
        if not await demo_mark.claim_for_demo(session):
            raise DemoRefused(REFUSED)


@dataclass(frozen=True, slots=True)
class DemoServices:
    sandbox: SandboxHandle
    seeded: bool
    """True when this start seeded the (empty) database."""


def demo_sandbox_config(settings: Settings, *, first_update_id: int = 1) -> SandboxConfig:
    return SandboxConfig(
        first_update_id=first_update_id,
        rate_limits=settings.sandbox_rate_limits,
        bot_username=settings.bot_username,
        bot_first_name="JSiKa Bot",
        chat_burst=DEMO_CHAT_BURST,
    )


async def next_update_id(db: Database) -> int:
    """Where the sandbox's update ids continue: after every id the inbox still holds from earlier runs.

    The sandbox keeps no state of its own between starts; the inbox is the record of the ids it handed out. A
    restarted demo that began at 1 again saw its first updates taken for repeats of the last run's.
    """
    async with db.session() as session:
        return await inbox_queries.highest_update_id(session) + 1


async def has_households(db: Database) -> bool:
    async with db.session() as session:
        return await session.scalar(select(Household.id).limit(1)) is not None


async def seed_if_empty(db: Database, *, households: int, today: date) -> bool:
    """Seed the demo province unless the database already has households; True when it seeded.

    Any household counts as "not empty": a real import must never be mixed with synthetic families.
    """
    if households <= 0 or await has_households(db):
        return False
    from models.seed import SeedOptions, seed_database

    log.info("seeding a demo province: %d households", households)
    options = SeedOptions(households=households, seed=DEMO_SEED, households_per_pendamping=DEMO_CASELOAD)
    result = await seed_database(db, options, today=today)
    log.info(
        "demo province seeded: %d households, %d pendamping, %d koordinator, %d visits in %.1f s",
        result.households,
        result.pendamping,
        result.koordinator,
        result.visits,
        result.seconds,
    )
    return True


@asynccontextmanager
async def demo_services(
    settings: Settings,
    db: Database,
    *,
    port: int | None = None,
    households: int = DEMO_HOUSEHOLDS,
    today: date | None = None,
) -> AsyncIterator[DemoServices]:
    """Seed an empty database, then serve the sandbox with the web chat page at ``/`` until the block exits.

    ``port`` overrides ``settings.demo_port`` (tests pass 0 for any free port); ``households=0`` skips seeding.
    """
    await claim_database(db)
    day = today or datetime.now(settings.tz).date()
    seeded = await seed_if_empty(db, households=households, today=day)
    async with run_sandbox(
        demo_sandbox_config(settings, first_update_id=await next_update_id(db)),
        host=settings.demo_host,
        port=settings.demo_port if port is None else port,
        configure=page_configurer(db),
    ) as sandbox:
        yield DemoServices(sandbox=sandbox, seeded=seeded)
