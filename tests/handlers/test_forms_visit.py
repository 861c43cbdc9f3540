"""The visit form as data: its questions follow the programme's rules, its answers become exactly the report
that was reviewed, and every button it can show fits Telegram's 64 bytes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from handlers.forms import SKIP, Answer, Invalid, TextInput
from handlers.render import forms as form_texts
from handlers.report.convert import answers_from, forget_other_period_commitments, report_from
from handlers.report.form import VISIT_FORM
from handlers.report_context import ReportCtx
from models.forms import DraftMeta
from models.rules import shipped_programmes
from models.tables import CheckResult
from models.visit_facts import HouseholdFacts, MemberFact

RULES = shipped_programmes()["JAMSOSRATU"]


def _facts(*members: MemberFact, last_met: dict[str, dict[str, str]] | None = None) -> HouseholdFacts:
    return HouseholdFacts(
        id=7,
        head_name="Hidayat",
        programme="JAMSOSRATU",
        kk="3601011501200001",
        desa_name="Sumberjaya",
        address="Kp. Babakan",
        phone=None,
        members=list(members),
        last_point=(-6.6, 105.6),
        last_met=last_met or {},
    )


FAMILY = (
    MemberFact(id=1, name="Hidayat", sex="L", birth_date="1985-03-01", relation="kepala keluarga"),
    MemberFact(id=2, name="Siti", sex="P", birth_date="1990-05-05", relation="istri", pregnancy_edd="2026-12-20"),
    MemberFact(id=3, name="Rizki", sex="L", birth_date="2018-02-01", relation="anak", school_level="SD"),
    MemberFact(id=4, name="Bilqis", sex="P", birth_date="2025-01-10", relation="anak"),
    MemberFact(id=5, name="Mbah Odah", sex="P", birth_date="1950-01-01", relation="orang tua"),
)


def _ctx(facts: HouseholdFacts, today: date = date(2026, 11, 24)) -> ReportCtx:
    return ReportCtx(today=today, earliest=date(2026, 11, 1), facts=facts, rules=RULES)


def _items(facts: HouseholdFacts, visit_day: str) -> list[tuple[str, str]]:
    ctx = _ctx(facts)
    return [(i.member_name, i.code) for i in ctx.items({"tanggal": visit_day})]


def test_commitment_questions_are_the_rules_modules_answer_for_each_member() -> None:
    assert _items(_facts(*FAMILY), "2026-11-24") == [  # in the household's member order
        ("Siti", "ibu_hamil_pemeriksaan"),
        ("Rizki", "pendidikan_kehadiran"),
        ("Bilqis", "balita_penimbangan"),
        ("Bilqis", "balita_imunisasi"),
        ("Mbah Odah", "lansia_pemeriksaan"),
    ]
    # Vitamin A only in February and August; the yearly elderly check not again within twelve months.
    recent = _facts(*FAMILY, last_met={"5": {"lansia_pemeriksaan": "2026-05"}})
    assert ("Bilqis", "balita_vitamin_a") not in _items(recent, "2026-11-24")
    assert ("Mbah Odah", "lansia_pemeriksaan") not in _items(recent, "2026-11-24")
    ctx = ReportCtx(today=date(2026, 8, 20), earliest=date(2026, 8, 1), facts=recent, rules=RULES)
    assert ("Bilqis", "balita_vitamin_a") in [(i.member_name, i.code) for i in ctx.items({"tanggal": "2026-08-20"})]


def _walk(answers: dict[str, Any], ctx: ReportCtx) -> list[str]:
    """Render every question the answers lead through; returns their keys."""
    keys = []
    for question in VISIT_FORM.questions(answers, ctx, "id"):
        form_texts.question(question, "AB12CD34", 9999, "id")  # raises when a button would not fit
        keys.append(question.key)
    return keys


def _full_answers() -> dict[str, Any]:
    return {
        "kpm": 7,
        "tanggal": "2026-11-24",
        "bertemu": "ya",
        "komitmen": "satu",
        "km:5:lansia_pemeriksaan": "m",
        "km:2:ibu_hamil_pemeriksaan": "t",
        "ka:2:ibu_hamil_pemeriksaan": "biaya",
        "km:3:pendidikan_kehadiran": "m",
        "km:4:balita_penimbangan": "n",
        "km:4:balita_imunisasi": "m",
        "kondisi": {"rumah": "layak", "sakit": None},
        "sejahtera": {"lantai": True, "air": False},
        "ubah/1/jenis": "kehamilan",
        "ubah/1/anggota": "2",
        "ubah/1/hpl": "2026-12-28",
        "ubah/2/jenis": "alamat_baru",
        "ubah/2/alamat": "Kp. Cibeber RT 002/RW 001",
        "ubah/3/jenis": "selesai",
        "rujuk/1/sektor": "umkm",
        "rujuk/1/anggota": "0",
        "rujuk/1/kebutuhan": "modal warung",
        "rujuk/2/sektor": "selesai",
        "foto": {"file_id": "AgAD-foto", "unique_id": "u1", "sha256": "ab" * 32},
        "lokasi": {"lat": -6.7, "lon": 105.6},
        "catatan": None,
    }


def test_answers_become_the_report_and_the_stored_report_becomes_the_same_answers() -> None:
    ctx = _ctx(_facts(*FAMILY))
    answers = _full_answers()
    assert _walk(answers, ctx)[-1] == "tinjau"
    report = report_from(answers, ctx)
    assert [(c.member_name, c.commitment, c.result, c.reason) for c in report.checks][0] == (
        "Siti",
        "ibu_hamil_pemeriksaan",
        CheckResult.NOT_MET,
        "biaya",
    )
    assert report.condition == {"rumah": "layak"} and report.deprivation_score == 1
    assert [(c.kind, c.member_name, c.values) for c in report.changes] == [
        ("kehamilan", "Siti", {"hpl": "2026-12-28"}),
        ("alamat_baru", None, {"alamat": "Kp. Cibeber RT 002/RW 001"}),
    ]
    assert [(r.sector, r.member_id, r.need) for r in report.referrals] == [("umkm", None, "modal warung")]
    assert report.location_flagged and report.distance_km is not None and 11 < report.distance_km < 11.2
    again = report_from({**answers_from(report), "_hh": None}, ctx)
    assert again.checks == report.checks and again.changes == report.changes and again.referrals == report.referrals
    assert (again.photo_file_id, again.latitude, again.welfare) == (
        report.photo_file_id,
        report.latitude,
        report.welfare,
    )


def test_only_answers_of_questions_that_still_apply_are_reported() -> None:
    ctx = _ctx(_facts(*FAMILY))
    answers = {**_full_answers(), "bertemu": "tidak", "alasan": "pindah", "catatan": "rumah kosong"}
    report = report_from(answers, ctx)
    assert not report.met and report.checks == [] and report.changes == [] and report.photo_file_id is None
    assert _walk(answers, ctx) == ["kpm", "tanggal", "bertemu", "alasan", "catatan", "tinjau"]


def test_skipped_evidence_keeps_its_reason_and_the_routine_path_has_no_extra_questions() -> None:
    ctx = _ctx(_facts(FAMILY[0], FAMILY[2]))
    answers = {
        "kpm": 7,
        "tanggal": "2026-11-24",
        "bertemu": "ya",
        "komitmen": "semua",
        "kondisi": {},
        "sejahtera": {},
        "ubah/1/jenis": "tidak_ada",
        "rujuk/1/sektor": "tidak_ada",
        "foto": SKIP,
        "foto_alasan": "kamera",
        "lokasi": SKIP,
        "lokasi_alasan": "gps",
        "catatan": None,
    }
    assert _walk(answers, ctx) == [
        "kpm",
        "tanggal",
        "bertemu",
        "komitmen",
        "kondisi",
        "sejahtera",
        "ubah/1/jenis",
        "rujuk/1/sektor",
        "foto",
        "foto_alasan",
        "lokasi",
        "lokasi_alasan",
        "catatan",
        "tinjau",
    ]
    report = report_from(answers, ctx)
    assert report.evidence_note == "foto:kamera; lokasi:gps"
    assert [(c.member_name, c.result) for c in report.checks] == [("Rizki", CheckResult.MET)]


def test_moving_the_visit_date_into_another_period_asks_the_commitments_again() -> None:
    ctx = _ctx(_facts(*FAMILY))
    answers = _full_answers()
    VISIT_FORM.start_edit(answers, "kunjungan")
    answers.update({"tanggal": "2026-10-30", "bertemu": "ya"})
    assert forget_other_period_commitments(answers)
    assert "komitmen" not in answers and not [k for k in answers if k.startswith("km:")]
    assert VISIT_FORM.current(answers, ctx, "id").key == "komitmen"
    same = _full_answers()
    VISIT_FORM.start_edit(same, "kunjungan")
    same.update({"tanggal": "2026-11-02"})
    assert not forget_other_period_commitments(same) and same["komitmen"] == "satu"


def test_the_form_is_stored_under_the_names_models_writes_when_a_report_is_sent_back() -> None:
    """``models.visits.reopen_for_correction`` writes a form session for the form to pick up: the form's name,
    its review step and the sent-back marker are models' constants, and the form must use the same ones."""
    from models import visits

    assert VISIT_FORM.name == visits.FORM_NAME
    assert VISIT_FORM.review.key == visits.REVIEW_STEP
    assert VISIT_FORM.review.section == "" and DraftMeta.RETURNED.startswith("_")  # meta, never a question key
    assert DraftMeta.RETURNED not in VISIT_FORM._leaf_sections and DraftMeta.REBUILD not in VISIT_FORM._leaf_sections


