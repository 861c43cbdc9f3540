"""The synthetic-data generator: a plan (pendamping caseloads over Banten), then households in chunks.

Everything is drawn from one ``random.Random``, so the same seed and the same ``today`` give the same rows. Rows
come out as tuples in the column order of ``models/seeding/columns.py``; where a row points at a household or a
member of the same chunk, it carries that row's *index in the chunk* — the writer swaps in real ids once it has
allocated them, which keeps the generator free of I/O.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, TypeVar

from models.period import Period
from models.regions import is_within, level_of
from models.rules import CommitmentRule, MemberFacts, ProgrammeRules, age_in_months, applicable_commitments
from models.seeding import names as N
from models.seeding.identity import SerialCounter, kecamatan_digits, make_kk, make_nik

T = TypeVar("T")
WIB = timezone(timedelta(hours=7), "WIB")

# Where poor households live: roughly population × poverty rate (BPS 2023) per kabupaten/kota.
KABUPATEN_WEIGHTS = {
    "36.01": 12,  # Kab. Pandeglang
    "36.02": 13,  # Kab. Lebak
    "36.03": 24,  # Kab. Tangerang
    "36.04": 11,  # Kab. Serang
    "36.71": 9,  # Kota Tangerang
    "36.72": 3,  # Kota Cilegon (JSCM)
    "36.73": 5,  # Kota Serang
    "36.74": 4,  # Kota Tangerang Selatan
}
# Rough centre (lat, lon) and spread in degrees, so households and visits get plausible, not real, coordinates.
KABUPATEN_CENTRES = {
    "36.01": (-6.55, 105.80, 0.25),
    "36.02": (-6.60, 106.20, 0.25),
    "36.03": (-6.18, 106.50, 0.12),
    "36.04": (-6.15, 106.20, 0.12),
    "36.71": (-6.18, 106.63, 0.04),
    "36.72": (-6.01, 106.04, 0.04),
    "36.73": (-6.12, 106.15, 0.04),
    "36.74": (-6.29, 106.71, 0.04),
}
CILEGON = "36.72"

HOUSEHOLD_SIZES = (2, 3, 4, 5, 6, 7, 8)
HOUSEHOLD_SIZE_WEIGHTS = (10, 21, 27, 20, 12, 7, 3)
P_TODDLER = 0.30
P_ELDERLY = 0.15
P_PREGNANT = 0.04
P_RECENT_BIRTH = 0.01  # delivered in the last two months; the baby is not registered yet
P_DISABILITY = 0.02
P_HEAD_PHONE = 0.60

# Welfare indicators asked at a visit (the form's WELFARE_ITEMS in models/visits.py, the short BPS list in docs/glossary.md),
# with how often a poor household answers "yes".
WELFARE_INDICATORS = (
    ("lantai", 0.25),  # floor of earth or bamboo
    ("dinding", 0.35),  # walls of bamboo or low-quality wood
    ("jamban", 0.30),  # no own toilet
    ("listrik", 0.05),  # no electricity
    ("air", 0.30),  # drinking water from an unprotected source
    ("bahan_bakar", 0.45),  # cooks with firewood or charcoal
    ("protein", 0.60),  # meat, fish or milk less than once a week
    ("makan", 0.15),  # fewer than two meals a day
    ("berobat", 0.50),  # cannot pay for clinic care
    ("penghasilan", 0.65),  # head's income under Rp 600.000
    ("pendidikan_kepala", 0.70),  # head's schooling at most SD
    ("aset", 0.80),  # no savings or asset worth Rp 500.000
)
WELFARE_KEYS = tuple(key for key, _ in WELFARE_INDICATORS)
CONDITION_KEYS = ("rumah", "penghasilan", "sakit", "putus_sekolah", "butuh_bantuan")  # the form's CONDITION_ITEMS
_EMPTY: dict[str, Any] = {}
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

PREGNANCY_DAYS = 280
PREGNANCY_KNOWN_AFTER_DAYS = 56  # a pregnancy is recorded about eight weeks in


@dataclass(frozen=True, slots=True)
class SeedOptions:
    households: int
    seed: int = 1
    visits_months: int = 3
    programme: str | None = None  # None: JAMSOSRATU everywhere, JSCM in Kota Cilegon
    append: bool = False
    chunk_size: int | None = None  # households per chunk; None picks one from visits_months
    households_per_pendamping: int = 200
    visited_share: float = 0.85  # of households visited in each past period
    current_share: float = 0.40  # of households already visited this period
    met_share: float = 0.90

    def effective_chunk_size(self) -> int:
        if self.chunk_size is not None:
            return max(1, self.chunk_size)
        # About 18,000 visits (and their checks) per chunk, whatever the length of the history.
        visits_per_household = 0.85 * self.visits_months + 0.4
        return max(200, min(5000, int(18_000 / visits_per_household)))


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str


@dataclass(slots=True)
class Geography:
    """Banten's regions as the database holds them, grouped for drawing places."""

    kabupaten: list[Place]
    kecamatan: dict[str, list[Place]]  # by kabupaten code
    desa: dict[str, list[Place]]  # by kecamatan code
    names: dict[str, str]

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[str, str, int]]) -> Geography:
        kabupaten: list[Place] = []
        kecamatan: dict[str, list[Place]] = {}
        desa: dict[str, list[Place]] = {}
        for code, name, level in sorted(rows):
            if level == 2:
                kabupaten.append(Place(code, name))
            elif level == 3:
                kecamatan.setdefault(code[:5], []).append(Place(code, name))
            elif level == 4:
                desa.setdefault(code[:8], []).append(Place(code, name))
        return cls(kabupaten, kecamatan, desa, {code: name for code, name, _ in rows})


