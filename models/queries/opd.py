"""What an OPD key may read: the households, members and referrals of its sector in its area (decision 5 in docs/design.md).

Every function takes the key's ``KeyScope``; the sector decides which members are the agency's *targets*:
pendidikan → children of school age (6–21); kesehatan → pregnant women (expected delivery today or later) and
balita (under five); umkm → members referred to UMKM (the head when the referral names no member). Pages are
keyset-paginated on the id (``after`` = last id seen), so page 1,000 costs what page 1 costs. NIK, KK and phone
numbers are masked unless the key was created with ``--nik``; such a key also gets the birth year and month
instead of the birth date (``models/masking.py`` says why). Data minimisation (UU PDP): beyond the common fields,
a member carries only its sector's fields (``SECTOR_FIELDS``) — health data goes to kesehatan alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models.api_keys import KeyScope
from models.masking import age_by_month, birth_month, mask_nik, mask_number
from models.regions import RegionCodeError, is_within, level_of, normalize_region_code
from models.scope import within_area
from models.tables import (
    Household,
    HouseholdStatus,
    Member,
    MemberStatus,
    Referral,
    ReferralStatus,
    Region,
    Relation,
)

T = TypeVar("T")

CATEGORIES: dict[str, tuple[str, ...]] = {
    "pendidikan": ("usia_sekolah",),
    "kesehatan": ("ibu_hamil", "balita"),
    "umkm": ("dirujuk",),
}
# What each sector receives about a member beyond the common fields (id, masked or full NIK, name, sex, birth
# month, age, relation, category). Pregnancy and severe disability are health data (specific personal data in
# UU PDP): kesehatan only. UMKM works from the referral's need and the household's programme and address.
SECTOR_FIELDS: dict[str, tuple[str, ...]] = {
    "pendidikan": ("school_level", "school_name"),
    "kesehatan": ("pregnancy_edd", "severe_disability"),
    "umkm": (),
}
# A referral moves forward only: baru → diterima → ditangani (or straight to ditangani).
_ORDER = {ReferralStatus.NEW: 0, ReferralStatus.ACCEPTED: 1, ReferralStatus.HANDLED: 2}
_CODE_LENGTH = {1: 5, 2: 8, 3: 13}
# The household columns the API shows (not the whole row: less to read, and new columns need no API change).
_HOUSEHOLD_COLUMNS = (
    Household.id,
    Household.programme_code,
    Household.kk,
    Household.head_name,
    Household.address,
    Household.desa_code,
    Household.status,
    Household.phone,
)  # length of the next level's code below a provinsi/kabupaten/kecamatan


class OpdError(ValueError):
    """A request the key may not make or that cannot be answered; ``code`` is stable for API clients."""

    def __init__(self, code: str, message: str, **values: str) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_after: int | None


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: int
    household_id: int
    nik: str
    name: str
    sex: str
    birth_date: date | None  # only for keys that may see the NIK
    birth_month: str
    age_years: int
    relation: str
    category: str
    sector_fields: dict[str, Any]  # exactly ``SECTOR_FIELDS[sector]``
    desa_code: str = ""
    desa_name: str = ""


@dataclass(frozen=True, slots=True)
class HouseholdRow:
    id: int
    programme: str
    kk: str
    head_name: str
    address: str
    desa_code: str
    desa_name: str
    status: str
    phone: str | None
    targets: list[MemberRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ReferralRow:
    id: int
    household_id: int
    head_name: str
    desa_code: str
    desa_name: str
    member_id: int | None
    member_name: str | None
    member_nik: str | None
    need: str
    status: str
    status_note: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class AreaCount:
    code: str
    name: str
    households: int


@dataclass(frozen=True, slots=True)
class Stats:
    sector: str
    area_code: str
    households: int
    members: dict[str, int]
    referrals: dict[str, int]
    by_area: list[AreaCount]


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def resolve_area(scope: KeyScope, area: str | None) -> str:
    """The requested area, which must lie inside the key's; the key's own area when none is asked for."""
    if area is None or not area.strip():
        return scope.area_code
    try:
        code = normalize_region_code(area)
    except RegionCodeError:
        raise OpdError("invalid_area", "Kode wilayah tidak valid (contoh: 36.01 atau 36.01.01).") from None
    if not is_within(code, scope.area_code):
        raise OpdError("area_out_of_scope", "Wilayah ini di luar wilayah kunci API Anda.")
    return code


def _in_area(area: str) -> ColumnElement[bool]:
    """Households whose desa lies in ``area``, written so PostgreSQL picks the fast plan for each size of area.

    A province or kabupaten covers a large share of all households: the queries walk ids in order and test the
    prefix on the way (``LIKE '36.02.%'``). A kecamatan is small: ``desa_code IN (its desa codes)`` lets
    PostgreSQL look each desa up in the household index, whatever the database's collation (a LIKE prefix uses
    the index only under the C collation). Measured on 650k households: a kecamatan's pregnant women 132 ms p95
    instead of 1.04 s, while province-wide pages stay on their id walk.
    """
    level = level_of(area)
    if level >= 4:
        return Household.desa_code == area
    if level <= 2:
        return within_area(Household.desa_code, area)
    desa = select(Region.code).where(Region.level == 4, Region.code.startswith(area + "."))
    return Household.desa_code.in_(desa)


def _is_small(area: str) -> bool:
    """A kecamatan or desa: its targets are found through its households, then put in id order.

    A page of a kecamatan first picks the ids of the page — the kecamatan's households (index-only on
    ``ix_household_desa_status``, which carries the id) and their members' target fields (index-only on
    ``ix_member_household_id``, which carries them) — and reads the 101 full rows after. Reading full rows first
    fetched every member of every household of the kecamatan from the heap before sorting: 40,000 rows for a
    Tangerang kecamatan of 10,000 households, 157 ms p95 at province scale.

    The ids are ordered by ``id + 0``, not ``id``: ordered by the bare id, PostgreSQL may walk the primary key
    from the first household and test each one's desa, a bet that pays only when enough of the kecamatan's
    households happen to come early in id order (ids follow the order of registration, not of region). Over all
    155 kecamatan's first pages of households, that bet made the worst 59 ms; read area-first, the worst is 19 ms.
    """
    return level_of(area) >= 3


async def _page_plan(session: AsyncSession) -> None:
    """Pages of 100 are small reads: keep PostgreSQL from starting parallel workers for them.

    At province scale the planner chose a parallel plan for a kabupaten's page of pregnant women; starting the
    worker cost 20 ms on a query that runs in 2–6 ms alone (measured on the 2-CPU reference box). ``SET LOCAL``
    lasts until the end of this transaction only; exports and /stats keep their parallel plans.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


