"""Who a visitor of the demo page can be: roster people from the database, each with a stable Telegram id.

This is a demo tool's view of the roster, deliberately unscoped (the visitor plays *any* officer), so it lives
beside the demo and not in ``models/queries`` where every query takes an acting user.

A roster person keeps the same simulated Telegram id across visits (their real one if the database already
links them, otherwise one derived from the user id), so a visitor who comes back continues the same chat and
finds the account already linked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.regions import parent_of
from models.tables import Household, Region, Role, User

DEMO_TELEGRAM_BASE = 7_000_000_000
"""Derived ids live far above the ids tests and benchmarks use, and below the page's strangers (8e9 +)."""

PENDAMPING_LIMIT = 30

# Rough centres of Banten's kabupaten/kota: a location preset when a person's households have no coordinates.
AREA_CENTRES: dict[str, tuple[float, float]] = {
    "36.01": (-6.3098, 106.1032),  # Kabupaten Pandeglang
    "36.02": (-6.5597, 106.2522),  # Kabupaten Lebak
    "36.03": (-6.1873, 106.4866),  # Kabupaten Tangerang
    "36.04": (-6.1400, 106.1500),  # Kabupaten Serang
    "36.71": (-6.1783, 106.6319),  # Kota Tangerang
    "36.72": (-6.0025, 106.0111),  # Kota Cilegon
    "36.73": (-6.1201, 106.1503),  # Kota Serang
    "36.74": (-6.2886, 106.7179),  # Kota Tangerang Selatan
}
DEFAULT_CENTRE = AREA_CENTRES["36.73"]


@dataclass(frozen=True, slots=True)
class DemoPerson:
    user_id: int
    telegram_id: int
    name: str
    role: str
    area_code: str
    area_name: str
    phone: str
    linked: bool
    latitude: float
    longitude: float

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["location"] = {"latitude": data.pop("latitude"), "longitude": data.pop("longitude")}
        return data


def demo_telegram_id(user_id: int, linked_id: int | None) -> int:
    """The simulated Telegram id of a roster person: their linked one, else a stable derived one."""
    return linked_id if linked_id is not None else DEMO_TELEGRAM_BASE + user_id


def spread_over_areas(rows: Sequence[User], limit: int) -> list[User]:
    """Up to ``limit`` people taken round-robin over kabupaten/kota, so the list shows the whole province."""
    groups: dict[str, list[User]] = defaultdict(list)
    for row in sorted(rows, key=lambda u: (u.area_code, u.name, u.id)):
        groups[row.area_code[:5]].append(row)
    picked: list[User] = []
    queues = [groups[key] for key in sorted(groups)]
    while len(picked) < limit and any(queues):
        for queue in queues:
            if queue and len(picked) < limit:
                picked.append(queue.pop(0))
    return sorted(picked, key=lambda u: (u.area_code, u.name, u.id))


def area_label(code: str, names: dict[str, str]) -> str:
    """``Kec. Cibeber, Kabupaten Lebak`` — the person's area and the one above it, as people say it."""
    name = names.get(code, code)
    parent = parent_of(code)
    level = code.count(".") + 1
    if level == 3:
        name = f"Kec. {name}"
    elif level == 4:
        name = f"Desa/Kel. {name}"
    if parent is not None and level >= 3 and parent in names:
        parent_name = names[parent] if level == 3 else f"Kec. {names[parent]}"
        return f"{name}, {parent_name}"
    return name


async def demo_people(session: AsyncSession, *, pendamping_limit: int = PENDAMPING_LIMIT) -> list[DemoPerson]:
    """Admins, every koordinator, and pendamping spread over the province; active people with a phone only."""
    users = (
        await session.scalars(select(User).where(User.active.is_(True), User.phone.is_not(None)).order_by(User.id))
    ).all()
    supervisors = [u for u in users if u.role in (Role.ADMIN, Role.KOORDINATOR)]
    pendamping = spread_over_areas([u for u in users if u.role == Role.PENDAMPING], pendamping_limit)
    chosen = sorted(supervisors, key=lambda u: (u.role != Role.ADMIN, u.area_code, u.name)) + pendamping
    names = await _region_names(session, _codes_and_parents(u.area_code for u in chosen))
    centres = await _household_centres(session, [u.id for u in pendamping])
    people = []
    for user in chosen:
        latitude, longitude = centres.get(user.id) or AREA_CENTRES.get(user.area_code[:5], DEFAULT_CENTRE)
        people.append(
            DemoPerson(
                user_id=user.id,
                telegram_id=demo_telegram_id(user.id, user.telegram_id),
                name=user.name,
                role=str(Role(user.role)),
                area_code=user.area_code,
                area_name=area_label(user.area_code, names),
                phone=user.phone or "",
                linked=user.telegram_id is not None,
                latitude=latitude,
                longitude=longitude,
            )
        )
    return people


def _codes_and_parents(codes: Iterable[str]) -> set[str]:
    wanted: set[str] = set()
    for code in codes:
        wanted.add(code)
        parent = parent_of(code)
        if parent is not None:
            wanted.add(parent)
    return wanted


async def _region_names(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = await session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    return {code: name for code, name in rows}


async def _household_centres(session: AsyncSession, user_ids: list[int]) -> dict[int, tuple[float, float]]:
    """The mean position of each pendamping's households that have coordinates: a point near their desa."""
    if not user_ids:
        return {}
    rows = await session.execute(
        select(Household.pendamping_id, func.avg(Household.latitude), func.avg(Household.longitude))
        .where(
            Household.pendamping_id.in_(user_ids),
            Household.latitude.is_not(None),
            Household.longitude.is_not(None),
        )
        .group_by(Household.pendamping_id)
    )
    return {int(pid): (float(lat), float(lon)) for pid, lat, lon in rows if pid is not None}
