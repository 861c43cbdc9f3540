"""``jsika seed``: synthetic Banten households that look real, obey the rules, and come out the same every time."""

from __future__ import annotations

import asyncio
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.config import get_settings
from models.db import Database
from models.period import Period
from models.regions import shipped_regions
from models.rules import MemberFacts, ProgrammeRules, applicable_commitments, rules_from_json, shipped_programmes
from models.seed import SeedOptions, SeedRefused, SeedResult, seed_database
from models.seeding.generate import Generator, Geography
from models.tables import (
    CommitmentCheck,
    DataChange,
    Household,
    Member,
    Programme,
    Referral,
    Role,
    User,
    Visit,
)
from tests.conftest import _empty_tables
from tests.factories import make_household, members_of

TODAY = date(2026, 11, 24)
CURRENT = Period.of(TODAY)
PAST = [Period(2026, 8), Period(2026, 9), Period(2026, 10)]
WIB = timezone(timedelta(hours=7))
BIG_FOUR = ("36.01", "36.02", "36.03", "36.04")  # Pandeglang, Lebak, Kab. Tangerang, Kab. Serang

runner = CliRunner()


async def seed(db: Database, households: int = 300, **options: Any) -> SeedResult:
    return await seed_database(db, SeedOptions(households=households, **options), today=TODAY)


