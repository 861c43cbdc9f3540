"""Which commitments bind which member in which period — the shipped JAMSOSRATU and JSCM rule files, case by case.

Ages are taken on the period's first day, so every boundary case below is a birth date one day either side of
the 1st of the period's month.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from models.period import Period
from models.rules import (
    MemberFacts,
    ProgrammeRules,
    RulesError,
    applicable_commitments,
    load_programme_files,
    parse_programme,
    rules_from_json,
    shipped_programmes,
)

NOV = Period(2026, 11)  # first day 2026-11-01
JAMSOSRATU = "JAMSOSRATU"
JSCM = "JSCM"

SCHOOL = "pendidikan_kehadiran"
ANC = "ibu_hamil_pemeriksaan"
BIRTH = "ibu_hamil_persalinan_faskes"
POSTNATAL = "nifas_pemeriksaan"
WEIGHING = "balita_penimbangan"
IMMUNISATION = "balita_imunisasi"
VITAMIN_A = "balita_vitamin_a"
ELDERLY = "lansia_pemeriksaan"
DISABILITY = "disabilitas_pemeriksaan"


def codes(programme: str, member: MemberFacts, period: Period = NOV, **last_met: Period) -> set[str]:
    rules = shipped_programmes()[programme]
    return {rule.code for rule in applicable_commitments(rules, member, period, last_met)}


def adult(**facts: object) -> MemberFacts:
    """A 35-year-old with no flags unless ``facts`` add some."""
    return MemberFacts(birth_date=date(1991, 5, 10), **facts)  # type: ignore[arg-type]


# (case, programme, member, period, expected commitment codes)
CASES: list[tuple[str, str, MemberFacts, Period, set[str]]] = [
    # --- pregnancy: expected delivery date (EDD) 10 December 2026
    ("pregnant, EDD next month", JAMSOSRATU, adult(sex="P", pregnancy_edd=date(2026, 12, 10)), NOV, {ANC}),
    (
        "pregnant, EDD this month: ANC, birth and postnatal",
        JAMSOSRATU,
        adult(sex="P", pregnancy_edd=date(2026, 12, 10)),
        Period(2026, 12),
        {ANC, BIRTH, POSTNATAL},
    ),
    (
        "month after the EDD: birth still asked (31 days), postnatal window (42 days)",
        JAMSOSRATU,
        adult(sex="P", pregnancy_edd=date(2026, 12, 10)),
        Period(2027, 1),
        {BIRTH, POSTNATAL},
    ),
    (
        "two months after the EDD: nothing",
        JAMSOSRATU,
        adult(sex="P", pregnancy_edd=date(2026, 12, 10)),
        Period(2027, 2),
        set(),
    ),
    (
        "EDD on the 1st is still antenatal that month",
        JAMSOSRATU,
        adult(sex="P", pregnancy_edd=date(2026, 11, 1)),
        NOV,
        {ANC, BIRTH, POSTNATAL},
    ),
    (
        "EDD on the last day of the month before: no ANC",
        JAMSOSRATU,
        adult(sex="P", pregnancy_edd=date(2026, 10, 31)),
        NOV,
        {BIRTH, POSTNATAL},
    ),
    ("an EDD on a man's record is ignored", JAMSOSRATU, adult(sex="L", pregnancy_edd=date(2026, 12, 10)), NOV, set()),
    ("JSCM has no postnatal commitment", JSCM, adult(sex="P", pregnancy_edd=date(2026, 11, 20)), NOV, {ANC, BIRTH}),
    # --- school: 6–21 with a school level (JSCM 6–18)
    ("child of 11 in SD", JAMSOSRATU, MemberFacts(date(2015, 6, 15), school_level="SD"), NOV, {SCHOOL}),
    ("child of 11 without a school level", JAMSOSRATU, MemberFacts(date(2015, 6, 15)), NOV, set()),
    (
        "turned 6 on the period's first day",
        JAMSOSRATU,
        MemberFacts(date(2020, 11, 1), school_level="SD"),
        NOV,
        {SCHOOL},
    ),
    # born 2020-11-02: 71 months on 1 November → still a toddler, not yet school age
    ("turns 6 on the 2nd: not yet", JAMSOSRATU, MemberFacts(date(2020, 11, 2), school_level="SD"), NOV, {WEIGHING}),
    (
        "21 on the first day: still education",
        JAMSOSRATU,
        MemberFacts(date(2005, 11, 1), school_level="SMA"),
        NOV,
        {SCHOOL},
    ),
    ("22 on the first day: no longer", JAMSOSRATU, MemberFacts(date(2004, 11, 1), school_level="SMA"), NOV, set()),
    (
        "21 until the day before the 22nd birthday",
        JAMSOSRATU,
        MemberFacts(date(2004, 11, 2), school_level="SMA"),
        NOV,
        {SCHOOL},
    ),
    ("JSCM: 18 still education", JSCM, MemberFacts(date(2008, 11, 1), school_level="SMA"), NOV, {SCHOOL}),
    ("JSCM: 19 no longer", JSCM, MemberFacts(date(2007, 11, 1), school_level="SMA"), NOV, set()),
    ("JAMSOSRATU: 19 still education", JAMSOSRATU, MemberFacts(date(2007, 11, 1), school_level="SMA"), NOV, {SCHOOL}),
    # --- toddlers: weighing 0–71 months, immunisation 0–23, vitamin A 6–59 in Feb/Aug
    ("born on the period's first day", JAMSOSRATU, MemberFacts(date(2026, 11, 1)), NOV, {WEIGHING, IMMUNISATION}),
    (
        "born during the period (after the 1st): not yet counted",
        JAMSOSRATU,
        MemberFacts(date(2026, 11, 15)),
        NOV,
        set(),
    ),
    ("23 months: still immunisation", JAMSOSRATU, MemberFacts(date(2024, 12, 1)), NOV, {WEIGHING, IMMUNISATION}),
    ("24 months: weighing only", JAMSOSRATU, MemberFacts(date(2024, 11, 1)), NOV, {WEIGHING}),
    ("71 months: last month of weighing", JAMSOSRATU, MemberFacts(date(2020, 12, 1)), NOV, {WEIGHING}),
    ("72 months: no more weighing", JAMSOSRATU, MemberFacts(date(2020, 11, 1)), NOV, set()),
    (
        "24 months in February: vitamin A, immunisation over",
        JAMSOSRATU,
        MemberFacts(date(2025, 1, 15)),
        Period(2027, 2),
        {WEIGHING, VITAMIN_A},
    ),
    (
        "2 years old in August: vitamin A",
        JAMSOSRATU,
        MemberFacts(date(2024, 6, 15)),
        Period(2026, 8),
        {WEIGHING, VITAMIN_A},
    ),
    ("2 years old in November: no vitamin A", JAMSOSRATU, MemberFacts(date(2024, 6, 15)), NOV, {WEIGHING}),
    (
        "5 months old in August: too young for vitamin A",
        JAMSOSRATU,
        MemberFacts(date(2026, 2, 15)),
        Period(2026, 8),
        {WEIGHING, IMMUNISATION},
    ),
    (
        "6 months old in August: vitamin A",
        JAMSOSRATU,
        MemberFacts(date(2026, 2, 1)),
        Period(2026, 8),
        {WEIGHING, IMMUNISATION, VITAMIN_A},
    ),
    (
        "59 months in August: last vitamin A",
        JAMSOSRATU,
        MemberFacts(date(2021, 9, 1)),
        Period(2026, 8),
        {WEIGHING, VITAMIN_A},
    ),
    ("60 months in August: no vitamin A", JAMSOSRATU, MemberFacts(date(2021, 8, 1)), Period(2026, 8), {WEIGHING}),
    ("JSCM: no immunisation commitment", JSCM, MemberFacts(date(2026, 1, 1)), NOV, {WEIGHING}),
    # --- elderly: JAMSOSRATU from 60, JSCM from 65; yearly
    ("turned 60 on the first day", JAMSOSRATU, MemberFacts(date(1966, 11, 1)), NOV, {ELDERLY}),
    ("turns 60 on the 2nd: not yet", JAMSOSRATU, MemberFacts(date(1966, 11, 2)), NOV, set()),
    ("JSCM: 62 is not elderly", JSCM, MemberFacts(date(1964, 3, 3)), NOV, set()),
    ("JSCM: 65 is", JSCM, MemberFacts(date(1961, 11, 1)), NOV, {ELDERLY}),
    # --- severe disability: any age, JAMSOSRATU only
    ("severely disabled adult", JAMSOSRATU, adult(severe_disability=True), NOV, {DISABILITY}),
    ("JSCM has no disability commitment", JSCM, adult(severe_disability=True), NOV, set()),
    (
        "severely disabled child in school: both",
        JAMSOSRATU,
        MemberFacts(date(2014, 2, 2), school_level="SD", severe_disability=True),
        NOV,
        {SCHOOL, DISABILITY},
    ),
    # --- the dead and the not-yet-born
    (
        "deceased: nothing, whatever the flags",
        JAMSOSRATU,
        MemberFacts(date(1950, 1, 1), severe_disability=True, alive=False),
        NOV,
        set(),
    ),
    ("deceased toddler: nothing", JAMSOSRATU, MemberFacts(date(2025, 1, 1), alive=False), NOV, set()),
    (
        "born after the period: not even the age-free disability check",
        JAMSOSRATU,
        MemberFacts(date(2026, 12, 5), severe_disability=True),
        NOV,
        set(),
    ),
    (
        "born during the next period: the disability check applies then",
        JAMSOSRATU,
        MemberFacts(date(2026, 12, 5), severe_disability=True),
        Period(2026, 12),
        {DISABILITY},
    ),
    ("a plain adult of 35: nothing", JAMSOSRATU, adult(), NOV, set()),
]


@pytest.mark.parametrize(
    ("programme", "member", "period", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_applicable_commitments(programme: str, member: MemberFacts, period: Period, expected: set[str]) -> None:
    assert codes(programme, member, period) == expected


@pytest.mark.parametrize(
    ("last_met", "expected"),
    [
        (None, {ELDERLY}),  # never checked
        (Period(2026, 1), set()),  # 10 months ago: done for this year
        (Period(2025, 12), set()),  # 11 months ago
        (Period(2025, 11), {ELDERLY}),  # 12 months ago: due again
        (Period(2024, 3), {ELDERLY}),
    ],
)
def test_yearly_elderly_check_comes_back_twelve_periods_after_it_was_met(
    last_met: Period | None, expected: set[str]
) -> None:
    elder = MemberFacts(date(1950, 4, 4))
    kwargs = {ELDERLY: last_met} if last_met else {}
    assert codes(JAMSOSRATU, elder, NOV, **kwargs) == expected


def test_last_met_of_one_yearly_commitment_does_not_silence_another() -> None:
    elder_disabled = MemberFacts(date(1950, 4, 4), severe_disability=True)
    assert codes(JAMSOSRATU, elder_disabled, NOV, lansia_pemeriksaan=Period(2026, 6)) == {DISABILITY}
    # a monthly commitment ignores last_met entirely
    child = MemberFacts(date(2015, 6, 15), school_level="SD")
    assert codes(JAMSOSRATU, child, NOV, pendidikan_kehadiran=Period(2026, 10)) == {SCHOOL}


def test_results_follow_the_file_order() -> None:
    rules = shipped_programmes()[JAMSOSRATU]
    member = MemberFacts(date(2015, 6, 15), sex="P", school_level="SD", severe_disability=True)
    found = [r.code for r in applicable_commitments(rules, member, NOV)]
    order = [r.code for r in rules.commitments]
    assert found == sorted(found, key=order.index) == [SCHOOL, DISABILITY]


def test_shipped_programmes_and_their_areas() -> None:
    programmes = shipped_programmes()
    assert programmes[JAMSOSRATU].area == "36"
    assert programmes[JSCM].area == "36.72"
    assert programmes[JSCM].evidence.photo_required and not programmes[JAMSOSRATU].evidence.photo_required
    assert programmes[JSCM].period.deadline_working_days == 3


def test_rules_survive_the_round_trip_through_the_programme_table() -> None:
    for rules in shipped_programmes().values():
        stored = rules.model_dump(mode="json", by_alias=True)
        assert rules_from_json(stored) == rules
        assert rules_from_json(stored).fingerprint() == rules.fingerprint()


# ----------------------------------------------------------------------------------------- programme files

GOOD = """
code = "UJI"
name = "Program Uji"
area = "36.02"