def _category_condition(sector: str, category: str, today: date) -> ColumnElement[bool]:
    if category == "usia_sekolah":
        return and_(Member.birth_date <= years_before(today, 6), Member.birth_date > years_before(today, 22))
    if category == "ibu_hamil":
        # No "IS NOT NULL" beside it: the comparison implies it (both databases still use the partial indexes),
        # and PostgreSQL, multiplying the two, guessed 375 pregnant women instead of 28,000 and chose plans
        # that probed every one of them (a kabupaten's households page: 100 ms instead of 5–20 ms).
        return Member.pregnancy_edd >= today
    if category == "balita":
        return and_(Member.birth_date > years_before(today, 5), Member.birth_date <= today)
    if category == "dirujuk":
        umkm = Referral.sector == sector
        named = select(Referral.member_id).where(umkm, Referral.member_id.is_not(None))
        unnamed = select(Referral.household_id).where(umkm, Referral.member_id.is_(None))
        return or_(Member.id.in_(named), and_(Member.relation == Relation.KEPALA, Member.household_id.in_(unnamed)))
    raise OpdError("invalid_category", "Kategori tidak dikenal untuk sektor kunci ini.")


def _targets(scope: KeyScope, today: date, category: str | None) -> ColumnElement[bool]:
    allowed = CATEGORIES[scope.sector]
    if category is not None and category not in allowed:
        raise OpdError(
            "invalid_category",
            f"Kategori untuk sektor {scope.sector}: {', '.join(allowed)}.",
            allowed=", ".join(allowed),
        )
    chosen = (category,) if category else allowed
    return and_(
        Member.status == MemberStatus.AKTIF, or_(*(_category_condition(scope.sector, c, today) for c in chosen))
    )


def category_of(scope: KeyScope, member: Member, today: date) -> str:
    """Which of the sector's categories a target member falls in (pregnancy first, it is the rarer one)."""
    if scope.sector == "kesehatan":
        if member.pregnancy_edd is not None and member.pregnancy_edd >= today:
            return "ibu_hamil"
        return "balita"
    return CATEGORIES[scope.sector][0]


def _sector_value(m: Member, name: str) -> Any:
    if name == "school_level":
        return m.school_level.value if m.school_level else None
    return getattr(m, name)


def _member_row(scope: KeyScope, m: Member, today: date, desa_code: str = "", desa_name: str = "") -> MemberRow:
    full = scope.can_see_nik
    return MemberRow(
        id=m.id,
        household_id=m.household_id,
        nik=m.nik if full else str(mask_nik(m.nik)),
        name=m.name,
        sex=m.sex.value,
        birth_date=m.birth_date if full else None,
        birth_month=birth_month(m.birth_date),
        age_years=age_on(m.birth_date, today) if full else age_by_month(m.birth_date, today),
        relation=m.relation.value,
        category=category_of(scope, m, today),
        sector_fields={name: _sector_value(m, name) for name in SECTOR_FIELDS[scope.sector]},
        desa_code=desa_code,
        desa_name=desa_name,
    )