async def rows(db: Database, *columns: Any, where: Any = None) -> list[Any]:
    async with db.session() as s:
        statement = select(*columns)
        if where is not None:
            statement = statement.where(where)
        return list((await s.execute(statement)).all())


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the seed wrote, keyed by natural identifiers (KK, NIK, visit id) rather than surrogate ids."""
    async with db.session() as s:
        kk_of = dict((await s.execute(select(Household.id, Household.kk))).all())
        nik_of = dict((await s.execute(select(Member.id, Member.nik))).all())
        phone_of = dict((await s.execute(select(User.id, User.phone))).all())
        households = [
            (kk, name, address, desa, phone_of[pendamping] if pendamping else None, phone, programme)
            for kk, name, address, desa, pendamping, phone, programme in await s.execute(
                select(
                    Household.kk,
                    Household.head_name,
                    Household.address,
                    Household.desa_code,
                    Household.pendamping_id,
                    Household.phone,
                    Household.programme_code,
                )
            )
        ]
        members = [
            (kk_of[h], nik, name, str(relation), birth, edd, str(level) if level else None, disabled)
            for h, nik, name, relation, birth, edd, level, disabled in await s.execute(
                select(
                    Member.household_id,
                    Member.nik,
                    Member.name,
                    Member.relation,
                    Member.birth_date,
                    Member.pregnancy_edd,
                    Member.school_level,
                    Member.severe_disability,
                )
            )
        ]
        visits = [
            (vid, kk_of[h], period, visited, met, str(review), score)
            for vid, h, period, visited, met, review, score in await s.execute(
                select(
                    Visit.id,
                    Visit.household_id,
                    Visit.period,
                    Visit.visited_on,
                    Visit.met,
                    Visit.review_status,
                    Visit.deprivation_score,
                )
            )
        ]
        checks = [
            (vid, nik_of[m], code, str(result))
            for vid, m, code, result in await s.execute(
                select(
                    CommitmentCheck.visit_id,
                    CommitmentCheck.member_id,
                    CommitmentCheck.commitment,
                    CommitmentCheck.result,
                )
            )
        ]
        users = [tuple(r) for r in await s.execute(select(User.name, User.phone, User.role, User.area_code))]
    found: dict[str, list[tuple[Any, ...]]] = {
        "households": households,
        "members": members,
        "visits": visits,
        "checks": checks,
        "users": users,
    }
    return {name: sorted(values, key=repr) for name, values in found.items()}


# ---------------------------------------------------------------------------------------------- determinism


async def test_same_seed_same_data_and_another_seed_other_data(db: Database) -> None:
    first_result = await seed(db, seed=7)
    first = await snapshot(db)
    assert first_result.households == len(first["households"]) == 300
    assert first_result.members == len(first["members"])
    assert first_result.visits == len(first["visits"]) and first_result.checks == len(first["checks"])

    await _empty_tables(db)
    await seed(db, seed=7)
    assert await snapshot(db) == first

    await _empty_tables(db)
    await seed(db, seed=8)
    other = await snapshot(db)
    assert {h[0] for h in other["households"]} != {h[0] for h in first["households"]}


async def test_chunk_size_changes_nothing_but_the_number_of_transactions(db: Database) -> None:
    """Members, visits and checks must land on the right household/member whatever the chunk boundaries."""
    await seed(db, 120, seed=3, chunk_size=17)
    small_chunks = await snapshot(db)
    await _empty_tables(db)
    await seed(db, 120, seed=3)
    assert await snapshot(db) == small_chunks


@pytest.mark.parametrize("households", [1, 10, 199, 251, 299, 300, 1000, 12_345, 650_000])
def test_caseloads_are_about_two_hundred_in_one_kecamatan(households: int) -> None:
    geography = Geography.from_rows([(r.code, r.name, r.level) for r in shipped_regions()])
    generator = Generator(SeedOptions(households=households), geography, dict(shipped_programmes()), TODAY)
    plan = generator.make_plan(existing_koordinator={}, has_admin=False)
    sizes = [block.size for block in plan.blocks]
    assert sum(sizes) == households
    assert max(sizes) <= 250
    if households >= 300:
        assert min(sizes) >= 120
    assert all(block.kecamatan in geography.desa for block in plan.blocks)
    assert len({u.phone for u in plan.users}) == len(plan.users) == len(plan.blocks) + 8 + 1


# ---------------------------------------------------------------------------------------------- people


def nik_birth(nik: str) -> tuple[int, int, int, str]:
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    return (day - 40, month, yy, "P") if day > 40 else (day, month, yy, "L")


async def test_every_nik_and_kk_fits_desa_birth_date_and_sex(db: Database) -> None:
    await seed(db, seed=11)
    members = await rows(
        db,
        Member.nik,
        Member.birth_date,
        Member.sex,
        Household.desa_code,
        Household.kk,
        where=Member.household_id == Household.id,
    )
    assert len(members) >= 900
    for nik, birth, sex, desa, _ in members:
        assert re.fullmatch(r"\d{16}", nik), nik
        assert nik[:6] == desa.replace(".", "")[:6], (nik, desa)
        assert nik_birth(nik) == (birth.day, birth.month, birth.year % 100, str(sex)), (nik, birth, sex)
        assert nik[12:] != "0000"
    assert len({m[0] for m in members}) == len(members)

    end_of_today = datetime.combine(TODAY + timedelta(days=1), time(0), WIB)
    assert all(created <= end_of_today for (created,) in await rows(db, Member.created_at))
    households = await rows(db, Household.kk, Household.desa_code)
    assert len({kk for kk, _ in households}) == len(households)
    for kk, desa in households:
        assert re.fullmatch(r"\d{16}", kk) and kk[:6] == desa.replace(".", "")[:6], (kk, desa)
        issued = date(2000 + int(kk[10:12]), int(kk[8:10]), int(kk[6:8]))  # a real date, not in the future
        assert date(2008, 1, 1) <= issued <= TODAY


async def test_households_look_like_banten_families(db: Database) -> None:
    result = await seed(db, 2000, seed=5, households_per_pendamping=25)
    members = await rows(
        db,
        Member.household_id,
        Member.relation,
        Member.sex,
        Member.birth_date,
        Member.pregnancy_edd,
        Member.school_level,
        Member.severe_disability,
        Member.status,
        Member.name,
    )
    by_household: dict[int, list[Any]] = defaultdict(list)
    for member in members:
        by_household[member.household_id].append(member)
    assert len(by_household) == result.households == 2000

    def age(birth: date) -> int:
        return TODAY.year - birth.year - ((TODAY.month, TODAY.day) < (birth.month, birth.day))

    def share(predicate: Callable[[Any], bool]) -> float:
        return sum(any(predicate(m) for m in family) for family in by_household.values()) / len(by_household)

    sizes = [len(family) for family in by_household.values()]
    assert min(sizes) >= 2 and max(sizes) <= 9
    assert 3.7 <= sum(sizes) / len(sizes) <= 4.3
    assert 0.26 <= share(lambda m: age(m.birth_date) <= 5 and m.status == "aktif") <= 0.34
    assert 0.12 <= share(lambda m: age(m.birth_date) >= 60 and m.status == "aktif") <= 0.18
    assert 0.025 <= share(lambda m: m.pregnancy_edd is not None and m.pregnancy_edd >= TODAY) <= 0.055
    assert 0.01 <= share(lambda m: m.severe_disability) <= 0.035
    for family in by_household.values():
        heads = [m for m in family if m.relation == "kepala keluarga"]
        assert len(heads) == 1
        for m in family:
            if m.pregnancy_edd is not None:  # pregnant: a woman of childbearing age, EDD within nine months
                assert m.sex == "P" and 15 <= age(m.birth_date) <= 45
                assert m.pregnancy_edd <= TODAY + timedelta(days=280)
    assert sum(m.relation == "kepala keluarga" and m.sex == "L" for m in members) / 2000 >= 0.8

    expected_level = {
        **{a: "SD" for a in range(7, 13)},
        **{a: "SMP" for a in range(13, 16)},
        16: "SMA",
        17: "SMA",
        18: "SMA",
    }
    children = [m for m in members if m.relation in ("anak", "cucu") and 7 <= age(m.birth_date) <= 18]
    assert len(children) > 1000
    for child in children:
        assert child.school_level in (None, expected_level[age(child.birth_date)]), child
    teens = [c for c in children if 16 <= age(c.birth_date) <= 18]
    assert 0.05 <= sum(c.school_level is None for c in teens) / len(teens) <= 0.16
    assert not [m for m in members if m.school_level is not None and not 6 <= age(m.birth_date) <= 21]

    names = Counter(m.name.split()[0] for m in members if m.relation == "istri")
    assert names["Siti"] / sum(names.values()) > 0.3  # wives are very often "Siti …"
    assert sum(name.startswith("Nur") for name in names.elements()) / sum(names.values()) > 0.1

    households = await rows(db, Household.phone, Household.address, Household.desa_code, Household.programme_code)
    assert 0.55 <= sum(h.phone is not None for h in households) / 2000 <= 0.65
    for h in households:
        assert h.phone is None or re.fullmatch(r"\+628\d{9,11}", h.phone)
        assert re.fullmatch(r"(Kp\.|Link\.|Jl\.) .+ RT 0\d\d/RW 0\d\d", h.address), h.address
        # Kota Cilegon runs its own programme; JSCM exists nowhere else
        assert (h.programme_code == "JSCM") == h.desa_code.startswith("36.72."), h
    big_four = sum(h.desa_code.startswith(BIG_FOUR) for h in households) / 2000
    assert big_four >= 0.55  # weighted towards the populous kabupaten


async def test_pendamping_koordinator_and_admin(db: Database) -> None:
    result = await seed(db, 1000, seed=2)
    users = await rows(db, User.id, User.role, User.area_code, User.phone, User.telegram_id, User.name, User.active)
    pendamping = {u.id: u for u in users if u.role == Role.PENDAMPING}
    assert len(pendamping) == result.pendamping == 5
    koordinator = [u for u in users if u.role == Role.KOORDINATOR]
    assert sorted(u.area_code for u in koordinator) == [
        "36.01",
        "36.02",
        "36.03",
        "36.04",
        "36.71",
        "36.72",
        "36.73",
        "36.74",
    ]
    assert [u.area_code for u in users if u.role == Role.ADMIN] == ["36"]
    phones = [u.phone for u in users]
    assert len(set(phones)) == len(users) and all(re.fullmatch(r"\+628\d{9,11}", p) for p in phones)
    assert all(u.telegram_id is None and u.active and u.name for u in users)

    caseload = await rows(db, Household.pendamping_id, Household.desa_code)
    per: dict[int, list[str]] = defaultdict(list)
    for pendamping_id, desa in caseload:
        per[pendamping_id].append(desa)
    assert set(per) == set(pendamping)  # everybody is assigned, to someone who exists
    for pendamping_id, desas in per.items():
        area = pendamping[pendamping_id].area_code
        assert area.count(".") == 2, area  # a kecamatan
        assert 150 <= len(desas) <= 250
        assert all(desa.startswith(area + ".") for desa in desas), (area, set(desas))


async def test_a_jscm_seed_stays_in_kota_cilegon(db: Database) -> None:
    result = await seed(db, 150, seed=4, programme="JSCM")
    households = await rows(db, Household.programme_code, Household.desa_code)
    assert len(households) == 150 and result.per_programme == {"JSCM": 150}
    assert all(p == "JSCM" and d.startswith("36.72.") for p, d in households)
    assert [area for (area,) in await rows(db, User.area_code, where=User.role == Role.KOORDINATOR)] == ["36.72"]


async def test_factories_build_the_same_kind_of_identities(db: Database) -> None:
    """Test data made by hand passes the same checks as the seed's and never collides with it."""
    await seed(db, 50, seed=1)
    async with db.session() as s:
        household = await make_household(s, desa="3602172001")
        members = await members_of(s, household)
    assert household.kk[:6] == "360217" and len(household.kk) == 16
    for member in members:
        assert member.nik[:6] == "360217"
        assert nik_birth(member.nik) == (
            member.birth_date.day,
            member.birth_date.month,
            member.birth_date.year % 100,
            member.sex.value,
        )
        assert member.nik[12:] >= "9000"  # counting down from 9999, away from the seed's serials


