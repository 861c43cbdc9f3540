"""Fuzz (hypothesis) over what people type and what spreadsheets contain: never an exception, always either a
value or a polite sentence saying what is wrong.

Covered: the form engine's validators (dates, free text, NIK and phone checks, button values, callback data) and
the import parser (header matching, date parsing, one row's checks). Pure functions, no database: fast.
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from handlers.forms.engine import parse_callback
from handlers.forms.grid import Grid, GridItem
from handlers.forms.steps import (
    Answer,
    DateStep,
    Ignore,
    Invalid,
    Option,
    Scope,
    Stay,
    TextInput,
    TextStep,
)
from handlers.render.forms import problem_text
from models.importing.layout import HOUSEHOLD_COLUMNS
from models.importing.rows import Reference, RowChecker
from models.importing.table import Table, _find_layout
from models.validate import normalize_phone, parse_date, validate_kk, validate_nik

TODAY = date(2026, 11, 24)
PLACEHOLDER = re.compile(r"\{(text|date|latest|earliest|min|max|length|message|example)\}")
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text the way phones produce it: any code point (surrogates excluded: they cannot arrive as UTF-8), weighted
# towards digits, separators and the invisible characters that sneak in from copy and paste.
odd = st.sampled_from(["\u200f", "\u200d", "\u200b", "\ufeff", "\x00", "\x1b", "\u202e", "²", "٣", "５", "𝟗"])
typed = st.lists(
    st.one_of(st.characters(blacklist_categories=["Cs"]), st.sampled_from("0123456789-/. :"), odd), max_size=40
).map("".join)
date_like = st.tuples(
    st.integers(-5, 99), st.sampled_from("-/. "), st.integers(-5, 99), st.sampled_from("-/. "), st.integers(0, 99999)
).map(lambda t: f"{t[0]}{t[1]}{t[2]}{t[3]}{t[4]}")
cell = st.one_of(
    st.none(),
    typed,
    date_like,
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)


def polite(sentence: str) -> None:
    """A sentence for a person: words, no code, no placeholder left unfilled."""
    assert sentence.strip(), "an empty error message"
    assert "Traceback" not in sentence, sentence
    assert not PLACEHOLDER.search(sentence), sentence


def scope() -> Scope:
    return Scope(answers={}, ctx=None, lang="id")


def check_outcome(outcome: object, *, allow_ignore: bool = False) -> None:
    if isinstance(outcome, Stay):  # a toggle screen keeps its state
        assert allow_ignore and isinstance(outcome.value, dict)
    elif isinstance(outcome, Invalid):
        for lang in ("id", "en"):
            polite(problem_text(outcome, lang))
    elif isinstance(outcome, Ignore):
        assert allow_ignore, "typed text is always answered or explained"
    else:
        assert isinstance(outcome, Answer), outcome


VISIT_DATE = DateStep(key="tanggal", bounds=lambda s: (date(2026, 11, 1), TODAY))


@FUZZ
@given(st.one_of(typed, date_like))
def test_a_typed_date_is_a_date_in_range_or_a_precise_refusal(text: str) -> None:
    outcome = VISIT_DATE.on_input(TextInput(text), scope())
    check_outcome(outcome)
    if isinstance(outcome, Answer):
        assert date(2026, 11, 1) <= date.fromisoformat(outcome.value) <= TODAY


@FUZZ
@given(st.dates(date(1, 1, 1), date(9999, 12, 31)), st.sampled_from(["{:%d-%m-%Y}", "{:%d/%m/%Y}", " {:%d.%m.%Y} "]))
def test_every_real_date_written_day_first_is_read_exactly(day: date, shape: str) -> None:
    outcome = VISIT_DATE.on_input(TextInput(shape.format(day)), scope())
    check_outcome(outcome)
    if date(2026, 11, 1) <= day <= TODAY and day.year >= 1000:
        assert outcome == Answer(day.isoformat())


@FUZZ
@given(st.one_of(typed, st.text(max_size=64)))
def test_a_pressed_value_on_a_date_question_never_fails(value: str) -> None:
    check_outcome(VISIT_DATE.on_press(value, scope()), allow_ignore=True)
    check_outcome(VISIT_DATE.on_press("d:" + value, scope()), allow_ignore=True)


NOTES = TextStep(key="catatan", skippable=True, max_length=1000)
NAME = TextStep(key="nama", min_length=3, max_length=120)


@FUZZ
@given(st.one_of(typed, st.text(max_size=1200), st.text(min_size=990, max_size=1100)))
def test_free_text_is_kept_within_its_length_or_refused_with_the_numbers(text: str) -> None:
    for step in (NOTES, NAME):
        outcome = step.on_input(TextInput(text), scope())
        check_outcome(outcome)
        if isinstance(outcome, Answer):
            assert step.min_length <= len(outcome.value) <= step.max_length
            assert outcome.value == outcome.value.strip()


@FUZZ
@given(st.one_of(typed, st.text(alphabet="0123456789 +-()", max_size=25)))
def test_nik_kk_and_phone_checks_give_a_value_or_reasons(text: str) -> None:
    for checked in (validate_nik(text, today=TODAY), validate_kk(text), normalize_phone(text)):
        if checked.ok:
            assert checked.value is not None
        else:
            assert checked.value is None and checked.errors
            for message in checked.errors:
                polite(message)


YES_NO = (Option("1", "Ya"), Option("0", "Tidak"))
GRID = Grid(key="kesejahteraan", items=[GridItem("lantai", "Lantai", YES_NO), GridItem("listrik", "Listrik", YES_NO)])


@FUZZ
@given(st.one_of(typed, st.text(max_size=60)).flatmap(lambda v: st.sampled_from([v, "g:" + v])))
@example("g:²")  # str.isdigit() accepts superscripts that int() refuses
@example("g:٣")
def test_grid_presses_with_any_value_are_applied_or_ignored(value: str) -> None:
    check_outcome(GRID.on_press(value, scope()), allow_ignore=True)


@FUZZ
@given(
    st.one_of(
        typed,
        st.tuples(st.text(max_size=10), st.one_of(typed, st.integers().map(str)), st.text(max_size=20)).map(
            lambda t: f"f:{t[0]}:{t[1]}:{t[2]}"
        ),
    )
)
@example("f:ABC:²:ya")
@example("f:ABC:99999999999999999999999:ya")
def test_forged_form_callback_data_parses_or_is_refused(data: str) -> None:
    pressed = parse_callback(data)
    if pressed is not None:
        assert isinstance(pressed.version, int) and pressed.version >= 0


# --- the import parser ----------------------------------------------------------------------------------------

HEADER_WORDS = [name for column in HOUSEHOLD_COLUMNS for name in (column.name, *column.aliases)]


@FUZZ
@given(st.lists(st.lists(st.one_of(cell, st.sampled_from(HEADER_WORDS)), max_size=20), max_size=8))
def test_header_matching_finds_a_layout_or_says_what_is_missing(rows: list[list[Any]]) -> None:
    layout, problems = _find_layout(iter(enumerate(rows, start=1)), HOUSEHOLD_COLUMNS, None)
    if layout is None:
        assert problems
        for message in problems:
            polite(message)
    else:
        assert not problems
        assert {c.name for c in HOUSEHOLD_COLUMNS if c.required} <= set(layout.index)


@FUZZ
@given(st.permutations(list(HOUSEHOLD_COLUMNS)), st.data())
def test_any_order_and_spelling_of_the_headers_is_recognised(columns: list[Any], data: st.DataObject) -> None:
    cells = [data.draw(st.sampled_from([c.name, *c.aliases]).map(lambda s: f"  {s.upper()} ")) for c in columns]
    layout, problems = _find_layout(iter([(1, cells)]), HOUSEHOLD_COLUMNS, None)
    assert layout is not None and not problems
    assert layout.index == {c.name: n for n, c in enumerate(columns)}


@FUZZ
@given(cell)
@example(float("inf"))  # an XLSX number cell of 1e400 reads as infinity
@example(float("nan"))
def test_an_import_date_cell_is_a_date_or_a_sentence(raw: object) -> None:
    checked = parse_date(raw, label="Tanggal lahir", latest=TODAY)
    if checked.ok:
        assert isinstance(checked.value, date) and checked.value <= TODAY
    else:
        assert checked.value is None and checked.errors
        polite(checked.errors[0])


def _checker(tmp: Path) -> RowChecker:
    path = tmp / "header.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow([c.name for c in HOUSEHOLD_COLUMNS])
    reference = Reference(
        regions={"36.01.01.2001": ("Desa Contoh", 4), "36.01.01": ("Kecamatan Contoh", 3)},
        programmes={"JAMSOSRATU": "36"},
        pendamping={"+6281234567890": 1},
        users_by_phone={"+6281234567890": "pendamping"},
    )
    return RowChecker(Table(path, HOUSEHOLD_COLUMNS), reference, today=TODAY, default_programme="JAMSOSRATU")


@FUZZ
@given(st.lists(cell, max_size=len(HOUSEHOLD_COLUMNS) + 3))
def test_one_row_of_any_content_is_checked_into_values_or_issues(cells: list[Any]) -> None:
    checker = CHECKER
    row = checker.check(7, cells, "k")
    for issue in (*row.errors, *row.warnings):
        assert issue.row == 7 and issue.column
        polite(issue.message)
    household = checker.household("k", [row])
    for issue in household.errors:
        polite(issue.message)
    if not household.failed:
        assert household.kk and household.head_name


CHECKER: RowChecker


def setup_module() -> None:
    global CHECKER
    import tempfile

    CHECKER = _checker(Path(tempfile.mkdtemp()))


def test_the_checker_accepts_a_good_row() -> None:
    """The fuzz above would pass vacuously if every row failed: one good row must load."""
    by_name = {
        "no_kk": "3601011511200001",
        "nik": "3601015506850001",
        "nama": "Siti Aminah",
        "hubungan": "kepala keluarga",
        "jenis_kelamin": "P",
        "tanggal_lahir": datetime(1985, 6, 15),
        "kode_desa": "36.01.01.2001",
        "alamat": "Kp. Contoh RT 01",
    }
    cells = [by_name.get(c.name) for c in HOUSEHOLD_COLUMNS]
    row = CHECKER.check(2, cells, "3601011511200001")
    household = CHECKER.household("3601011511200001", [row])
    assert not row.errors, row.errors
    assert not household.failed, household.errors