async def members(
    session: AsyncSession,
    scope: KeyScope,
    *,
    today: date,
    limit: int,
    after: int | None = None,
    area: str | None = None,
    category: str | None = None,
    in_school: bool | None = None,
) -> Page[MemberRow]:
    """The sector's target members in the area; ``in_school=False`` → school-age children not in school."""
    code = resolve_area(scope, area)
    conditions: list[Any] = [
        _in_area(code),
        Household.status == HouseholdStatus.AKTIF,
        _targets(scope, today, category),
    ]
    if in_school is not None:
        conditions.append(Member.school_level.is_not(None) if in_school else Member.school_level.is_(None))
    if after is not None:
        conditions.append(Member.id > after)
    query = (
        select(Member, Household.desa_code, Region.name)
        .join(Household, Household.id == Member.household_id)
        .join(Region, Region.code == Household.desa_code)
    )
    if _is_small(code):
        ids = select(Member.id).join(Household, Household.id == Member.household_id).where(*conditions)
        query = query.where(Member.id.in_(ids.order_by(Member.id + 0).limit(limit + 1).scalar_subquery()))
    else:
        query = query.where(*conditions)
    await _page_plan(session)
    rows = (await session.execute(query.order_by(Member.id).limit(limit + 1))).all()
    items = [_member_row(scope, m, today, code, name) for m, code, name in rows[:limit]]
    return Page(items, items[-1].id if len(rows) > limit else None)


async def households(
    session: AsyncSession,
    scope: KeyScope,
    *,
    today: date,
    limit: int,
    after: int | None = None,
    area: str | None = None,
    category: str | None = None,
    status: HouseholdStatus | None = HouseholdStatus.AKTIF,
) -> Page[HouseholdRow]:
    """Households of the area with at least one target member, each with those members."""
    target = _targets(scope, today, category)
    code = resolve_area(scope, area)
    has_target = exists().where(Member.household_id == Household.id, target)
    if after is not None:
        # Said again for the members: PostgreSQL does not carry ``household.id > after`` across the join, and a
        # merge join then read the member index from the first household on every page (a kabupaten's 30th
        # page of pregnant women's households: 117 ms instead of 8).
        has_target = has_target.where(Member.household_id > after)
    conditions: list[Any] = [_in_area(code), has_target]
    if status is not None:
        conditions.append(Household.status == status)
    if after is not None:
        conditions.append(Household.id > after)
    query = select(*_HOUSEHOLD_COLUMNS, Region.name.label("desa_name")).join(Region, Region.code == Household.desa_code)
    if _is_small(code):
        ids = select(Household.id).where(*conditions).order_by(Household.id + 0).limit(limit + 1)
        query = query.where(Household.id.in_(ids.scalar_subquery()))
    else:
        query = query.where(*conditions)
    await _page_plan(session)
    rows = (await session.execute(query.order_by(Household.id).limit(limit + 1))).all()
    page = rows[:limit]
    by_household: dict[int, list[MemberRow]] = {}
    if page:
        found = await session.scalars(
            select(Member).where(Member.household_id.in_([h.id for h in page]), target).order_by(Member.id)
        )
        for m in found:
            by_household.setdefault(m.household_id, []).append(_member_row(scope, m, today))
    items = [
        HouseholdRow(
            id=h.id,
            programme=h.programme_code,
            kk=h.kk if scope.can_see_nik else str(mask_number(h.kk)),
            head_name=h.head_name,
            address=h.address,
            desa_code=h.desa_code,
            desa_name=h.desa_name,
            status=HouseholdStatus(h.status).value,
            phone=h.phone if scope.can_see_nik else mask_number(h.phone),
            targets=by_household.get(h.id, []),
        )
        for h in page
    ]
    return Page(items, items[-1].id if len(rows) > limit else None)


def _referral_select(scope: KeyScope, area: str) -> Any:
    return (
        select(Referral, Household.head_name, Household.desa_code, Region.name, Member.name, Member.nik)
        .join(Household, Household.id == Referral.household_id)
        .join(Region, Region.code == Household.desa_code)
        .outerjoin(Member, Member.id == Referral.member_id)
        .where(Referral.sector == scope.sector, _in_area(area))
    )


