"""The form engine on its own: which question is current, groups, changing a section, and what each kind of
step accepts. No Telegram, no database — a form is data, so it can be tested as data."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from handlers.forms import (
    SKIP,
    Action,
    Answer,
    Choice,
    DateStep,
    ForEach,
    Form,
    Grid,
    GridItem,
    Invalid,
    LocationInput,
    LocationStep,
    Option,
    Repeat,
    Review,
    Scope,
    Stay,
    TextInput,
    TextStep,
    callback,
    parse_callback,
)
from handlers.forms.engine import Question
from handlers.forms.steps import Ignore
from handlers.render.forms import typed_value

YES_NO = [Option("ya", "Ya"), Option("tidak", "Tidak")]


def _form() -> Form:
    return Form(
        "uji",
        [
            Choice(key="bertemu", section="kunjungan", options=YES_NO),
            Choice(
                key="alasan",
                section="kunjungan",
                options=[Option("pergi", "Pergi")],
                when=lambda s: s.answers.get("bertemu") == "tidak",
            ),
            ForEach(
                key="km",
                section="komitmen",
                items=lambda s: [("1:a", "A"), ("2:b", "B")],
                when=lambda s: s.answers.get("bertemu") == "ya",
                steps=[
                    Choice(key="km", options=[Option("m", "M"), Option("t", "T")]),
                    Choice(key="ka", options=[Option("sakit", "Sakit")], when=lambda s: s.get("km") == "t"),
                ],
            ),
            Repeat(
                key="ubah",
                section="perubahan",
                stop_values=frozenset({"tidak_ada", "selesai"}),
                max_entries=3,
                steps=[
                    Choice(
                        key="jenis",
                        options=[Option("tidak_ada", "-"), Option("selesai", "ok"), Option("telepon", "Telepon")],
                    ),
                    TextStep(key="nilai"),
                ],
            ),
            TextStep(key="catatan", section="catatan", skippable=True),
            Review(key="tinjau", sections=("kunjungan", "komitmen", "perubahan", "catatan")),
        ],
    )


def current(form: Form, answers: dict[str, Any]) -> str:
    return form.current(answers, None, "id").key


def test_the_current_question_is_the_first_that_applies_and_is_unanswered() -> None:
    form = _form()
    assert current(form, {}) == "bertemu"
    assert current(form, {"bertemu": "tidak"}) == "alasan"
    assert current(form, {"bertemu": "tidak", "alasan": "pergi"}) == "ubah/1/jenis"
    assert current(form, {"bertemu": "ya"}) == "km:1:a"


def test_for_each_repeats_per_item_and_a_condition_reads_its_own_item() -> None:
    form = _form()
    answers: dict[str, Any] = {"bertemu": "ya", "km:1:a": "t"}
    assert current(form, answers) == "ka:1:a"
    answers["ka:1:a"] = "sakit"
    assert current(form, answers) == "km:2:b"
    answers["km:2:b"] = "m"
    assert current(form, answers) == "ubah/1/jenis"  # no reason asked for B, which was met


def test_repeat_adds_entries_until_a_stop_answer_and_never_beyond_its_limit() -> None:
    form = _form()
    answers: dict[str, Any] = {"bertemu": "tidak", "alasan": "pergi", "ubah/1/jenis": "telepon"}
    assert current(form, answers) == "ubah/1/nilai"
    answers["ubah/1/nilai"] = "0812"
    assert current(form, answers) == "ubah/2/jenis"
    answers["ubah/2/jenis"] = "selesai"
    assert current(form, answers) == "catatan"
    assert "ubah/2/nilai" not in [q.key for q in form.questions(answers, None, "id")]
    full = {"bertemu": "tidak", "alasan": "pergi", "catatan": None}
    for n in (1, 2, 3):
        full[f"ubah/{n}/jenis"], full[f"ubah/{n}/nilai"] = "telepon", "x"
    assert current(form, full) == "tinjau"


def test_changing_a_section_asks_it_again_and_undo_puts_the_old_answers_back() -> None:
    form = _form()
    answers: dict[str, Any] = {
        "bertemu": "ya",
        "km:1:a": "m",
        "km:2:b": "t",
        "ka:2:b": "sakit",
        "ubah/1/jenis": "tidak_ada",
        "catatan": "ok",
    }
    assert current(form, answers) == "tinjau"
    form.start_edit(answers, "komitmen")
    assert current(form, answers) == "km:1:a"
    assert form.editing(answers) == "komitmen"
    assert answers["bertemu"] == "ya" and answers["catatan"] == "ok"  # other sections untouched
    form.apply(answers, form.current(answers, None, "id"), Answer("t"))
    form.finish_edit(answers, keep=False)
    assert answers["km:1:a"] == "m" and answers["ka:2:b"] == "sakit" and "ka:1:a" not in answers
    assert current(form, answers) == "tinjau" and form.editing(answers) is None


def test_review_turns_buttons_into_submit_or_change_actions() -> None:
    form = _form()
    scope = Scope({}, None)
    assert form.review.on_press("kirim", scope) == Action("submit")
    assert form.review.on_press("e:komitmen", scope) == Action("edit", "komitmen")
    assert isinstance(form.review.on_press("e:rahasia", scope), Ignore)


def test_a_form_must_end_with_its_review() -> None:
    with pytest.raises(ValueError):
        Form("salah", [TextStep(key="a"), Review(key="r"), TextStep(key="b")])


# --- steps --------------------------------------------------------------------------------------------------


def _date_step() -> DateStep:
    return DateStep(
        key="tanggal", bounds=lambda s: (date(2026, 11, 1), date(2026, 11, 24)), too_early="sebelum periode"
    )


@pytest.mark.parametrize(
    ("typed", "outcome"),
    [
        ("24-11-2026", Answer("2026-11-24")),
        (" 3/11/2026 ", Answer("2026-11-03")),
        ("31-02-2026", Invalid("date_missing", {"text": "31-02-2026"})),
        ("besok", Invalid("date_format", {"text": "besok"})),
        ("2026-11-03", Invalid("date_format", {"text": "2026-11-03"})),
    ],
)
def test_dates_are_read_as_dd_mm_yyyy_and_impossible_ones_are_named(typed: str, outcome: Any) -> None:
    assert _date_step().on_input(TextInput(typed), Scope({}, None)) == outcome


def test_dates_outside_the_bounds_are_refused_with_the_bound() -> None:
    step = _date_step()
    future = step.on_input(TextInput("25-11-2026"), Scope({}, None))
    assert (
        isinstance(future, Invalid) and future.code == "date_future" and future.params["latest"] == date(2026, 11, 24)
    )
    early = step.on_input(TextInput("31-10-2026"), Scope({}, None))
    assert isinstance(early, Invalid) and early.code == "sebelum periode"
    assert early.params["earliest"] == date(2026, 11, 1)
    assert step.on_press("d:2026-11-24", Scope({}, None)) == Answer("2026-11-24")
    assert isinstance(step.on_press("d:2026-12-01", Scope({}, None)), Invalid)


def test_text_is_trimmed_length_checked_and_skippable_only_when_allowed() -> None:
    step = TextStep(key="nama", min_length=3, max_length=10)
    assert step.on_input(TextInput("  Siti   Aminah "), Scope({}, None)) == Invalid(
        "text_long", {"max": 10, "length": 11}
    )
    assert step.on_input(TextInput("Si"), Scope({}, None)) == Invalid("text_short", {"min": 3})
    assert step.on_input(TextInput(" Siti  A "), Scope({}, None)) == Answer("Siti A")
    assert isinstance(step.on_press(SKIP, Scope({}, None)), Ignore)
    assert TextStep(key="c", skippable=True).on_press(SKIP, Scope({}, None)) == Answer(None)


def test_grid_cycles_each_item_and_keeps_work_in_progress_until_lanjut() -> None:
    step = Grid(
        key="g",
        items=[
            GridItem("lantai", "Lantai", (Option("1", "Ya", "✅"), Option("0", "Tidak", "❌"))),
            GridItem("air", "Air", (Option("1", "Ya", "✅"), Option("0", "Tidak", "❌"))),
        ],
        initial=lambda s: {"lantai": True, "asing": 1},
        fill_value="0",
    )
    answers: dict[str, Any] = {}
    scope = Scope(answers, None, key="g")
    assert step.state(scope) == {"lantai": True}  # prefilled, unknown codes dropped
    outcome = step.on_press("g:0", scope)
    assert outcome == Stay({"lantai": False})
    answers["g~"] = {"lantai": False}
    assert step.on_press("g:0", scope) == Stay({"lantai": None})
    assert step.on_press("fill", scope) == Stay({"lantai": False, "air": False})
    assert step.on_press("ok", scope) == Answer({"lantai": False})
    assert step.on_press("clear", scope) == Stay({})  # emptying is its own action, shown before it is kept
    assert isinstance(step.on_press(SKIP, scope), Ignore)  # no "Lewati" that drops what the screen shows
    assert isinstance(step.on_press("g:9", scope), Ignore)


def test_a_prefilled_grid_is_kept_whole_by_lanjut() -> None:
    step = Grid(
        key="g", items=[GridItem("rumah", "Rumah", (Option("layak", "layak"),))], initial=lambda s: {"rumah": "layak"}
    )
    assert step.on_press("ok", Scope({}, None, key="g")) == Answer({"rumah": "layak"})


def test_a_list_grid_opens_an_items_options_and_takes_the_one_picked() -> None:
    house = GridItem("rumah", "Rumah", (Option("layak", "layak"), Option("kurang_layak", "kurang layak")))
    step = Grid(key="g", items=[house], initial=lambda s: {"rumah": "layak"}, cycle=False)
    answers: dict[str, Any] = {}
    scope = Scope(answers, None, key="g")
    assert step.on_press("g:0", scope) == Stay({"rumah": "layak", "_pick": 0})
    answers["g~"] = {"rumah": "layak", "_pick": 0}
    assert step.picking(scope) == house
    assert step.on_press("v:1", scope) == Stay({"rumah": "kurang_layak"})  # one tap on the value, list closed
    assert step.on_press("v:-", scope) == Stay({"rumah": None})
    assert step.on_press("back", scope) == Stay({"rumah": "layak"})
    assert isinstance(step.on_press("v:7", scope), Ignore)
    answers["g~"] = {"rumah": "kurang_layak"}
    assert step.on_press("ok", scope) == Answer({"rumah": "kurang_layak"})


def test_location_is_shared_or_skipped_by_its_typed_button_label() -> None:
    step = LocationStep(key="lokasi", skip_label="Lewati lokasi")
    assert step.on_input(LocationInput(-6.1, 106.1), Scope({}, None)) == Answer({"lat": -6.1, "lon": 106.1})
    assert isinstance(step.on_input(TextInput("di rumah"), Scope({}, None)), Ignore)
    question = Question("lokasi", step, Scope({}, None), "bukti")
    assert typed_value(question, "id", "lewati LOKASI ") == SKIP and step.on_press(SKIP, Scope({}, None)) == Answer(
        SKIP
    )


def _asked(step: Any, answers: dict[str, Any] | None = None) -> Question:
    return Question(step.key, step, Scope(answers or {}, None, key=step.key), "")


def test_a_button_label_typed_instead_of_tapped_is_that_button() -> None:
    met = _asked(Choice(key="bertemu", options=[Option("ya", "Ya"), Option("tidak", "Tidak")]))
    assert typed_value(met, "id", "ya") == "ya" and typed_value(met, "id", " TIDAK.") == "tidak"
    assert typed_value(met, "id", "iya") == "ya"  # the usual way of typing it
    assert typed_value(met, "en", "yes") == "ya" and typed_value(met, "en", "No") == "tidak"  # English labels too
    assert typed_value(met, "id", "iya ketemu") is None  # not a label: the question is asked again
    when = _asked(
        DateStep(key="tanggal", quick=lambda s: [Option("d:2026-11-24", "Hari ini"), Option("d:2026-11-23", "Kemarin")])
    )
    assert (
        typed_value(when, "id", "kemarin") == "d:2026-11-23" and typed_value(when, "id", "Hari ini") == "d:2026-11-24"
    )
    grid = _asked(Grid(key="k", items=[GridItem("sakit", "Ada yang sakit", (Option("ya", "ya"),))]))
    assert typed_value(grid, "id", "lanjut") == "ok"
    notes = _asked(TextStep(key="catatan", skippable=True))
    assert typed_value(notes, "id", "Lewati") == SKIP and typed_value(notes, "id", "rumah sepi") is None
    assert typed_value(notes, "id", "batal ubah", editing=True) == "!undo"


def test_button_data_carries_session_and_version_and_fits_telegrams_64_bytes() -> None:
    data = callback("AB12CD34", 17, "e:kesejahteraan")
    assert data == "f:AB12CD34:17:e:kesejahteraan"
    pressed = parse_callback(data)
    assert pressed is not None and (pressed.short_id, pressed.version, pressed.value) == (
        "AB12CD34",
        17,
        "e:kesejahteraan",
    )
    assert parse_callback("f:AB12CD34:x:ya") is None and parse_callback("hh:12") is None
    with pytest.raises(ValueError):
        callback("AB12CD34", 1, "x" * 60)