@dataclass(slots=True)
class UserSeed:
    """A user row before it has an id."""

    role: str
    area_code: str
    name: str
    phone: str
    created_at: datetime
    id: int = 0


@dataclass(slots=True)
class Block:
    """One pendamping's caseload: ``size`` households in one kecamatan of one programme."""

    kecamatan: str
    programme: str
    size: int
    pendamping: UserSeed


@dataclass(slots=True)
class Plan:
    blocks: list[Block]
    users: list[UserSeed]  # every new user: pendamping, koordinator, admin
    reviewers: dict[str, UserSeed] = field(default_factory=dict)  # kabupaten code → its koordinator


@dataclass(slots=True)
class ChunkRows:
    """One chunk of rows. References to households and members are indexes into this chunk's lists; references
    to users are ``UserSeed`` objects, whose ids exist only once the writer has inserted them."""

    households: list[tuple[Any, ...]] = field(default_factory=list)
    members: list[tuple[Any, ...]] = field(default_factory=list)
    visits: list[tuple[Any, ...]] = field(default_factory=list)
    checks: list[tuple[Any, ...]] = field(default_factory=list)
    referrals: list[tuple[Any, ...]] = field(default_factory=list)
    changes: list[tuple[Any, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.households)


class _Weighted:
    """Fast repeated weighted draws (bisect on cumulative weights)."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


@dataclass(slots=True)
class _Person:
    name: str
    relation: str
    sex: str
    birth: date
    edd: date | None = None
    school_level: str | None = None
    school_name: str | None = None
    disability: bool = False
    status: str = "aktif"


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


class Generator:
    """Draws a plan and then households chunk by chunk; deterministic for a given seed, salt and ``today``."""

    def __init__(
        self,
        options: SeedOptions,
        geography: Geography,
        programmes: dict[str, ProgrammeRules],
        today: date,
        *,
        salt: str = "",
        taken_phones: set[str] | None = None,
        nik_serials: SerialCounter | None = None,
        kk_serials: SerialCounter | None = None,
    ) -> None:
        self.options = options
        self.geo = geography
        self.programmes = programmes
        self.today = today
        self.rng = random.Random(f"jsika-seed:{options.seed}:{salt}")
        self._random = self.rng.random  # the helpers below are 5-10× cheaper than randint/randrange/choice
        self.phones = taken_phones if taken_phones is not None else set()
        # ``is None``, not ``or``: an empty counter is falsy (``__len__``), and the caller's would be dropped
        self.nik_serials = nik_serials if nik_serials is not None else SerialCounter()
        self.kk_serials = kk_serials if kk_serials is not None else SerialCounter()
        self.current = Period.of(today)
        # Every timestamp lies before the start of ``today`` (local time): the demo seeds at any hour, and a
        # report "submitted" at 15:00 of a morning that is still 07:00 is a timestamp in the future.
        self.cutoff = datetime.combine(today, time(0), WIB)
        self.yesterday = today - timedelta(days=1)
        periods, period = [], self.current
        for _ in range(max(0, options.visits_months)):
            period = period.previous()
            periods.append(period)
        self.past_periods: list[Period] = periods[::-1]
        # start, end and text of each period, computed once (Period.end asks the calendar every time)
        self._bounds = {p: (p.start, p.end, str(p)) for p in [*self.past_periods, self.current]}
        self.window_start = self.past_periods[0].start if self.past_periods else self.current.start
        self._sizes = _Weighted(HOUSEHOLD_SIZES, HOUSEHOLD_SIZE_WEIGHTS)
        self._occupations = _Weighted(list(N.OCCUPATIONS), list(N.OCCUPATIONS.values()))
        self._not_met = _Weighted(list(N.NOT_MET_REASONS), list(N.NOT_MET_REASONS.values()))
        self._centres: dict[str, tuple[float, float]] = {}
        self._rules_cache: dict[tuple[Any, ...], list[CommitmentRule]] = {}
        self._answers: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._block_index = 0
        self._in_block = 0
        self.plan: Plan | None = None

    # ------------------------------------------------------------------ drawing

    def _int(self, low: int, high: int) -> int:
        """Uniform in [low, high], like ``randint``."""
        return low + int(self._random() * (high - low + 1))

    def _below(self, n: int) -> int:
        return int(self._random() * n)

    def _pick(self, items: Sequence[T]) -> T:
        return items[int(self._random() * len(items))]

    def _uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self._random()

    def _born(self, years: int) -> date:
        """A birth date that makes someone ``years`` old today."""
        latest = _shift_years(self.today, -years)
        earliest = _shift_years(self.today, -years - 1) + timedelta(days=1)
        return earliest + timedelta(days=self._below((latest - earliest).days + 1))

    # ------------------------------------------------------------------ plan

    def make_plan(self, *, existing_koordinator: dict[str, int], has_admin: bool) -> Plan:
        """Caseloads of ~``households_per_pendamping`` households, each in one kecamatan, weighted towards the
        populous kabupaten; a pendamping per caseload, a koordinator per kabupaten/kota that has none yet
        (``existing_koordinator``: kabupaten code → user id), one admin unless there is one."""
        rng, options = self.rng, self.options
        areas = self._programme_kabupaten()
        kabupaten = _Weighted([code for code, _ in areas], [KABUPATEN_WEIGHTS.get(code, 5) for code, _ in areas])
        kecamatan_of = {
            code: _Weighted(
                self.geo.kecamatan[code], [len(self.geo.desa.get(k.code, [])) for k in self.geo.kecamatan[code]]
            )
            for code, _ in areas
        }
        programme_of = dict(areas)
        blocks: list[Block] = []
        users: list[UserSeed] = []
        for size in self._caseload_sizes(options.households, max(1, options.households_per_pendamping)):
            kab = kabupaten.draw(rng)
            kec: Place = kecamatan_of[kab].draw(rng)
            person = self._user("pendamping", kec.code)
            blocks.append(Block(kec.code, programme_of[kab], size, person))
            users.append(person)
        reviewers: dict[str, UserSeed] = {}
        for code, _ in areas:
            if code in existing_koordinator:
                reviewers[code] = UserSeed("koordinator", code, "", "", _EPOCH, id=existing_koordinator[code])
            else:
                reviewers[code] = self._user("koordinator", code)
                users.append(reviewers[code])
        if not has_admin:
            users.append(self._user("admin", "36"))
        self.plan = Plan(blocks, users, reviewers)
        return self.plan

    def _caseload_sizes(self, households: int, per: int) -> list[int]:
        """Split ``households`` into caseloads of about ``per`` (within ±8%, never above ~1.25 × ``per``)."""
        count = max(1, round(households / per), math.ceil(households / (per * 1.15)))
        weights = [self._uniform(0.92, 1.08) for _ in range(count)]
        total = sum(weights)
        sizes = [int(households * w / total) for w in weights]
        for i in range(households - sum(sizes)):
            sizes[i % count] += 1
        return [size for size in sizes if size > 0]

    def _programme_kabupaten(self) -> list[tuple[str, str]]:
        """(kabupaten code, programme) for every kabupaten the seed may use; narrows ``geo`` to the programme's
        area when one programme is chosen (JSCM → Kota Cilegon only)."""
        chosen = self.options.programme
        result = []
        for place in self.geo.kabupaten:
            if chosen is None:
                programme = "JSCM" if place.code == CILEGON and "JSCM" in self.programmes else "JAMSOSRATU"
            else:
                area, programme = self.programmes[chosen].area, chosen
                if not (is_within(place.code, area) or is_within(area, place.code)):
                    continue
                if level_of(area) == 3:
                    self.geo.kecamatan[place.code] = [k for k in self.geo.kecamatan[place.code] if k.code == area]
            if self.geo.kecamatan.get(place.code):
                result.append((place.code, programme))
        if not result:
            raise ValueError(f"program {chosen} tidak punya wilayah di data wilayah")
        return result

    def _user(self, role: str, area: str) -> UserSeed:
        rng = self.rng
        sex = "P" if rng.random() < 0.45 else "L"
        birth = self._born(self._int(24, 50))
        name = self._adult_name(sex, birth, two_words=True)
        if role != "pendamping" or rng.random() < 0.3:
            title = self._pick(N.TITLES)
            name = f"{name}, {title}" if title else name
        created = datetime.combine(self.window_start - timedelta(days=self._int(30, 400)), time(2, 0), UTC)
        return UserSeed(role, area, name, self._unique_phone(), created)

    def _unique_phone(self) -> str:
        while True:
            phone = self._phone()
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _phone(self) -> str:
        return f"+628{self._pick(N.PHONE_OPERATORS)}{self._int(10**7, 10**8 - 1)}"

    # ------------------------------------------------------------------ households

    def next_chunk(self, size: int) -> ChunkRows | None:
        """The next ``size`` households (fewer at the end) with their members and visit history."""
        assert self.plan is not None, "make_plan() first"
        blocks = self.plan.blocks
        chunk = ChunkRows()
        while len(chunk.households) < size and self._block_index < len(blocks):
            block = blocks[self._block_index]
            if self._in_block >= block.size:
                self._block_index += 1
                self._in_block = 0
                continue
            self._household(chunk, block)
            self._in_block += 1
        return chunk if chunk.households else None

    def _household(self, chunk: ChunkRows, block: Block) -> None:
        rng, today = self.rng, self.today
        desa: Place = self._pick(self.geo.desa[block.kecamatan])
        kec = kecamatan_digits(block.kecamatan)
        people = self._family()
        head = people[0]

        youngest = max(p.birth for p in people)
        floor = max(youngest, date(2008, 1, 1))  # a KK is reissued when a child is born
        span = (today - floor).days
        issued = floor + timedelta(days=self._int(min(14, span), span))
        kk = make_kk(kec, issued, self.kk_serials.take(kec, issued))

        created = datetime.combine(
            self.window_start - timedelta(days=self._int(20, 700)), time(self._int(1, 9), self._below(60)), UTC
        )
        lat, lon = self._near(block.kecamatan, 0.03)
        phone = self._phone() if rng.random() < P_HEAD_PHONE else None
        address = self._address(desa)
        h_index = len(chunk.households)
        chunk.households.append(
            (
                block.programme,
                kk,
                head.name,
                address,
                desa.code,
                block.pendamping,
                "aktif",
                phone,
                lat,
                lon,
                created,
                created,
            )
        )
        first_member = len(chunk.members)
        for person in people:
            nik = make_nik(kec, person.birth, person.sex, self.nik_serials.take(kec, person.birth))
            # a baby born after the family was enrolled was added to the registry about two weeks after birth
            added = max(created, datetime.combine(min(person.birth + timedelta(days=14), self.yesterday), time(0), UTC))
            chunk.members.append(
                (
                    h_index,
                    nik,
                    person.name,
                    person.relation,
                    person.sex,
                    person.birth,
                    person.edd,
                    person.school_level,
                    person.school_name,
                    person.disability,
                    person.status,
                    added,
                    added,
                )
            )
        self._visits(chunk, block, h_index, first_member, people, (lat, lon), phone, address, desa)

    def _family(self) -> list[_Person]:
        rng, today = self.rng, self.today
        size = self._sizes.draw(rng)
        want_toddler = rng.random() < P_TODDLER
        want_elderly = rng.random() < P_ELDERLY
        want_pregnant = rng.random() < P_PREGNANT
        recent_birth = not want_pregnant and rng.random() < P_RECENT_BIRTH
        want_disability = rng.random() < P_DISABILITY
        young_mother = want_pregnant or recent_birth

        elderly_head = want_elderly and not young_mother and rng.random() < 0.55
        if elderly_head:
            head_age = self._int(60, 78)
        elif young_mother:
            head_age = self._int(21, 38)
        elif want_toddler:
            head_age = self._int(22, 46)
        else:
            head_age = int(rng.triangular(27, 59, 44))
        female_head = not young_mother and rng.random() < (0.25 if elderly_head else 0.10)
        head_sex = "P" if female_head else "L"
        head = _Person("", "kepala keluarga", head_sex, self._born(head_age))
        head.name = self._adult_name(head_sex, head.birth, two_words=rng.random() < 0.4)
        people = [head]
        father = None if female_head else head

        mother: _Person | None = head if female_head else None
        if not female_head and (young_mother or rng.random() < (0.75 if elderly_head else 0.92)):
            wife_age = max(18, head_age - self._int(0, 7))
            if young_mother:
                wife_age = min(wife_age, 38)
            wife = _Person("", "istri", "P", self._born(wife_age))
            wife.name = self._wife_name(wife.birth)
            people.append(wife)
            mother = wife

        if want_elderly and not elderly_head:
            sex = "P" if rng.random() < 0.6 else "L"
            elder = _Person("", "orang tua" if rng.random() < 0.6 else "mertua", sex, self._born(self._int(60, 86)))
            elder.name = self._adult_name(sex, elder.birth, two_words=False)
            people.append(elder)

        mother_age = _age(mother.birth, today) if mother else head_age - 4
        # Room for the toddler the household was drawn with, and nobody lives alone on a family card here.
        slots = max(size - len(people), int(want_toddler), int(len(people) < 2))
        if elderly_head:
            # Grown children, perhaps a daughter- or son-in-law, and grandchildren.
            if want_toddler:
                people.append(self._child("cucu", self._int(0, 5), None))
                slots -= 1
            oldest = max(16, mother_age - 20)
            for _ in range(max(0, slots)):
                if rng.random() < 0.25 and any(p.relation == "anak" and _age(p.birth, today) >= 20 for p in people):
                    sex = self._pick("LP")
                    inlaw = _Person("", "menantu", sex, self._born(self._int(20, 40)))
                    inlaw.name = self._adult_name(sex, inlaw.birth, two_words=rng.random() < 0.3)
                    people.append(inlaw)
                else:
                    people.append(self._child("anak", self._int(max(12, mother_age - 42), oldest), father))
        else:
            oldest = max(0, mother_age - 18)
            age = min(self._int(0, 5), oldest) if want_toddler else self._int(6, 14)
            for _ in range(slots):
                if age > oldest:
                    break
                people.append(self._child("anak", age, father))
                age += self._int(1, 5)
            if len(people) < 2:
                people.append(self._child("anak", self._int(0, oldest), father))

        if young_mother and mother is not None and _age(mother.birth, today) <= 42:
            if want_pregnant:
                mother.edd = today + timedelta(days=self._int(0, 270))
            else:
                mother.edd = today - timedelta(days=self._int(1, 60))
        if want_disability:
            self._pick(people).disability = True
        for person in people[1:]:
            age = _age(person.birth, today)
            if age >= 75 and rng.random() < 0.04:
                person.status = "meninggal"
            elif person.relation == "anak" and age >= 19 and rng.random() < 0.05:
                person.status = "pindah"
        return people

    def _child(self, relation: str, age: int, father: _Person | None) -> _Person:
        rng = self.rng
        sex = "L" if rng.random() < 0.51 else "P"
        birth = self._born(age)
        name = self._young_name(sex, birth)
        if father is not None and " " not in name and " " not in father.name and rng.random() < 0.2:
            name = f"{name} {father.name}"  # children often carry their father's name
        child = _Person(name, relation, sex, birth)
        level = self._school_level(age)
        if level is not None:
            child.school_level = level
            child.school_name = self._school_name(level)
        return child

    def _school_level(self, age: int) -> str | None:
        roll = self.rng.random()
        if age == 6:
            return "SD" if roll < 0.5 else None
        if 7 <= age <= 12:
            return "SD" if roll < 0.99 else None
        if 13 <= age <= 15:
            return "SMP" if roll < 0.96 else None
        if 16 <= age <= 18:
            return "SMA" if roll < 0.90 else None
        if 19 <= age <= 20:
            return "SMA" if roll < 0.10 else None
        return None

    def _school_name(self, level: str) -> str:
        rng = self.rng
        number = self._int(1, 6)
        if rng.random() < 0.25:
            kind = {"SD": "MI", "SMP": "MTs", "SMA": "MA"}[level]
            return f"{kind} {self._pick(N.ISLAMIC_SCHOOL)}"
        if level == "SMA" and rng.random() < 0.4:
            return f"SMK Negeri {number}"
        return f"{level} Negeri {number}"

    # ------------------------------------------------------------------ names and places

    def _adult_name(self, sex: str, birth: date, *, two_words: bool) -> str:
        rng = self.rng
        if birth.year < 1975:
            pool = N.MALE_OLD if sex == "L" else N.FEMALE_OLD
        elif birth.year <= 2000:
            pool = N.MALE_MID if sex == "L" else N.FEMALE_MID
        else:
            return self._young_name(sex, birth)
        given = self._pick(pool)
        if sex == "P" and rng.random() < 0.25:
            return f"Siti {self._pick(N.SITI_SECOND)}"
        if sex == "L" and rng.random() < 0.12:
            return f"{self._pick(N.MALE_FIRST)} {given}"
        if two_words:
            return f"{given} {self._pick(N.MALE_SECOND if sex == 'L' else N.FEMALE_SECOND)}"
        return given

    def _wife_name(self, birth: date) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.40:
            return f"Siti {self._pick(N.SITI_SECOND)}"
        if roll < 0.55:
            return self._pick(N.NUR_FORMS)
        return self._adult_name("P", birth, two_words=rng.random() < 0.2)

    def _young_name(self, sex: str, birth: date) -> str:
        rng = self.rng
        if birth.year <= 2000:
            return self._adult_name(sex, birth, two_words=rng.random() < 0.3)
        roll = rng.random()
        if sex == "L":
            if roll < 0.35:
                return f"{self._pick(N.MALE_FIRST[:2])} {self._pick(N.MALE_YOUNG)}"
            if roll < 0.6:
                return f"{self._pick(N.MALE_YOUNG)} {self._pick(N.MALE_SECOND)}"
            return self._pick(N.MALE_YOUNG)
        if roll < 0.15:
            return f"Siti {self._pick(N.FEMALE_YOUNG)}"
        if roll < 0.28:
            return f"Nur {self._pick(N.FEMALE_YOUNG)}"
        if roll < 0.55:
            return f"{self._pick(N.FEMALE_YOUNG)} {self._pick(N.FEMALE_SECOND + ('Putri', 'Ramadhani'))}"
        return self._pick(N.FEMALE_YOUNG)

    def _address(self, desa: Place) -> str:
        rng = self.rng
        rt, rw = self._int(1, 12), self._int(1, 8)
        kota = desa.code[3] == "7"
        roll = rng.random()
        if kota and desa.code.startswith(("36.72", "36.73")) and roll < 0.5:
            place = f"Link. {self._kampung(desa)}"
        elif kota and roll < 0.4:
            place = f"Jl. {self._pick(N.STREET_NAMES)} Gg. {self._int(1, 9)}"
        else:
            place = f"Kp. {self._kampung(desa)}"
        return f"{place} RT {rt:03d}/RW {rw:03d}"

    def _kampung(self, desa: Place) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            return desa.name
        prefix, root = self._pick(N.KAMPUNG_PREFIX), self._pick(N.KAMPUNG_ROOT)
        if prefix in ("Babakan", "Kampung", "Tanjung", "Karang", "Gunung", "Kebon", "Tegal", "Lebak", "Bojong"):
            return f"{prefix} {root.capitalize()}"
        return prefix + root

    def _near(self, kecamatan: str, spread: float) -> tuple[float, float]:
        centre = self._centres.get(kecamatan)
        if centre is None:
            lat, lon, radius = KABUPATEN_CENTRES.get(kecamatan[:5], (-6.4, 106.1, 0.3))
            local = random.Random(kecamatan)  # the same pseudo-centre for a kecamatan in every run
            centre = (lat + local.uniform(-radius, radius), lon + local.uniform(-radius, radius))
            self._centres[kecamatan] = centre
        return (
            round(centre[0] + self._uniform(-spread, spread), 6),
            round(centre[1] + self._uniform(-spread, spread), 6),
        )

    # ------------------------------------------------------------------ visits

    def _shared(self, key: tuple[Any, ...], build: Callable[[tuple[Any, ...]], dict[str, Any]]) -> dict[str, Any]:
        """One dict object per distinct answer set (4,096 welfare, a few hundred condition combinations), shared by
        every visit that gives it: visits are millions, answer sets few. The rows treat them as read-only."""
        found = self._answers.get(key)
        if found is None:
            found = self._answers[key] = build(key)
        return found

    def _applicable(
        self, programme: ProgrammeRules, facts: MemberFacts, period: Period, last_met: dict[str, Period]
    ) -> list[CommitmentRule]:
        """``applicable_commitments``, memoised. The rules see the birth date only as the age at the period's
        first day and whether the member was born yet (``rules.applies``), so members who agree on those and on
        every other fact share one answer; the seed tests re-check every stored check against the real function.
        """
        start, end, _ = self._bounds[period]
        key = (
            programme.code,
            period,
            age_in_months(facts.birth_date, start),
            facts.birth_date > end,
            facts.sex,
            facts.pregnancy_edd,
            facts.school_level,
            facts.severe_disability,
            tuple(sorted(last_met.items())) if last_met else (),
        )
        found = self._rules_cache.get(key)
        if found is None:
            if len(self._rules_cache) > 200_000:
                self._rules_cache.clear()
            found = applicable_commitments(programme, facts, period, last_met)
            self._rules_cache[key] = found
        return found

    def _visits(
        self,
        chunk: ChunkRows,
        block: Block,
        h_index: int,
        first_member: int,
        people: list[_Person],
        home: tuple[float, float],
        phone: str | None,
        address: str,
        desa: Place,
    ) -> None:
        rng, options, today = self.rng, self.options, self.today
        programme = self.programmes[block.programme]
        assert self.plan is not None
        reviewer = self.plan.reviewers.get(block.kecamatan[:5])
        pendamping = block.pendamping
        active = [
            (
                first_member + i,
                person,
                MemberFacts(person.birth, person.sex, person.edd, person.school_level, person.disability, True),
            )
            for i, person in enumerate(people)
            if person.status == "aktif"
        ]
        welfare_base = [rng.random() < p for _, p in WELFARE_INDICATORS]
        if rng.random() < 0.12:  # doing better: graduation candidates
            welfare_base = [flag and rng.random() < 0.3 for flag in welfare_base]
        occupation = self._occupations.draw(rng)
        out_of_school = [
            idx for idx, person, _ in active if person.school_level is None and 16 <= _age(person.birth, today) <= 18
        ]
        dropout = bool(out_of_school)
        photo_note = "foto:kamera" if programme.evidence.photo_required else None
        last_met: dict[int, dict[str, Period]] = {}
        missed: set[tuple[int, str]] = set()
        referrals = 0
        changed: set[str] = set()

        for period in [*self.past_periods, self.current]:
            is_current = period == self.current
            if rng.random() >= (options.current_share if is_current else options.visited_share):
                continue
            start, end, period_text = self._bounds[period]
            last_day = self.yesterday if is_current else end  # today's visits would be reported later today
            if last_day < start:
                continue  # the first day of a period: nothing of it is reported yet
            visited_on = start + timedelta(days=self._below((last_day - start).days + 1))
            met = rng.random() < options.met_share
            late = not is_current and rng.random() < 0.02
            if late:
                submitted_day = end + timedelta(days=self._int(6, 12))
            else:
                delay = 0 if is_current or rng.random() < 0.8 else self._int(1, 3)
                submitted_day = min(visited_on + timedelta(days=delay), self.yesterday)
            submitted_day = min(submitted_day, self.yesterday)
            submitted = datetime.combine(
                submitted_day, time(self._int(8, 19), self._below(60), self._below(60)), WIB
            ).astimezone(UTC)
            visit_id = uuid.UUID(int=self.rng.getrandbits(128), version=4).hex

            review, reviewer_id, reviewed_at, review_note = "menunggu", None, None, None
            roll = rng.random()
            if reviewer is not None and (late or roll < (0.25 if is_current else 0.82) or roll > 0.97):
                candidate = submitted + timedelta(days=self._int(1, 6), hours=self._int(0, 8))
                if candidate < self.cutoff:
                    returned = roll > 0.97 and not late
                    review = "dikembalikan" if returned else "disetujui"
                    review_note = self._pick(N.REVIEW_NOTES) if returned else None
                    reviewer_id, reviewed_at = reviewer, candidate

            location_note = None
            if rng.random() < 0.1:
                lat, lon, flagged = None, None, False
                location_note = "lokasi:gps" if rng.random() < 0.6 else "lokasi:sinyal"
            elif rng.random() < 0.01:
                lat, lon, flagged = home[0] + self._uniform(0.06, 0.1), home[1] - self._uniform(0.06, 0.1), True
            else:
                lat = home[0] + self._uniform(-0.002, 0.002)
                lon = home[1] + self._uniform(-0.002, 0.002)
                flagged = False

            if met:
                welfare_flags = [flag != (rng.random() < 0.04) for flag in welfare_base]
                welfare = self._shared(tuple(welfare_flags), lambda f: dict(zip(WELFARE_KEYS, f, strict=True)))
                count = sum(welfare_flags)
                score: int | None = count
                sick = rng.random() < 0.1
                house_poor = welfare_flags[0] + welfare_flags[1] + welfare_flags[2]
                answers = (
                    ("layak", "kurang_layak", "tidak_layak", "tidak_layak")[house_poor],
                    occupation,
                    "ya" if sick else "tidak",
                    "ya" if dropout else "tidak",
                    "ya" if count >= 8 or rng.random() < 0.1 else "tidak",
                )
                condition = self._shared(answers, lambda a: dict(zip(CONDITION_KEYS, a, strict=True)))
                notes = self._pick(N.VISIT_NOTES) if rng.random() < 0.15 else None
                not_met_reason = None
            else:
                welfare, score, condition, notes = _EMPTY, None, _EMPTY, None
                not_met_reason = self._not_met.draw(rng)

            chunk.visits.append(
                (
                    visit_id,
                    h_index,
                    pendamping,
                    period_text,
                    visited_on,
                    submitted,
                    met,
                    not_met_reason,
                    condition,
                    welfare,
                    score,
                    None if lat is None else round(lat, 6),
                    None if lon is None else round(lon, 6),
                    flagged,
                    None,  # photo_file_id: no Telegram files in synthetic data
                    None,
                    "; ".join(n for n in (photo_note, location_note) if n) or None,
                    notes,
                    late,
                    review,
                    reviewer_id,
                    review_note,
                    reviewed_at,
                )
            )
            if not met:
                continue

            health_miss: int | None = None
            for m_index, person, facts in active:
                history = last_met.setdefault(m_index, {})
                for rule in self._applicable(programme, facts, period, history):
                    if rule.pregnant and person.edd is not None:
                        # The rules do not know when a pregnancy began; nobody checks ANC before it was known.
                        known = person.edd - timedelta(days=PREGNANCY_DAYS - PREGNANCY_KNOWN_AFTER_DAYS)
                        if end < known:
                            continue
                    key = (m_index, rule.code)
                    miss = rng.random() < (0.35 if key in missed else 0.07)
                    if miss:
                        missed.add(key)
                        reason = self._pick(N.MISSED_REASONS.get(rule.category, ("lainnya",)))
                        chunk.checks.append((visit_id, m_index, period_text, rule.code, "tidak memenuhi", reason))
                        if rule.category.startswith("kesehatan") or rule.category in ("lansia", "disabilitas"):
                            health_miss = m_index
                    else:
                        missed.discard(key)
                        if rule.yearly:
                            history[rule.code] = period
                        chunk.checks.append((visit_id, m_index, period_text, rule.code, "memenuhi", None))

            if referrals < 2:
                referral: tuple[str, int | None, str] | None = None
                if out_of_school and rng.random() < 0.3:
                    referral = ("pendidikan", out_of_school.pop(0), N.REFERRALS["pendidikan"][0])
                elif health_miss is not None and rng.random() < 0.15:
                    referral = ("kesehatan", health_miss, self._pick(N.REFERRALS["kesehatan"]))
                elif rng.random() < 0.01:
                    referral = ("umkm", None, self._pick(N.REFERRALS["umkm"]))
                if referral is not None:
                    referrals += 1
                    self._referral(chunk, h_index, visit_id, submitted, referral)

            self._changes(
                chunk, h_index, visit_id, visited_on, submitted, active, pendamping, phone, address, desa, changed
            )

    def _referral(
        self,
        chunk: ChunkRows,
        h_index: int,
        visit_id: str,
        submitted: datetime,
        referral: tuple[str, int | None, str],
    ) -> None:
        rng, today = self.rng, self.today
        sector, member, need = referral
        age_days = (today - submitted.date()).days
        status, note, updated = "baru", None, submitted
        if age_days > 20:
            roll = rng.random()
            if roll < 0.3:
                status, note = "diterima", "Diterima OPD, menunggu jadwal"
            elif roll < 0.5:
                status, note = "ditangani", "Sudah ditindaklanjuti OPD"
            if status != "baru":
                updated = min(submitted + timedelta(days=self._int(3, min(20, age_days))), self.cutoff)
        chunk.referrals.append((h_index, member, visit_id, sector, need, status, note, submitted, updated))

    def _changes(
        self,
        chunk: ChunkRows,
        h_index: int,
        visit_id: str,
        visited_on: date,
        submitted: datetime,
        active: list[tuple[int, _Person, MemberFacts]],
        pendamping: UserSeed,
        phone: str | None,
        address: str,
        desa: Place,
        changed: set[str],
    ) -> None:
        """Proposed registry updates found at a visit: a birth after an expected delivery, a new phone …"""
        rng = self.rng

        def propose(kind: str, member: int | None, field_: str | None, old: str | None, new: dict[str, Any]) -> None:
            changed.add(kind)
            chunk.changes.append(
                (visit_id, h_index, member, kind, field_, old, new, "diajukan", pendamping, None, None, submitted)
            )

        if "kelahiran" not in changed:
            for m_index, person, _ in active:
                if person.edd is not None and person.edd < visited_on and rng.random() < 0.7:
                    sex = "L" if rng.random() < 0.51 else "P"
                    kec = kecamatan_digits(desa.code)
                    baby = {
                        "nama": f"Bayi Ny. {person.name}",
                        "jenis_kelamin": sex,
                        "tanggal_lahir": person.edd.isoformat(),
                        "hubungan": "anak",
                        "nik": make_nik(kec, person.edd, sex, self.nik_serials.take(kec, person.edd)),
                    }
                    propose("kelahiran", m_index, "member", None, baby)
                    break
        roll = rng.random()
        if roll < 0.01 and "telepon_baru" not in changed:
            propose("telepon_baru", None, "phone", phone, {"telepon": self._phone()})
        elif roll > 0.997 and "alamat_baru" not in changed:
            propose("alamat_baru", None, "address", address, {"alamat": self._address(desa)})
        elif 0.5 < roll < 0.502 and "kematian" not in changed:
            elders = [
                (i, p) for i, p, _ in active if _age(p.birth, self.today) >= 70 and p.relation != "kepala keluarga"
            ]
            if elders:
                propose("kematian", elders[0][0], "status", None, {"tanggal": visited_on.isoformat()})