# ---------------------------------------------------------------------------------------------- visits


async def test_visit_history_covers_past_periods_and_part_of_this_one(db: Database) -> None:
    await seed(db, 1000, seed=9)
    visits = await rows(
        db,
        Visit.id,
        Visit.household_id,
        Visit.pendamping_id,
        Visit.period,
        Visit.visited_on,
        Visit.submitted_at,
        Visit.met,
        Visit.not_met_reason,
        Visit.review_status,
        Visit.reviewed_at,
        Visit.reviewer_id,
        Visit.deprivation_score,
        Visit.welfare,
    )
    pendamping_of = dict(await rows(db, Household.id, Household.pendamping_id))
    per_period = Counter(v.period for v in visits)
    assert set(per_period) == {str(p) for p in [*PAST, CURRENT]}
    for period in PAST:
        assert 0.80 <= per_period[str(period)] / 1000 <= 0.90
    assert 0.34 <= per_period[str(CURRENT)] / 1000 <= 0.46
    assert len({(v.household_id, v.period) for v in visits}) == len(visits)  # at most one visit a period
    # nothing in the future, whatever the hour the seed runs at: every timestamp before today began
    start_of_today = datetime.combine(TODAY, time(0), WIB)
    end_of_today = start_of_today
    for v in visits:
        period = Period.parse(v.period)
        assert re.fullmatch(r"[0-9a-f]{32}", v.id)
        assert period.start <= v.visited_on <= min(period.end, TODAY - timedelta(days=1))
        assert v.submitted_at.astimezone(WIB).date() >= v.visited_on and v.submitted_at < start_of_today
        assert v.pendamping_id == pendamping_of[v.household_id]
        assert v.met == (v.not_met_reason is None)
        assert (v.deprivation_score is None) == (not v.met)
        if v.met:
            assert v.deprivation_score == sum(bool(x) for x in v.welfare.values())
        if v.reviewed_at is not None:
            assert v.review_status in ("disetujui", "dikembalikan") and v.reviewer_id is not None
            assert v.submitted_at < v.reviewed_at < end_of_today
        else:
            assert v.review_status == "menunggu"
    assert 0.86 <= sum(v.met for v in visits) / len(visits) <= 0.94


