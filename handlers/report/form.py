"""The visit report as data (a form is data: decision 1 in docs/design.md): its steps, sections, conditions and what each needs.

Sections (``models.visits.SECTIONS``) are what the review screen can change and what a supervisor can send back:
kunjungan (date, met, why not) · komitmen · kondisi · kesejahteraan · perubahan · rujukan · bukti (photo,
location) · catatan. Keys of answers: top-level step keys; ``km:<member>:<commitment>`` / ``ka:…`` for each
member's commitment and its reason; ``ubah/<n>/<field>`` and ``rujuk/<n>/<field>`` for data changes and referrals.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from handlers.forms import (
    SKIP,
    Answer,
    Choice,
    Custom,
    DateStep,
    ForEach,
    Form,
    Grid,
    GridItem,
    Invalid,
    LocationStep,
    Option,
    Outcome,
    PhotoStep,
    Repeat,
    Review,
    Scope,
    TextStep,
)
from handlers.render import report as texts
from handlers.report.convert import report_from
from handlers.report_context import ctx_of, met
from models.forms import DraftMeta
from models.validate import normalize_phone, plain_words, validate_nik
from models.visit_facts import CommitmentItem
from models.visits import (
    CHANGE_KINDS,
    CONDITION_ITEMS,
    FORM_NAME,
    LOCATION_SKIP_REASONS,
    MISSED_REASONS,
    NOT_MET_REASONS,
    PHOTO_SKIP_REASONS,
    REFERRAL_SECTORS,
    REVIEW_STEP,
    SCHOOL_LEVELS,
    WELFARE_ITEMS,
)

PICK = "kpm"
MEMBER_KINDS = ("kematian", "pindah_keluar", "kehamilan", "jenjang_sekolah")
RESULT_CODES = ("m", "t", "n")  # memenuhi, tidak memenuhi, tidak berlaku


def _options(codes: tuple[str, ...] | list[str], labels: dict[str, str]) -> list[Option]:
    return [Option(code, labels[code]) for code in codes]


# --- the picker ---------------------------------------------------------------------------------------------


def _picker_buttons(scope: Scope) -> list[list[Option]]:
    ctx = ctx_of(scope)
    rows: list[list[Option]] = []
    if ctx.hits is not None:
        rows.extend([Option(f"h:{hit.id}", texts.hit_label(hit))] for hit in ctx.hits)
        rows.append([Option("all", texts.SHOW_LIST)])
        return rows
    work = ctx.worklist
    if work is None:
        return rows
    rows.extend([Option(f"h:{item.household_id}", texts.work_label(item))] for item in work.items)
    paging = []
    if work.page > 0:
        paging.append(Option(f"p:{work.page - 1}", texts.PREVIOUS))
    if work.page + 1 < work.pages:
        paging.append(Option(f"p:{work.page + 1}", texts.NEXT))
    if paging:
        rows.append(paging)
    return rows


# --- dates --------------------------------------------------------------------------------------------------


def _visit_date_bounds(scope: Scope) -> tuple[date | None, date | None]:
    ctx = ctx_of(scope)
    return ctx.earliest, ctx.today


def _visit_date_quick(scope: Scope) -> list[Option]:
    ctx = ctx_of(scope)
    options = [Option(f"d:{ctx.today.isoformat()}", texts.TODAY)]
    yesterday = ctx.today - timedelta(days=1)
    if yesterday >= ctx.earliest:
        options.append(Option(f"d:{yesterday.isoformat()}", texts.YESTERDAY))
    return options


def _past_year(scope: Scope) -> tuple[date | None, date | None]:
    today = ctx_of(scope).today
    return today - timedelta(days=366), today


def _coming_months(scope: Scope) -> tuple[date | None, date | None]:
    today = ctx_of(scope).today
    return today + timedelta(days=1), today + timedelta(days=300)


# --- members ------------------------------------------------------------------------------------------------


def _members(scope: Scope, kind: str | None = None) -> list[Option]:
    facts = ctx_of(scope).facts
    if facts is None:
        return []
    today = ctx_of(scope).today
    chosen = [
        m
        for m in facts.members
        if kind != "kehamilan" or (m.sex == "P" and 10 <= m.age(today) <= 55)
        if kind != "jenjang_sekolah" or m.age(today) <= 21
    ]
    return [Option(str(m.id), f"{m.name} ({m.age(today)} th)") for m in chosen]


def _change_members(scope: Scope) -> list[Option]:
    return _members(scope, scope.get("jenis"))


def _referral_members(scope: Scope) -> list[Option]:
    return [Option("0", texts.WHOLE_FAMILY), *_members(scope)]


def _change_kinds(scope: Scope) -> list[Option]:
    stop = "tidak_ada" if scope.item == 1 else "selesai"
    return [Option(stop, texts.STOP_LABELS[stop]), *_options(CHANGE_KINDS, texts.CHANGE_KIND_LABELS)]


def _sectors(scope: Scope) -> list[Option]:
    stop = "tidak_ada" if scope.item == 1 else "selesai"
    return [Option(stop, texts.REFERRAL_STOP_LABELS[stop]), *_options(REFERRAL_SECTORS, texts.SECTOR_LABELS)]


def _kind_is(*kinds: str) -> Any:
    return lambda scope: scope.get("jenis") in kinds


def _phone(text: str, scope: Scope) -> Outcome:
    checked = normalize_phone(text)
    if not checked.ok or checked.value is None:
        return Invalid(texts.AS_IS, {"message": " ".join(checked.errors)})
    return Answer(checked.value)


def _nik(text: str, scope: Scope) -> Outcome:
    checked = validate_nik(text.replace(" ", ""), today=ctx_of(scope).today)
    if not checked.ok:
        return Invalid(texts.AS_IS, {"message": " ".join(checked.errors)})
    return Answer(checked.value)


def _reason_words(text: str, scope: Scope) -> Outcome:
    return Answer(text) if plain_words(text) else Invalid(texts.REASON_NOT_PLAIN)


def _other_reason(key: str, section: str, when: Any) -> TextStep:
    """After "Lainnya" as a reason: the reason in a few words (shown to the koordinator, in the export)."""
    return TextStep(
        key=key,
        section=section,
        prompt=texts.other_reason_prompt,
        min_length=3,
        max_length=100,
        check=_reason_words,
        when=when,
    )


def _photo_optional(scope: Scope) -> bool:
    rules = ctx_of(scope).rules
    return rules is None or not rules.evidence.photo_required


def _commitment_items(scope: Scope) -> list[tuple[str, CommitmentItem]]:
    return [(item.key, item) for item in ctx_of(scope).items(scope.answers)]


def _last_condition(scope: Scope) -> dict[str, Any]:
    """Prefill from the last visit: a routine report confirms instead of retyping."""
    facts = ctx_of(scope).facts
    return dict(facts.last_condition) if facts else {}


def _last_welfare(scope: Scope) -> dict[str, Any]:
    facts = ctx_of(scope).facts
    return dict(facts.last_welfare) if facts else {}


def _review_sections(scope: Scope) -> list[str]:
    if not met(scope):
        return ["kunjungan", "catatan"]
    sections = ["kunjungan", "komitmen", "kondisi", "kesejahteraan", "perubahan", "rujukan", "bukti", "catatan"]
    if not ctx_of(scope).items(scope.answers):
        sections.remove("komitmen")
    return sections


def _review_prompt(scope: Scope) -> str:
    return texts.review(
        report_from(scope.answers, ctx_of(scope)), scope.lang, returned=DraftMeta(scope.answers).returned
    )


VISIT_FORM = Form(
    FORM_NAME,
    [
        # Household buttons (most overdue first, paged) or search results; typed text searches.
        Custom(key=PICK, section="", prompt=texts.pick_prompt, buttons=_picker_buttons),
        DateStep(
            key="tanggal",
            section="kunjungan",
            prompt=texts.date_prompt,
            bounds=_visit_date_bounds,
            quick=_visit_date_quick,
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
            options=_options(NOT_MET_REASONS, texts.NOT_MET_LABELS),
            when=lambda s: s.answers.get("bertemu") == "tidak",
        ),
        _other_reason(
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
            items=_commitment_items,
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
                    options=_options(MISSED_REASONS, texts.MISSED_LABELS),
                    when=lambda s: s.get("km") == "t",
                ),
                _other_reason("kl", "", lambda s: s.get("km") == "t" and s.get("ka") == "lainnya"),
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
            initial=_last_condition,
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
            initial=_last_welfare,
            fill_value="0",
            fill_label=texts.REST_NO,
        ),
        Repeat(
            key="ubah",
            section="perubahan",
            when=met,
            stop_values=frozenset({"tidak_ada", "selesai"}),
            steps=[
                Choice(key="jenis", prompt=texts.change_kind_prompt, options=_change_kinds, columns=2),
                Choice(
                    key="anggota",
                    prompt=texts.change_member_prompt,
                    options=_change_members,
                    when=_kind_is(*MEMBER_KINDS),
                ),
                TextStep(
                    key="nama",
                    prompt=texts.change_name_prompt,
                    min_length=3,
                    max_length=120,
                    when=_kind_is("kelahiran", "pindah_masuk"),
                ),
                Choice(
                    key="kelamin",
                    prompt=texts.sex_prompt,
                    columns=2,
                    when=_kind_is("kelahiran"),
                    options=[Option("L", texts.MALE), Option("P", texts.FEMALE)],
                ),
                DateStep(
                    key="tanggal",
                    prompt=texts.event_date_prompt,
                    bounds=_past_year,
                    when=_kind_is("kelahiran", "kematian"),
                ),
                TextStep(
                    key="nik",
                    prompt=texts.nik_prompt,
                    skippable=True,
                    check=_nik,
                    max_length=30,
                    when=_kind_is("kelahiran", "pindah_masuk"),
                ),
                DateStep(
                    key="hpl",
                    prompt=texts.edd_prompt,
                    bounds=_coming_months,
                    too_early=texts.EDD_NOT_FUTURE,
                    too_late=texts.EDD_TOO_FAR,
                    when=_kind_is("kehamilan"),
                ),
                TextStep(
                    key="telepon", prompt=texts.phone_prompt, check=_phone, max_length=30, when=_kind_is("telepon_baru")
                ),
                TextStep(
                    key="alamat",
                    prompt=texts.address_prompt,
                    min_length=5,
                    max_length=255,
                    when=_kind_is("alamat_baru"),
                ),
                Choice(
                    key="jenjang",
                    prompt=texts.school_prompt,
                    columns=2,
                    options=_options(SCHOOL_LEVELS, texts.SCHOOL_LABELS),
                    when=_kind_is("jenjang_sekolah"),
                ),
            ],
        ),
        Repeat(
            key="rujuk",
            section="rujukan",
            when=met,
            stop_values=frozenset({"tidak_ada", "selesai"}),
            steps=[
                Choice(key="sektor", prompt=texts.referral_prompt, options=_sectors, columns=1),
                Choice(key="anggota", prompt=texts.referral_member_prompt, options=_referral_members),
                TextStep(key="kebutuhan", prompt=texts.need_prompt, min_length=3, max_length=200),
            ],
        ),
        PhotoStep(
            key="foto",
            section="bukti",
            prompt=texts.photo_prompt,
            when=met,
            skippable=_photo_optional,
            skip_reasons=_options(PHOTO_SKIP_REASONS, texts.PHOTO_SKIP_BUTTONS),
            reason_key="foto_alasan",
        ),
        Choice(
            key="foto_alasan",
            section="bukti",
            prompt=texts.photo_skip_prompt,
            options=_options(PHOTO_SKIP_REASONS, texts.PHOTO_SKIP_LABELS),
            when=lambda s: met(s) and s.answers.get("foto") == SKIP,
        ),
        _other_reason(
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
            skip_reasons=_options(LOCATION_SKIP_REASONS, texts.LOCATION_SKIP_BUTTONS),
            reason_key="lokasi_alasan",
        ),
        Choice(
            key="lokasi_alasan",
            section="bukti",
            prompt=texts.location_skip_prompt,
            options=_options(LOCATION_SKIP_REASONS, texts.LOCATION_SKIP_LABELS),
            when=lambda s: met(s) and s.answers.get("lokasi") == SKIP,
        ),
        _other_reason(
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
            prompt=_review_prompt,
            labels=texts.SECTION_LABELS,
            submit_label=texts.SUBMIT,
            sections=_review_sections,
        ),
    ],
)