def test_lainnya_asks_for_the_words_and_they_travel_with_the_report() -> None:
    ctx = _ctx(_facts(*FAMILY))
    answers = {
        **_full_answers(),
        "ka:2:ibu_hamil_pemeriksaan": "lainnya",
        "foto": SKIP,
        "foto_alasan": "lainnya",
        "lokasi": SKIP,
        "lokasi_alasan": "gps",
    }
    assert VISIT_FORM.current(answers, ctx, "id").key == "kl:2:ibu_hamil_pemeriksaan"
    answers["kl:2:ibu_hamil_pemeriksaan"] = "bidan sedang cuti"
    assert VISIT_FORM.current(answers, ctx, "id").key == "foto_lain"  # "GPS tidak aktif" needs no words
    answers["foto_lain"] = "anak tidur, tidak enak memotret"
    report = report_from(answers, ctx)
    assert report.checks[0].reason == "lainnya" and report.checks[0].reason_note == "bidan sedang cuti"
    assert report.other_reasons == {"foto": "anak tidur, tidak enak memotret"}
    again = report_from({**answers_from(report), "_hh": None}, ctx)
    assert again.checks == report.checks and again.other_reasons == report.other_reasons
    # an imported visit with "lainnya" and no words reopens at the review, not at a question about its words
    imported = replace(report, other_reasons={})
    assert "foto_lain" in answers_from(imported) and answers_from(imported)["foto_lain"] is None