async def test_no_timestamp_is_in_the_future_and_nik_serials_vary(db: Database) -> None:
    await seed(db, 300, seed=4)
    start_of_today = datetime.combine(TODAY, time(0), WIB)
    for column in (
        Member.created_at,
        Household.created_at,
        Referral.created_at,
        Referral.updated_at,
        DataChange.created_at,
        Visit.submitted_at,
        Visit.reviewed_at,
    ):
        latest = max(v for (v,) in await rows(db, column) if v is not None)
        latest = latest if latest.tzinfo else latest.replace(tzinfo=UTC)
        assert latest < start_of_today, column
    serials = [nik[-4:] for (nik,) in await rows(db, Member.nik)]
    assert len(set(serials)) > len(serials) // 2  # not 0001, 0002 … everywhere
    assert sum(s.startswith("00") for s in serials) < len(serials) // 5


async def test_checks_are_exactly_the_applicable_commitments(db: Database) -> None:
    """Every check is one the rules ask for (yearly ones only when not met in the last 12 periods), on a visit
    where the family was met, and every active member's due commitments were checked — except pregnancy checks
    before the pregnancy could have been known (EDD more than ~8 months away)."""
    await seed(db, 400, seed=13)
    async with db.session() as s:
        programmes: dict[str, ProgrammeRules] = {
            p.code: rules_from_json(p.rules) for p in (await s.scalars(select(Programme))).all()
        }
        members = {m.id: m for m in (await s.scalars(select(Member))).all()}
        programme_of = dict((await s.execute(select(Household.id, Household.programme_code))).all())
        visits = (await s.scalars(select(Visit).order_by(Visit.period))).all()
        checks = (await s.scalars(select(CommitmentCheck))).all()
    by_visit: dict[str, list[CommitmentCheck]] = defaultdict(list)
    for check in checks:
        by_visit[check.visit_id].append(check)
    household_members: dict[int, list[Member]] = defaultdict(list)
    for member in members.values():
        household_members[member.household_id].append(member)

    last_met: dict[int, dict[str, Period]] = defaultdict(dict)
    skipped_pregnancy = 0
    for visit in visits:  # oldest period first, so last_met is what the app would know
        found = by_visit.get(visit.id, [])
        if not visit.met:
            assert not found
            continue
        period = Period.parse(visit.period)
        rules = programmes[programme_of[visit.household_id]]
        expected = set()
        for member in household_members[visit.household_id]:
            if member.status != "aktif":
                continue
            facts = MemberFacts(
                member.birth_date,
                member.sex.value,
                member.pregnancy_edd,
                member.school_level.value if member.school_level else None,
                member.severe_disability,
            )
            for rule in applicable_commitments(rules, facts, period, last_met[member.id]):
                expected.add((member.id, rule.code))
        got = {(c.member_id, c.commitment) for c in found}
        assert got <= expected, (visit.period, got - expected)
        for member_id, code in expected - got:
            assert code.startswith("ibu_hamil"), (visit.period, member_id, code)
            edd = members[member_id].pregnancy_edd
            assert edd is not None and edd > period.end + timedelta(days=200)
            skipped_pregnancy += 1
        for check in found:
            assert check.period == visit.period
            assert (check.reason is None) == (check.result == "memenuhi")
            if check.result == "memenuhi" and rules.commitment(check.commitment).yearly:
                last_met[check.member_id][check.commitment] = period
    met_share = sum(c.result == "memenuhi" for c in checks) / len(checks)
    assert len(checks) > 1000 and 0.85 <= met_share <= 0.95
    assert {c.commitment for c in checks} >= {"pendidikan_kehadiran", "balita_penimbangan", "lansia_pemeriksaan"}


