"""The visit report as data (a form is data: decision 1 in docs/design.md): its steps, sections, conditions and what each needs.

Sections (``models.visits.SECTIONS``) are what the review screen can change and what a supervisor can send back:
kunjungan (date, met, why not) · komitmen · kondisi · kesejahteraan · perubahan · rujukan · bukti (photo,
location) · catatan. Keys of answers: top-level step keys; ``km:<member>:<commitment>`` / ``ka:…`` for each
member's commitment and its reason; ``ubah/<n>/<field>`` and ``rujuk/<n>/<field>`` for data changes and referrals.
"""

from __future__ import annotations

from handlers.forms import (
    SKIP,
    Choice,
    Custom,
    DateStep,
    ForEach,
    Form,
    Grid,
    GridItem,
    LocationStep,
    Option,
    PhotoStep,
    Repeat,
    Review,
    TextStep,
)
from handlers.render import report as texts
from handlers.report import parts
from handlers.report_context import ctx_of, met
from models.visits import (
    CONDITION_ITEMS,
    FORM_NAME,
    LOCATION_SKIP_REASONS,
    MISSED_REASONS,
    NOT_MET_REASONS,
    PHOTO_SKIP_REASONS,
    REVIEW_STEP,
    SCHOOL_LEVELS,
    WELFARE_ITEMS,
)

PICK = "kpm"
MEMBER_KINDS = ("kematian", "pindah_keluar", "kehamilan", "jenjang_sekolah")
RESULT_CODES = ("m", "t", "n")  # memenuhi, tidak memenuhi, tidak berlaku