def test_the_words_after_lainnya_are_plain_and_short() -> None:
    ctx = _ctx(_facts(*FAMILY))
    answers = {**_full_answers(), "bertemu": "tidak", "alasan": "lainnya"}
    question = VISIT_FORM.current(answers, ctx, "id")
    assert question.key == "alasan_lain"
    judge = question.step.on_input
    assert judge(TextInput("  sedang   merantau "), question.scope) == Answer("sedang merantau")
    assert isinstance(judge(TextInput("<b>pergi</b>"), question.scope), Invalid)
    assert isinstance(judge(TextInput("pergi\u202eke pasar"), question.scope), Invalid)  # a right-to-left override
    assert judge(TextInput("x" * 101), question.scope) == Invalid("text_long", {"max": 100, "length": 101})
    assert judge(TextInput("ab"), question.scope) == Invalid("text_short", {"min": 3})


def test_a_move_in_asks_the_relationship_once_even_in_a_draft_from_before_the_question() -> None:
    ctx = _ctx(_facts(*FAMILY))
    move_in = {"ubah/3/jenis": "pindah_masuk", "ubah/3/nama": "Wati", "ubah/3/nik": None, "ubah/4/jenis": "selesai"}
    answers = {**_full_answers(), **move_in}
    asked = VISIT_FORM.current(answers, ctx, "id")  # a draft saved before the question existed asks it on resume
    assert asked.key == "ubah/3/hubungan"
    assert [o.value for o in asked.step.options_for(asked.scope)][:2] == ["istri", "suami"]  # type: ignore[attr-defined]
    assert asked.step.on_input(TextInput("anak angkat"), asked.scope) == Answer("anak")
    assert isinstance(asked.step.on_input(TextInput("ketua RT"), asked.scope), Invalid)
    answers["ubah/3/hubungan"] = "orang tua"
    assert VISIT_FORM.current(answers, ctx, "id").key == "tinjau"
    report = report_from(answers, ctx)
    assert report.changes[-1].values == {"nama": "Wati", "hubungan": "orang tua"}
    assert report_from({**answers_from(report), "_hh": None}, ctx).changes == report.changes