async def test_referrals_and_data_changes_point_at_their_own_household(db: Database) -> None:
    await seed(db, 1000, seed=21)
    visit_household = dict(await rows(db, Visit.id, Visit.household_id))
    member_household = dict(await rows(db, Member.id, Member.household_id))
    referrals = await rows(db, Referral.household_id, Referral.member_id, Referral.visit_id, Referral.sector)
    changes = await rows(
        db,
        DataChange.household_id,
        DataChange.member_id,
        DataChange.visit_id,
        DataChange.kind,
        DataChange.status,
        DataChange.new_value,
    )
    assert referrals and changes
    for household, member, visit, sector in referrals:
        assert visit_household[visit] == household and sector in ("pendidikan", "kesehatan", "umkm")
        assert member is None or member_household[member] == household
    for household, member, visit, kind, status, new_value in changes:
        assert visit_household[visit] == household and status == "diajukan"
        assert member is None or member_household[member] == household
        if kind == "kelahiran":  # a newborn's NIK is ready for approval and unused
            assert re.fullmatch(r"\d{16}", new_value["nik"])
    niks = {nik for (nik,) in await rows(db, Member.nik)}
    births = [c.new_value["nik"] for c in changes if c.kind == "kelahiran"]
    assert not niks & set(births) and len(set(births)) == len(births)


async def test_seeded_visits_speak_the_visit_form_vocabulary(db: Database) -> None:
    form = pytest.importorskip("models.visits")
    await seed(db, 300, seed=6)
    visits = await rows(db, Visit.met, Visit.not_met_reason, Visit.welfare, Visit.condition)
    for met, reason, welfare, condition in visits:
        if met:
            assert set(welfare) == set(form.WELFARE_ITEMS)
            for key, value in condition.items():
                assert value in form.CONDITION_ITEMS[key], (key, value)
        else:
            assert reason in form.NOT_MET_REASONS
    reasons = {r for (r,) in await rows(db, CommitmentCheck.reason) if r is not None}
    assert reasons and reasons <= set(form.MISSED_REASONS)
    kinds = {k for (k,) in await rows(db, DataChange.kind)}
    assert kinds <= set(form.CHANGE_KINDS)


# ---------------------------------------------------------------------------------------------- refusal, append


async def test_a_second_seed_is_refused_unless_appended(db: Database) -> None:
    await seed(db, 200, seed=1)
    with pytest.raises(SeedRefused, match="--append"):
        await seed(db, 50, seed=2)
    assert len(await rows(db, Household.id)) == 200

    # the same seed again on purpose: appended rows must still get fresh KKs, NIKs and visit ids
    result = await seed(db, 200, seed=1, append=True)
    assert result.households == 200 and result.koordinator == 0 and result.admins == 0
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Household)) == 400
        assert await s.scalar(select(func.count(func.distinct(Household.kk))).select_from(Household)) == 400
        roles = Counter((await s.scalars(select(User.role))).all())
    assert roles[Role.KOORDINATOR] == 8 and roles[Role.ADMIN] == 1 and roles[Role.PENDAMPING] == 2