VISIT_FORM = Form(
    FORM_NAME,
    [
        # Household buttons (most overdue first, paged) or search results; typed text searches.
        Custom(key=PICK, section="", prompt=texts.pick_prompt, buttons=parts.picker_buttons),
        DateStep(
            key="tanggal",
            section="kunjungan",
            prompt=texts.date_prompt,
            bounds=parts.visit_date_bounds,
            quick=parts.visit_date_quick,
            too_early=texts.DATE_BEFORE_PERIOD,
            too_late=texts.DATE_IN_FUTURE,
        ),
        Choice(
            key="bertemu",
            section="kunjungan",
            prompt=texts.met_prompt,
            columns=2,
            options=[Option("ya", texts.YES), Option("tidak", texts.NO)],
        ),
        Choice(
            key="alasan",
            section="kunjungan",
            prompt=texts.not_met_prompt,
            options=parts.options(NOT_MET_REASONS, texts.NOT_MET_LABELS),
            when=lambda s: s.answers.get("bertemu") == "tidak",
        ),
        parts.other_reason(
            "alasan_lain",
            "kunjungan",
            lambda s: s.answers.get("bertemu") == "tidak" and s.answers.get("alasan") == "lainnya",
        ),
        Choice(
            key="komitmen",
            section="komitmen",
            prompt=texts.commitments_prompt,
            options=[Option("semua", texts.ALL_MET), Option("satu", texts.ONE_BY_ONE)],
            when=lambda s: met(s) and bool(ctx_of(s).items(s.answers)),
        ),
        ForEach(
            key="km",
            section="komitmen",
            items=parts.commitment_items,
            when=lambda s: met(s) and s.answers.get("komitmen") == "satu",
            steps=[
                Choice(
                    key="km",
                    prompt=texts.commitment_prompt,
                    columns=1,
                    options=[Option(code, texts.RESULT_LABELS[code]) for code in RESULT_CODES],
                ),
                Choice(
                    key="ka",
                    prompt=texts.missed_prompt,
                    options=parts.options(MISSED_REASONS, texts.MISSED_LABELS),
                    when=lambda s: s.get("km") == "t",
                ),
                parts.other_reason("kl", "", lambda s: s.get("km") == "t" and s.get("ka") == "lainnya"),
            ],
        ),
        Grid(
            key="kondisi",
            section="kondisi",
            prompt=texts.condition_prompt,
            when=met,
            items=[
                GridItem(
                    code,
                    texts.CONDITION_LABELS[code],
                    tuple(Option(v, texts.CONDITION_VALUE_LABELS[v]) for v in values),
                )
                for code, values in CONDITION_ITEMS.items()
            ],
            initial=parts.last_condition,
            cycle=False,  # a value is picked from the item's short list, not reached by tapping round
        ),
        Grid(
            key="sejahtera",
            section="kesejahteraan",
            prompt=texts.welfare_prompt,
            when=met,
            items=[
                GridItem(code, texts.WELFARE_LABELS[code], (Option("1", texts.YES, "✅"), Option("0", texts.NO, "❌")))
                for code in WELFARE_ITEMS
            ],
            initial=parts.last_welfare,
            fill_value="0",
            fill_label=texts.REST_NO,
        ),
        Repeat(
            key="ubah",
            section="perubahan",
            when=met,
            stop_values=frozenset({"tidak_ada", "selesai"}),
            steps=[
                Choice(key="jenis", prompt=texts.change_kind_prompt, options=parts.change_kinds, columns=2),
                Choice(
                    key="anggota",
                    prompt=texts.change_member_prompt,
                    options=parts.change_members,
                    when=parts.kind_is(*MEMBER_KINDS),
                ),
                TextStep(
                    key="nama",
                    prompt=texts.change_name_prompt,
                    min_length=3,
                    max_length=120,
                    check=parts.person_name,
                    when=parts.kind_is("kelahiran", "pindah_masuk"),
                ),
                Choice(  # not skippable: "famili lain" is the answer when unsure (docs/report.md)
                    key="hubungan",
                    prompt=texts.relation_prompt,
                    columns=3,
                    options=parts.relation_options,
                    typed=parts.relation,
                    when=parts.kind_is("pindah_masuk"),
                ),
                Choice(
                    key="kelamin",
                    prompt=texts.sex_prompt,
                    columns=2,
                    when=parts.kind_is("kelahiran"),
                    options=[Option("L", texts.MALE), Option("P", texts.FEMALE)],
                ),
                DateStep(
                    key="tanggal",
                    prompt=texts.event_date_prompt,
                    bounds=parts.past_year,
                    when=parts.kind_is("kelahiran", "kematian"),
                ),
                TextStep(
                    key="nik",
                    prompt=texts.nik_prompt,
                    skippable=True,
                    check=parts.nik,
                    max_length=30,
                    when=parts.kind_is("kelahiran", "pindah_masuk"),
                ),
                DateStep(
                    key="hpl",
                    prompt=texts.edd_prompt,
                    bounds=parts.coming_months,
                    too_early=texts.EDD_NOT_FUTURE,
                    too_late=texts.EDD_TOO_FAR,
                    when=parts.kind_is("kehamilan"),
                ),
                TextStep(
                    key="telepon",
                    prompt=texts.phone_prompt,
                    check=parts.phone,
                    max_length=30,
                    when=parts.kind_is("telepon_baru"),
                ),
                TextStep(
                    key="alamat",
                    prompt=texts.address_prompt,
                    min_length=5,
                    max_length=255,
                    when=parts.kind_is("alamat_baru"),
                ),
                Choice(
                    key="jenjang",
                    prompt=texts.school_prompt,
                    columns=2,
                    options=parts.options(SCHOOL_LEVELS, texts.SCHOOL_LABELS),
                    when=parts.kind_is("jenjang_sekolah"),
                ),
            ],
        ),
        Repeat(
            key="rujuk",
            section="rujukan",
            when=met,
            stop_values=frozenset({"tidak_ada", "selesai"}),
            steps=[
                Choice(key="sektor", prompt=texts.referral_prompt, options=parts.sectors, columns=1),
                Choice(key="anggota", prompt=texts.referral_member_prompt, options=parts.referral_members),
                TextStep(key="kebutuhan", prompt=texts.need_prompt, min_length=3, max_length=200),
            ],
        ),
        PhotoStep(
            key="foto",
            section="bukti",
            prompt=texts.photo_prompt,
            when=met,
            skippable=parts.photo_optional,
            skip_reasons=parts.options(PHOTO_SKIP_REASONS, texts.PHOTO_SKIP_BUTTONS),
            reason_key="foto_alasan",
        ),
        Choice(
            key="foto_alasan",
            section="bukti",
            prompt=texts.photo_skip_prompt,
            options=parts.options(PHOTO_SKIP_REASONS, texts.PHOTO_SKIP_LABELS),
            when=lambda s: met(s) and s.answers.get("foto") == SKIP,
        ),
        parts.other_reason(
            "foto_lain",
            "bukti",
            lambda s: met(s) and s.answers.get("foto") == SKIP and s.answers.get("foto_alasan") == "lainnya",
        ),
        LocationStep(
            key="lokasi",
            section="bukti",
            prompt=texts.location_prompt,
            when=met,
            share_label=texts.SHARE_LOCATION,
            skip_reasons=parts.options(LOCATION_SKIP_REASONS, texts.LOCATION_SKIP_BUTTONS),
            reason_key="lokasi_alasan",
        ),
        Choice(
            key="lokasi_alasan",
            section="bukti",
            prompt=texts.location_skip_prompt,
            options=parts.options(LOCATION_SKIP_REASONS, texts.LOCATION_SKIP_LABELS),
            when=lambda s: met(s) and s.answers.get("lokasi") == SKIP,
        ),
        parts.other_reason(
            "lokasi_lain",
            "bukti",
            lambda s: met(s) and s.answers.get("lokasi") == SKIP and s.answers.get("lokasi_alasan") == "lainnya",
        ),
        TextStep(
            key="catatan",
            section="catatan",
            prompt=texts.notes_prompt,
            skippable=True,
            clear_label=texts.CLEAR_NOTES,
            max_length=1000,
        ),
        Review(
            key=REVIEW_STEP,
            section="",
            prompt=parts.review_prompt,
            labels=texts.SECTION_LABELS,
            submit_label=texts.SUBMIT,
            sections=parts.review_sections,
        ),
    ],
)
