"""The row check's shortcuts for the ordinary cell (a plain KK, a plain 08… phone, a NIK that agrees with the row's
birth date and sex) give exactly what the full checks in ``models.validate`` give; anything else still goes
through them, so the messages have one source."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from models.importing.layout import HOUSEHOLD_COLUMNS
from models.importing.rows import Reference, RowChecker
from models.importing.table import Table
from models.seeding.identity import make_nik
from models.spreadsheet import GUARD
from models.tables import Sex
from models.validate import (
    NAME_MAX,
    normalize_phone,
    person_name_problem,
    plain_ascii_name,
    validate_kk,
    validate_nik,
)

TODAY = date(2025, 11, 24)
COLUMNS = [c.name for c in HOUSEHOLD_COLUMNS]


def _checker(tmp: Path) -> RowChecker:
    path = tmp / "header.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(COLUMNS)
    reference = Reference(
        regions={"36.01.01.2001": ("Desa Contoh", 4)}, programmes={"JAMSOSRATU": "36"}, pendamping={}, users_by_phone={}
    )
    return RowChecker(Table(path, HOUSEHOLD_COLUMNS), reference, today=TODAY, default_programme="JAMSOSRATU")


def _row(checker: RowChecker, **cells: object) -> tuple[str | None, str | None, list[str]]:
    row = checker.check(2, [cells.get(name, "") for name in COLUMNS], "k")
    return row.kk, row.phone, [i.message for i in row.errors + row.warnings if i.column in ("no_kk", "telepon")]


DIGITS = st.text(alphabet="0123456789", min_size=0, max_size=17)
KKS = st.one_of(
    DIGITS,
    st.builds(
        lambda region, date_part, serial: region + date_part + serial,
        st.sampled_from(["360101", "110000", "990101", "367201"]),
        st.text(alphabet="0123456789", min_size=6, max_size=6),
        st.text(alphabet="0123456789", min_size=4, max_size=4),
    ),
    st.sampled_from(["３６０１０１１５１１２００００１", "3601011511200001 ", "3601-0115-1120-0001"]),
)
PHONES = st.one_of(
    st.builds(lambda rest: "08" + rest, DIGITS),
    st.builds(lambda rest: "0" + rest, DIGITS),
    st.sampled_from(["０８１２３４５６７８９０", "0812 3456 7890", "08123456789012345", "0800000000"]),
)


def test_clean_cells_take_the_shortcut_and_agree(tmp_path: Path) -> None:
    checker = _checker(tmp_path)
    assert checker._clean_kk("3601011511200001")
    assert _row(checker, no_kk="3601011511200001", telepon="081234567890") == ("3601011511200001", "+6281234567890", [])


@settings(max_examples=400, deadline=None)
@given(kk=KKS, phone=PHONES)
def test_the_shortcuts_give_what_the_full_checks_give(kk: str, phone: str) -> None:
    checker = CHECKER
    found_kk, found_phone, messages = _row(checker, no_kk=kk, telepon=phone)
    full_kk, full_phone = validate_kk(kk), normalize_phone(phone)
    assert found_kk == full_kk.value
    assert found_phone == full_phone.value
    assert messages == [*full_kk.errors, *full_phone.errors, *full_phone.warnings]


NIKS = st.one_of(
    st.builds(
        lambda region, date_part, serial: region + date_part + serial,
        st.sampled_from(["360101", "110000", "990101", "367201", "360100"]),
        st.text(alphabet="0123456789", min_size=6, max_size=6),
        st.text(alphabet="0123456789", min_size=4, max_size=4),
    ),
    st.builds(  # a NIK made for a birth date and sex, perhaps not this row's
        lambda born, sex, serial: make_nik("360101", born, sex, serial),
        st.dates(date(1900, 1, 1), TODAY),
        st.sampled_from(["L", "P"]),
        st.integers(1, 9999),
    ),
    DIGITS,
)


@settings(max_examples=600, deadline=None)
@given(
    nik=NIKS,
    born=st.one_of(st.none(), st.dates(date(1900, 1, 1), TODAY)),
    sex=st.one_of(st.none(), st.sampled_from([Sex.L, Sex.P])),
)
def test_a_nik_takes_the_shortcut_only_when_the_full_check_has_nothing_to_say(
    nik: str, born: date | None, sex: Sex | None
) -> None:
    if CHECKER._clean_nik(nik, born, sex):
        full = validate_nik(nik, today=TODAY, birth_date=born, sex=sex)
        assert (full.value, full.errors, full.warnings) == (nik, [], [])
    if born is not None and sex is not None:  # the row's own NIK: the ordinary case always takes the shortcut
        own = make_nik("360101", born, sex.value, 7)
        assert CHECKER._clean_nik(own, born, sex)
        assert validate_nik(own, today=TODAY, birth_date=born, sex=sex).warnings == []


def test_a_nik_made_for_the_rows_birth_date_and_sex_takes_the_shortcut() -> None:
    for born, sex in ((date(1972, 4, 7), Sex.L), (date(1975, 10, 7), Sex.P), (date(2000, 2, 29), Sex.P)):
        nik = make_nik("360101", born, sex.value, 1)
        assert CHECKER._clean_nik(nik, born, sex)
        assert not CHECKER._clean_nik(nik, born, Sex.P if sex is Sex.L else Sex.L)  # the sex disagrees: warned
        assert not CHECKER._clean_nik(nik, date(born.year - 1, born.month, 1), sex)  # the date disagrees: warned


CHECKER: RowChecker


def setup_module() -> None:
    global CHECKER
    import tempfile

    CHECKER = _checker(Path(tempfile.mkdtemp()))


NAMES = st.one_of(
    st.text(alphabet="abcXYZ019 .,'()/-", min_size=1, max_size=130),
    st.text(min_size=1, max_size=40),  # any character: markup, emoji, control, other scripts
)


@settings(max_examples=600, deadline=None)
@given(name=NAMES)
def test_a_name_takes_the_shortcut_only_when_the_forms_rule_has_nothing_to_say(name: str) -> None:
    """The import's name shortcut (``plain_ascii_name`` and the length) never passes a name the visit form's rule
    refuses, and the row's message is the rule's own."""
    squeezed = " ".join(name.split())
    if squeezed and len(squeezed) <= NAME_MAX and plain_ascii_name(squeezed) is not None:
        assert person_name_problem(squeezed) is None
    row = CHECKER.check(2, [name if c == "nama" else "" for c in COLUMNS], "k")
    wrong = [i.message for i in row.errors if i.column == "nama"]
    problem = person_name_problem(squeezed)
    if squeezed and not squeezed.startswith(GUARD):  # a blank cell and an error file's guard have their own rules
        assert wrong == ([problem] if problem else [])