async def test_two_seeds_started_at_once_fill_the_database_only_once(db: Database) -> None:
    """Two demo processes starting together both see an empty database; only one may seed it."""
    outcomes = await asyncio.gather(seed(db, 120, seed=1), seed(db, 80, seed=2), return_exceptions=True)
    done = [o for o in outcomes if isinstance(o, SeedResult)]
    refused = [o for o in outcomes if isinstance(o, SeedRefused)]
    assert len(done) == 1 and len(refused) == 1, outcomes
    households = await rows(db, Household.id)
    assert len(households) == done[0].households
    users = await rows(db, User.role)
    assert len(users) == done[0].pendamping + done[0].koordinator + done[0].admins  # no orphan roster


async def test_an_unknown_programme_is_a_clear_error(db: Database) -> None:
    with pytest.raises(ValueError, match="Program PKH tidak dikenal"):
        await seed(db, 10, programme="PKH")


# ---------------------------------------------------------------------------------------------- CLI


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("JSIKA_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_jsika_seed_command(cli_env: None, sync_db: Callable[..., Any]) -> None:
    from bot.cli import app

    args = ["seed", "--households", "120", "--seed", "3", "--visits-months", "2", "--today", "2026-11-24"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    for label in ("Keluarga (KPM)", "Pendamping", "Koordinator", "Kunjungan", "Verifikasi komitmen"):
        assert label in result.output
    assert re.search(r"Keluarga \(KPM\)\s*│\s*120 ", result.output), result.output
    assert "memori puncak" in result.output and "MB" in result.output

    async def periods(session: AsyncSession) -> tuple[int, set[str]]:
        count = await session.scalar(select(func.count()).select_from(Household))
        return int(count or 0), set((await session.scalars(select(Visit.period).distinct())).all())

    assert sync_db(periods) == (120, {"2026-09", "2026-10", "2026-11"})

    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert "--append" in again.output and "Traceback" not in again.output
    assert len(again.output.strip().splitlines()) <= 2  # one sentence (the console may wrap it)
    assert sync_db(periods)[0] == 120

    more = runner.invoke(app, [*args, "--append", "--programme", "jscm"])
    assert more.exit_code == 0, more.output
    assert sync_db(periods)[0] == 240

    async def cilegon(session: AsyncSession) -> set[str]:
        return set((await session.scalars(select(Household.desa_code).where(Household.programme_code == "JSCM"))).all())

    assert all(code.startswith("36.72.") for code in sync_db(cilegon))


def test_jsika_seed_rejects_a_bad_date(cli_env: None) -> None:
    from bot.cli import app

    result = runner.invoke(app, ["seed", "--households", "5", "--today", "24-11-2026"])
    assert result.exit_code == 1 and "TTTT-BB-HH" in result.output


async def test_no_date_or_time_in_any_seeded_table_lies_after_the_demos_now(db: Database) -> None:
    """Every date and timestamp column of every table the seed fills, not a chosen few: nothing is dated after the
    seed's ``today`` (a pregnancy's expected delivery date excepted — it is meant to lie ahead)."""
    from sqlalchemy import Date, DateTime

    from models.base import Base

    await seed(db, 300, seed=5)
    start_of_today = datetime.combine(TODAY, time(0), WIB)
    future_by_nature = {("member", "pregnancy_edd")}
    reference = {"programme", "region"}  # loaded by the migrations, not the seed
    checked = 0
    for table in (t for t in Base.metadata.sorted_tables if t.name not in reference):
        for column in table.columns:
            kind = getattr(column.type, "impl", column.type)  # the portable UTC datetime is a TypeDecorator
            if (table.name, column.name) in future_by_nature or not isinstance(kind, (Date, DateTime)):
                continue
            async with db.session() as session:
                latest = await session.scalar(select(func.max(column)))
            if latest is None:
                continue
            checked += 1
            if isinstance(latest, datetime):
                latest = latest if latest.tzinfo else latest.replace(tzinfo=UTC)
                assert latest < start_of_today, (table.name, column.name, latest)
            else:
                assert latest < TODAY, (table.name, column.name, latest)
    assert checked >= 10  # the visits', members', referrals', changes', audit's … dates were all there
