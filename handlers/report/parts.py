"""What the visit form's questions read besides their own answer (split from ``form``, which lays the questions
out): option lists that depend on the household, date bounds, checks of typed answers, prefills, the review's
sections. Each takes the form engine's ``Scope``; the report's context is ``report_context.ctx_of(scope)``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from handlers.forms import Answer, Invalid, Option, Outcome, Scope, TextStep
from handlers.render import report as texts
from handlers.report.convert import report_from
from handlers.report_context import ctx_of, met
from models.forms import DraftMeta
from models.importing.layout import RELATIONS
from models.tables import Relation
from models.validate import normalize_phone, plain_words, validate_nik, validate_person_name
from models.visit_facts import CommitmentItem
from models.visits import CHANGE_KINDS, REFERRAL_SECTORS


def options(codes: tuple[str, ...] | list[str], labels: dict[str, str]) -> list[Option]:
    return [Option(code, labels[code]) for code in codes]


# --- the picker ---------------------------------------------------------------------------------------------


def picker_buttons(scope: Scope) -> list[list[Option]]:
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


def visit_date_bounds(scope: Scope) -> tuple[date | None, date | None]:
    ctx = ctx_of(scope)
    return ctx.earliest, ctx.today


def visit_date_quick(scope: Scope) -> list[Option]:
    ctx = ctx_of(scope)
    options = [Option(f"d:{ctx.today.isoformat()}", texts.TODAY)]
    yesterday = ctx.today - timedelta(days=1)
    if yesterday >= ctx.earliest:
        options.append(Option(f"d:{yesterday.isoformat()}", texts.YESTERDAY))
    return options


def past_year(scope: Scope) -> tuple[date | None, date | None]:
    today = ctx_of(scope).today
    return today - timedelta(days=366), today


def coming_months(scope: Scope) -> tuple[date | None, date | None]:
    today = ctx_of(scope).today
    return today + timedelta(days=1), today + timedelta(days=300)


# --- members ------------------------------------------------------------------------------------------------


def members(scope: Scope, kind: str | None = None) -> list[Option]:
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


def change_members(scope: Scope) -> list[Option]:
    return members(scope, scope.get("jenis"))


def referral_members(scope: Scope) -> list[Option]:
    return [Option("0", texts.WHOLE_FAMILY), *members(scope)]


def change_kinds(scope: Scope) -> list[Option]:
    stop = "tidak_ada" if scope.item == 1 else "selesai"
    return [Option(stop, texts.STOP_LABELS[stop]), *options(CHANGE_KINDS, texts.CHANGE_KIND_LABELS)]


def sectors(scope: Scope) -> list[Option]:
    stop = "tidak_ada" if scope.item == 1 else "selesai"
    return [Option(stop, texts.REFERRAL_STOP_LABELS[stop]), *options(REFERRAL_SECTORS, texts.SECTOR_LABELS)]


def kind_is(*kinds: str) -> Any:
    return lambda scope: scope.get("jenis") in kinds


def relation_options(scope: Scope) -> list[Option]:
    """Every relationship but the head's (a KK has one head), "famili lain" — the registry's word for "not sure"
    before a re-import — among them."""
    return [Option(code, label) for code, label in texts.RELATION_LABELS.items() if code != Relation.KEPALA.value]


def relation(text: str, scope: Scope) -> Outcome:
    """A relationship typed rather than tapped, in the registry import's words ("ibu", "saudara", the SHDK
    code "7"): the same table as the household file's ``hubungan`` column, so chat and file agree."""
    words = " ".join(text.lower().strip(" .,!?").split())
    found = RELATIONS.get(words)
    if found is Relation.KEPALA:
        return Invalid(texts.RELATION_NOT_HEAD)
    if found is None:
        return Invalid(texts.RELATION_UNKNOWN, {"text": text})
    return Answer(found.value)


def phone(text: str, scope: Scope) -> Outcome:
    checked = normalize_phone(text)
    if not checked.ok or checked.value is None:
        return Invalid(texts.AS_IS, {"message": " ".join(checked.errors)})
    return Answer(checked.value)


def person_name(text: str, scope: Scope) -> Outcome:
    """A newborn's or newcomer's name: the same rule as every name the registry holds."""
    checked = validate_person_name(text)
    if not checked.ok:
        return Invalid(texts.AS_IS, {"message": " ".join(checked.errors)})
    return Answer(checked.value)


def nik(text: str, scope: Scope) -> Outcome:
    checked = validate_nik(text.replace(" ", ""), today=ctx_of(scope).today)
    if not checked.ok:
        return Invalid(texts.AS_IS, {"message": " ".join(checked.errors)})
    return Answer(checked.value)


def reason_words(text: str, scope: Scope) -> Outcome:
    return Answer(text) if plain_words(text) else Invalid(texts.REASON_NOT_PLAIN)


def other_reason(key: str, section: str, when: Any) -> TextStep:
    """After "Lainnya" as a reason: the reason in a few words (shown to the koordinator, in the export)."""
    return TextStep(
        key=key,
        section=section,
        prompt=texts.other_reason_prompt,
        min_length=3,
        max_length=100,
        check=reason_words,
        when=when,
    )


def photo_optional(scope: Scope) -> bool:
    rules = ctx_of(scope).rules
    return rules is None or not rules.evidence.photo_required


def commitment_items(scope: Scope) -> list[tuple[str, CommitmentItem]]:
    return [(item.key, item) for item in ctx_of(scope).items(scope.answers)]


def last_condition(scope: Scope) -> dict[str, Any]:
    """Prefill from the last visit: a routine report confirms instead of retyping."""
    facts = ctx_of(scope).facts
    return dict(facts.last_condition) if facts else {}


def last_welfare(scope: Scope) -> dict[str, Any]:
    facts = ctx_of(scope).facts
    return dict(facts.last_welfare) if facts else {}


def review_sections(scope: Scope) -> list[str]:
    if not met(scope):
        return ["kunjungan", "catatan"]
    sections = ["kunjungan", "komitmen", "kondisi", "kesejahteraan", "perubahan", "rujukan", "bukti", "catatan"]
    if not ctx_of(scope).items(scope.answers):
        sections.remove("komitmen")
    return sections


def review_prompt(scope: Scope) -> str:
    return texts.review(
        report_from(scope.answers, ctx_of(scope)), scope.lang, returned=DraftMeta(scope.answers).returned
    )