[[commitment]]
code = "balita_penimbangan"
category = "kesehatan_anak"
label = "penimbangan"
max_age_months = 71
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_extra_programme_file_loads_beside_the_shipped_ones(tmp_path: Path) -> None:
    write(tmp_path, "uji.toml", GOOD)
    loaded = {p.code: p for p in load_programme_files(tmp_path)}
    assert set(loaded) == {JAMSOSRATU, JSCM, "UJI"}
    assert loaded["UJI"].commitment("balita_penimbangan").max_age_months == 71


def test_an_extra_file_overrides_a_shipped_programme_of_the_same_code(tmp_path: Path) -> None:
    write(tmp_path, "jscm_baru.toml", GOOD.replace('"UJI"', '"JSCM"').replace('"36.02"', '"36.72"'))
    loaded = {p.code: p for p in load_programme_files(tmp_path)}
    assert [c.code for c in loaded[JSCM].commitments] == ["balita_penimbangan"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('code = "UJI"\nname = "tanpa kutip penutup\n', ["TOML tidak valid"], id="bad TOML"),
        pytest.param(GOOD + 'warna = "merah"\n', ["warna"], id="unknown key in a commitment"),
        pytest.param(
            GOOD.replace("[[commitment]]", 'ketua = "x"\n\n[[commitment]]'), ["ketua"], id="unknown top-level key"
        ),
        pytest.param(
            GOOD + GOOD[GOOD.index("[[commitment]]") :],
            ["program: kode komitmen ganda: balita_penimbangan"],
            id="duplicate code",
        ),
        pytest.param(
            GOOD.replace("max_age_months = 71", "min_age = 10\nmax_age = 5"),
            ["min_age lebih besar dari max_age"],
            id="min > max",
        ),
        pytest.param(
            GOOD.replace("max_age_months = 71", "min_age_months = 30\nmax_age_months = 2"),
            ["min_age_months lebih besar dari max_age_months"],
            id="min months > max months",
        ),
        pytest.param(GOOD.replace("max_age_months = 71", "months = [2, 13]"), ["months harus 1–12"], id="month 13"),
        pytest.param(GOOD.replace('area = "36.02"', 'area = "Banten"'), ["area"], id="area not a code"),
        pytest.param(GOOD[: GOOD.index("[[commitment]]")], ["commitment"], id="no commitments"),
        pytest.param(
            GOOD.replace('code = "balita_penimbangan"', 'code = "Balita Timbang"'), ["code"], id="bad commitment code"
        ),
    ],
)
def test_a_bad_programme_file_is_refused_with_a_message_naming_the_file(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = write(tmp_path, "rusak.toml", text)
    with pytest.raises(RulesError) as caught:
        load_programme_files(tmp_path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    for part in expected:
        assert part in message, message
    assert "\n" not in message and ": :" not in message  # one readable line, every problem with a place
    assert "Traceback" not in message and "pydantic" not in message.lower()


def test_parse_programme_names_the_source_it_was_given() -> None:
    with pytest.raises(RulesError, match=r"^jamsosratu\.toml: commitment\.0: min_age lebih besar"):
        parse_programme(GOOD.replace("max_age_months = 71", "min_age = 10\nmax_age = 5"), "jamsosratu.toml")


def test_a_valid_file_parses_to_rules() -> None:
    rules = parse_programme(GOOD, "uji.toml")
    assert isinstance(rules, ProgrammeRules)
    assert rules.period.deadline_working_days == 5  # defaults fill what the file leaves out
    assert rules.evidence.photo_required is False


def test_antenatal_checks_start_only_once_the_pregnancy_has_begun() -> None:
    from models.rules import MemberFacts, applicable_commitments, shipped_programmes

    programme = shipped_programmes()["JAMSOSRATU"]
    mother = MemberFacts(birth_date=date(1995, 4, 2), sex="P", pregnancy_edd=date(2027, 9, 20))
    codes = lambda period: {r.code for r in applicable_commitments(programme, mother, period)}  # noqa: E731
    assert "ibu_hamil_pemeriksaan" not in codes(Period(2026, 11))  # conception is about 14 Dec 2026
    assert "ibu_hamil_pemeriksaan" in codes(Period(2026, 12))
    assert "ibu_hamil_pemeriksaan" in codes(Period(2027, 9))
    assert "ibu_hamil_pemeriksaan" not in codes(Period(2027, 10))
