"""Small async builders for test data: a user, a household with members, a visit with its checks.

Each takes the session (flushes, never commits) and fills what a test does not care about with valid values:
NIKs and KKs match the desa's kecamatan and the member's birth date and sex, phones are distinct +62 numbers.
Serials count down from 9999 so they never meet the seed's, which count up from 0001.

    async with db.session() as s:
        pendamping = await make_user(s, role=Role.PENDAMPING, area="36.01.01")
        household = await make_household(s, pendamping=pendamping, members=[
            {"name": "Hidayat", "age": 41},
            {"name": "Siti Aminah", "relation": Relation.ISTRI, "sex": Sex.P, "pregnancy_edd": date(2027, 1, 5)},
            {"name": "Rizki", "relation": Relation.ANAK, "birth_date": date(2016, 7, 1), "school_level": SchoolLevel.SD},
        ])
        members = await members_of(s, household)
        visit = await make_visit(s, household, checks=[(members[2], "pendidikan_kehadiran", CheckResult.MET)])
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.period import Period
from models.regions import normalize_region_code
from models.seeding.identity import SerialCounter, kecamatan_digits, make_kk, make_nik
from models.tables import (
    CheckResult,
    CommitmentCheck,
    Household,
    HouseholdStatus,
    Member,
    MemberStatus,
    Relation,
    ReviewStatus,
    Role,
    SchoolLevel,
    Sex,
    User,
    Visit,
)

TODAY = date(2026, 11, 24)  # the e2e clock's day; ``age=`` counts from here unless ``on=`` says otherwise
DEFAULT_DESA = "36.01.01.2001"  # Sumberjaya, Kec. Sumur, Kab. Pandeglang
REGISTERED = datetime(2025, 1, 6, 3, 0, tzinfo=UTC)  # default created_at: a KPM long before the tests' periods
DEFAULT_AREA = {Role.PENDAMPING: "36.01.01", Role.KOORDINATOR: "36.01", Role.ADMIN: "36"}

_niks = SerialCounter(start=9999, step=-1)
_kks = SerialCounter(start=9999, step=-1)
_phones = itertools.count(1)
_names = itertools.count(1)


def unique_phone() -> str:
    """A distinct, well-formed +62 mobile number (+62899… is not handed out by the seed)."""
    return f"+62899{next(_phones):08d}"


def nik_for(desa: str, birth: date, sex: Sex | str) -> str:
    """A fresh valid NIK for someone born on ``birth`` registered in ``desa``'s kecamatan."""
    kec = kecamatan_digits(normalize_region_code(desa))
    return make_nik(kec, birth, Sex(sex).value, _niks.take(kec, birth))


def kk_for(desa: str, issued: date = date(2020, 1, 15)) -> str:
    kec = kecamatan_digits(normalize_region_code(desa))
    return make_kk(kec, issued, _kks.take(kec, issued))


def birth_for_age(years: int, on: date = TODAY) -> date:
    """Someone who turned ``years`` about three months before ``on``."""
    day = on - timedelta(days=90)
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


async def make_user(
    session: AsyncSession,
    role: Role = Role.PENDAMPING,
    area: str | None = None,
    phone: str | None = None,
    telegram_id: int | None = None,
    *,
    name: str | None = None,
    active: bool = True,
    language: str = "id",
) -> User:
    user = User(
        role=role,
        area_code=normalize_region_code(area) if area else DEFAULT_AREA[role],
        phone=phone or unique_phone(),
        telegram_id=telegram_id,
        name=name or f"Petugas {role.value.title()} {next(_names)}",
        active=active,
        language=language,
        linked_at=datetime.now(UTC) if telegram_id is not None else None,
    )
    session.add(user)
    await session.flush()
    return user


async def make_household(
    session: AsyncSession,
    pendamping: User | None = None,
    desa: str = DEFAULT_DESA,
    members: Sequence[Mapping[str, Any]] | None = None,
    *,
    programme: str = "JAMSOSRATU",
    kk: str | None = None,
    address: str = "Kp. Babakan RT 001/RW 002",
    phone: str | None = None,
    status: HouseholdStatus = HouseholdStatus.AKTIF,
    latitude: float | None = None,
    longitude: float | None = None,
    registered: datetime = REGISTERED,
) -> Household:
    """A household and its members. ``members``: dicts of ``make_member`` keywords; the first is the head unless
    one says ``relation=Relation.KEPALA``. Without ``members``: a head (41), his wife (37) and a son (9, SD).
    ``registered`` (its ``created_at``): long before the periods tests stand in, unless a test says otherwise."""
    desa = normalize_region_code(desa)
    specs = [dict(m) for m in members] if members is not None else _default_family()
    for spec in specs:
        spec["relation"] = Relation(spec.get("relation", Relation.ANAK))
    heads = [spec for spec in specs if spec["relation"] is Relation.KEPALA]
    if specs and not heads:
        specs[0]["relation"] = Relation.KEPALA
        heads = [specs[0]]
    head_name = heads[0].setdefault("name", f"Kepala Keluarga {next(_names)}") if heads else f"Keluarga {next(_names)}"
    household = Household(
        programme_code=programme,
        kk=kk or kk_for(desa),
        head_name=head_name,
        address=address,
        desa_code=desa,
        pendamping_id=pendamping.id if pendamping is not None else None,
        status=status,
        phone=phone,
        latitude=latitude,
        longitude=longitude,
        created_at=registered,
        updated_at=registered,
    )
    session.add(household)
    await session.flush()
    for spec in specs:
        await make_member(session, household, **spec)
    return household