def _referral_row(scope: KeyScope, row: Any) -> ReferralRow:
    r, head, code, desa, member_name, nik = row
    return ReferralRow(
        id=r.id,
        household_id=r.household_id,
        head_name=head,
        desa_code=code,
        desa_name=desa,
        member_id=r.member_id,
        member_name=member_name,
        member_nik=nik if scope.can_see_nik else mask_nik(nik),
        need=r.need,
        status=r.status.value,
        status_note=r.status_note,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


async def referrals(
    session: AsyncSession,
    scope: KeyScope,
    *,
    limit: int,
    after: int | None = None,
    area: str | None = None,
    status: ReferralStatus | None = None,
) -> Page[ReferralRow]:
    stmt = _referral_select(scope, resolve_area(scope, area))
    if status is not None:
        stmt = stmt.where(Referral.status == status)
    if after is not None:
        stmt = stmt.where(Referral.id > after)
    await _page_plan(session)
    rows = (await session.execute(stmt.order_by(Referral.id).limit(limit + 1))).all()
    items = [_referral_row(scope, row) for row in rows[:limit]]
    return Page(items, items[-1].id if len(rows) > limit else None)


async def referral(session: AsyncSession, scope: KeyScope, referral_id: int) -> ReferralRow | None:
    """One referral, or None when it does not exist *or* is another sector's or area's (indistinguishable)."""
    row = (await session.execute(_referral_select(scope, scope.area_code).where(Referral.id == referral_id))).first()
    return _referral_row(scope, row) if row is not None else None


async def update_referral(
    session: AsyncSession,
    scope: KeyScope,
    referral_id: int,
    status: ReferralStatus,
    note: str | None,
    now: datetime,
) -> tuple[dict[str, Any], ReferralRow]:
    """The agency's one write: accept or mark handled, with a note. Returns (before, after)."""
    target = await session.scalar(
        select(Referral)
        .join(Household, Household.id == Referral.household_id)
        .where(
            Referral.id == referral_id,
            Referral.sector == scope.sector,
            _in_area(scope.area_code),
        )
        .with_for_update(of=Referral)
    )
    if target is None:
        raise OpdError("not_found", "Rujukan tidak ditemukan.")
    if status is ReferralStatus.NEW:
        raise OpdError("invalid_status", "Status hanya bisa diubah menjadi diterima atau ditangani.")
    if _ORDER[status] < _ORDER[target.status]:
        raise OpdError(
            "status_backwards",
            f"Rujukan sudah {target.status.value}; status tidak bisa mundur.",
            current=target.status.value,
        )
    before = {"status": target.status.value, "note": target.status_note}
    target.status = status
    if note is not None:
        target.status_note = note
    target.updated_at = now
    await session.flush()
    row = await referral(session, scope, referral_id)
    assert row is not None
    return before, row


async def stats(session: AsyncSession, scope: KeyScope, *, today: date, area: str | None = None) -> Stats:
    """Counts for the sector in the area, and households per next-level region."""
    code = resolve_area(scope, area)
    in_area = _in_area(code)
    active = Household.status == HouseholdStatus.AKTIF
    target = _targets(scope, today, None)
    has_target = exists().where(Member.household_id == Household.id, target)
    households_total = int(
        await session.scalar(select(func.count()).select_from(Household).where(in_area, active, has_target)) or 0
    )
    per_category: dict[str, int] = {}
    for category in CATEGORIES[scope.sector]:
        per_category[category] = int(
            await session.scalar(
                select(func.count())
                .select_from(Member)
                .join(Household, Household.id == Member.household_id)
                .where(in_area, active, _targets(scope, today, category))
            )
            or 0
        )
    referral_counts = {s.value: 0 for s in ReferralStatus}
    for status, n in await session.execute(
        select(Referral.status, func.count())
        .join(Household, Household.id == Referral.household_id)
        .where(Referral.sector == scope.sector, in_area)
        .group_by(Referral.status)
    ):
        referral_counts[ReferralStatus(status).value] = int(n)
    return Stats(
        scope.sector,
        code,
        households_total,
        per_category,
        referral_counts,
        await _by_area(session, code, and_(in_area, active, has_target)),
    )


async def _by_area(session: AsyncSession, code: str, condition: ColumnElement[bool]) -> list[AreaCount]:
    length = _CODE_LENGTH.get(level_of(code))
    if length is None:
        return []
    child = func.substr(Household.desa_code, 1, length).label("child")
    counts = (await session.execute(select(child, func.count()).where(condition).group_by(child).order_by(child))).all()
    names = dict(
        (await session.execute(select(Region.code, Region.name).where(Region.code.in_([c for c, _ in counts])))).all()
    )
    return [AreaCount(c, names.get(c, c), int(n)) for c, n in counts]


def known_categories(sector: str) -> Sequence[str]:
    return CATEGORIES.get(sector, ())
