"""What the hand-counted test worlds share (``supervisor_world``: November 2026's supervisor reports;
``period_close_world``: October 2026's disbursement list): the ids a world hands its tests, its people, and the
acting user behind a key. Each world keeps its own households, visits and the numbers derived from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from models import users
from models.actor import Actor
from models.db import Database
from models.tables import Role, User

Person = tuple[str, str, Role, str]  # key, name, role, area code

SUPERVISORS: tuple[Person, ...] = (
    ("admin", "Ibu Ratna", Role.ADMIN, "36"),
    ("dedi", "Pak Dedi", Role.KOORDINATOR, "36.02"),  # Kabupaten Lebak
    ("joko", "Pak Joko", Role.KOORDINATOR, "36.03"),  # Kabupaten Tangerang
)
"""The province's admin and two kabupaten koordinators, the same people in every world (phones differ per world)."""


@dataclass
class World:
    """The database ids of a built world, by the keys its docstring uses (``"dedi"``, ``"h1"``, ``"tingkat3"``)."""

    users: dict[str, int] = field(default_factory=dict)
    households: dict[str, int] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)


async def add_people(session: AsyncSession, world: World, people: Iterable[Person], phones: Mapping[str, str]) -> None:
    """Each person on the roster, with the phone they register with in the e2e tests; ids into ``world.users``."""
    for key, name, role, area in people:
        world.users[key] = (await users.add_user(session, name=name, phone=phones[key], role=role, area=area)).id


async def actor(db: Database, world: World, key: str) -> Actor:
    """The acting user ``key``, as a handler or the CLI would have them."""
    async with db.session() as session:
        user = await session.get(User, world.users[key])
        assert user is not None
        return Actor.of(user)