def _default_family() -> list[dict[str, Any]]:
    return [
        {"name": "Hidayat", "relation": Relation.KEPALA, "sex": Sex.L, "age": 41},
        {"name": "Siti Aminah", "relation": Relation.ISTRI, "sex": Sex.P, "age": 37},
        {"name": "Rizki Hidayat", "relation": Relation.ANAK, "sex": Sex.L, "age": 9, "school_level": SchoolLevel.SD},
    ]


async def make_member(
    session: AsyncSession,
    household: Household,
    *,
    name: str | None = None,
    relation: Relation | str = Relation.ANAK,
    sex: Sex | str | None = None,
    birth_date: date | None = None,
    age: int | None = None,
    on: date = TODAY,
    nik: str | None = None,
    pregnancy_edd: date | None = None,
    school_level: SchoolLevel | str | None = None,
    school_name: str | None = None,
    severe_disability: bool = False,
    status: MemberStatus = MemberStatus.AKTIF,
) -> Member:
    """A member of ``household``. Give ``birth_date`` or ``age`` (years on ``on``); default: a 30-year-old.
    Sex defaults to P for wives and pregnant members, otherwise L."""
    relation = Relation(relation)
    if sex is None:
        sex = Sex.P if relation is Relation.ISTRI or pregnancy_edd is not None else Sex.L
    sex = Sex(sex)
    if birth_date is None:
        birth_date = birth_for_age(30 if age is None else age, on)
    level = SchoolLevel(school_level) if school_level is not None else None
    member = Member(
        household_id=household.id,
        nik=nik or nik_for(household.desa_code, birth_date, sex),
        name=name or f"Anggota {next(_names)}",
        relation=relation,
        sex=sex,
        birth_date=birth_date,
        pregnancy_edd=pregnancy_edd,
        school_level=level,
        school_name=school_name or (f"{level.value} Negeri 1" if level else None),
        severe_disability=severe_disability,
        status=status,
    )
    session.add(member)
    await session.flush()
    return member


async def members_of(session: AsyncSession, household: Household) -> list[Member]:
    """The household's members in the order they were made."""
    return list(await session.scalars(select(Member).where(Member.household_id == household.id).order_by(Member.id)))


Check = tuple[Member, str, CheckResult] | tuple[Member, str, CheckResult, str | None]


async def make_visit(
    session: AsyncSession,
    household: Household,
    pendamping: User | int | None = None,
    *,
    period: Period | str | None = None,
    visited_on: date | None = None,
    met: bool = True,
    not_met_reason: str | None = None,
    checks: Iterable[Check] = (),
    id: str | None = None,
    submitted_at: datetime | None = None,
    review_status: ReviewStatus = ReviewStatus.PENDING,
    late: bool = False,
    welfare: dict[str, Any] | None = None,
    condition: dict[str, Any] | None = None,
    **extra: Any,
) -> Visit:
    """A submitted visit (default: today, met) and its commitment checks ``(member, code, result[, reason])``.
    The pendamping defaults to the household's; the period to the month of ``visited_on``."""
    if visited_on is None:
        visited_on = Period.parse(period).start if isinstance(period, str) else (period.start if period else TODAY)
    the_period = Period.parse(period) if isinstance(period, str) else (period or Period.of(visited_on))
    pendamping_id = pendamping.id if isinstance(pendamping, User) else pendamping
    if pendamping_id is None:
        pendamping_id = household.pendamping_id
    welfare = dict(welfare or {})
    visit = Visit(
        id=id or uuid.uuid4().hex,
        household_id=household.id,
        pendamping_id=pendamping_id,
        period=str(the_period),
        visited_on=visited_on,
        submitted_at=submitted_at or datetime.combine(visited_on, time(3, 0), UTC),
        met=met,
        not_met_reason=None if met else (not_met_reason or "tidak_di_rumah"),
        condition=dict(condition or {}),
        welfare=welfare,
        deprivation_score=sum(1 for v in welfare.values() if v) if welfare else None,
        late=late,
        review_status=review_status,
        **extra,
    )
    session.add(visit)
    await session.flush()
    for check in checks:
        member, code, result = check[0], check[1], check[2]
        reason = check[3] if len(check) > 3 else None
        session.add(
            CommitmentCheck(
                visit_id=visit.id,
                member_id=member.id,
                period=str(the_period),
                commitment=code,
                result=result,
                reason=reason,
            )
        )
    await session.flush()
    return visit
