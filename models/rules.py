"""Commitment rules as data: one TOML file per programme, validated on load, evaluated by pure functions.

"Which commitments apply to this member in this period" is asked by the visit form, the planner and the
supervisor reports; keeping it pure (member facts + period in, commitments out) lets all three agree and lets a
table-driven test pin every case.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from models.period import Period

PREGNANCY_DAYS = 280


class RulesError(ValueError):
    """A programme file is wrong; the message names the file and the field."""


class PeriodRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    deadline_working_days: int = Field(5, ge=1, le=20)
    reminder_working_days: list[int] = Field(default_factory=lambda: [5, 1])


class EvidenceRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    photo_required: bool = False
    location_max_km: float = Field(5.0, gt=0)


class EscalationRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    levels: list[str] = Field(
        default_factory=lambda: ["peringatan", "perhatian koordinator", "rekomendasi penangguhan"]
    )


class DisbursementRules(BaseModel):
    """Who is paid at the period close (``[disbursement]``, docs/period-close.md).

    ``unverified``: a household without a verifying report is paid ("salur", the default: a family is not
    punished for a missed visit) or held ("tahan"); either way it is listed as an exception. ``recipient``: whose
    name and NIK the list carries — "ibu" (the female head, else the wife, else the head; as PKH pays) or
    "kepala" (the head). ``amount``: rupiah per household paid; without it the export has no amount column.
    """

    model_config = ConfigDict(extra="forbid")
    unverified: Literal["salur", "tahan"] = "salur"
    recipient: Literal["ibu", "kepala"] = "ibu"
    amount: int | None = Field(None, gt=0)


class CommitmentRule(BaseModel):
    """One commitment and the member facts that make it apply. Unset conditions do not restrict."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{2,39}$")
    category: str
    label: str
    label_en: str = ""
    min_age: int | None = Field(None, ge=0)
    max_age: int | None = Field(None, ge=0)
    min_age_months: int | None = Field(None, ge=0)
    max_age_months: int | None = Field(None, ge=0)
    pregnant: bool = False
    edd_within_days: int | None = Field(None, ge=0)
    postnatal_days: int | None = Field(None, ge=1)
    requires_school_level: bool = False
    severe_disability: bool = False
    months: list[int] | None = None
    yearly: bool = False

    @model_validator(mode="after")
    def _coherent(self) -> CommitmentRule:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError("min_age lebih besar dari max_age")
        if (
            self.min_age_months is not None
            and self.max_age_months is not None
            and self.min_age_months > self.max_age_months
        ):
            raise ValueError("min_age_months lebih besar dari max_age_months")
        if self.months is not None and not all(1 <= m <= 12 for m in self.months):
            raise ValueError("months harus 1–12")
        return self


class ProgrammeRules(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,19}$")
    name: str
    area: str = Field(pattern=r"^\d{2}(\.\d{2})?(\.\d{2})?$")
    period: PeriodRules = Field(default_factory=PeriodRules)
    evidence: EvidenceRules = Field(default_factory=EvidenceRules)
    escalation: EscalationRules = Field(default_factory=EscalationRules)
    disbursement: DisbursementRules = Field(default_factory=DisbursementRules)
    commitments: list[CommitmentRule] = Field(alias="commitment", min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> ProgrammeRules:
        codes = [c.code for c in self.commitments]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"kode komitmen ganda: {', '.join(duplicates)}")
        return self

    def commitment(self, code: str) -> CommitmentRule:
        for rule in self.commitments:
            if rule.code == code:
                return rule
        raise KeyError(code)

    def fingerprint(self) -> str:
        blob = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """What the rules need to know about a member; built from a Member row or a form's answers."""

    birth_date: date
    sex: str = "L"
    pregnancy_edd: date | None = None
    school_level: str | None = None
    severe_disability: bool = False
    alive: bool = True


def parse_programme(text: str, source: str = "<string>") -> ProgrammeRules:
    try:
        data = tomllib.loads(text)
        return ProgrammeRules.model_validate(data)
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"{source}: TOML tidak valid: {error}") from None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'program'}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in error.errors()
        )
        raise RulesError(f"{source}: {problems}") from None


def load_programme_files(extra_dir: str | Path | None = None) -> list[ProgrammeRules]:
    """The shipped programmes plus any ``*.toml`` in ``extra_dir`` (a file there overrides a shipped code)."""
    found: dict[str, ProgrammeRules] = {}
    shipped = resources.files("models.data").joinpath("programmes")
    for entry in sorted(shipped.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            rules = parse_programme(entry.read_text(encoding="utf-8"), entry.name)
            found[rules.code] = rules
    if extra_dir is not None:
        for path in sorted(Path(extra_dir).glob("*.toml")):
            rules = parse_programme(path.read_text(encoding="utf-8"), str(path))
            found[rules.code] = rules
    return list(found.values())


@cache
def shipped_programmes() -> dict[str, ProgrammeRules]:
    return {p.code: p for p in load_programme_files()}


def rules_from_json(data: Mapping[str, Any]) -> ProgrammeRules:
    """Rebuild rules stored in the programme table (``model_dump(by_alias=True)``)."""
    return ProgrammeRules.model_validate(data)


def age_in_months(birth: date, on: date) -> int:
    months = (on.year - birth.year) * 12 + (on.month - birth.month)
    if on.day < birth.day:
        months -= 1
    return months


def age_in_years(birth: date, on: date) -> int:
    return age_in_months(birth, on) // 12


def applies(rule: CommitmentRule, member: MemberFacts, period: Period, *, last_met: Period | None = None) -> bool:
    """Does ``rule`` bind ``member`` during ``period``? Ages are taken at the period's first day.

    ``last_met`` is the last period this commitment was verified as met; yearly commitments apply again only
    when that was twelve or more periods ago (or never).
    """
    if not member.alive:
        return False
    on = period.start
    if member.birth_date > period.end:
        return False
    years = age_in_years(member.birth_date, on)
    months = age_in_months(member.birth_date, on)
    if rule.min_age is not None and years < rule.min_age:
        return False
    if rule.max_age is not None and years > rule.max_age:
        return False
    if rule.min_age_months is not None and months < rule.min_age_months:
        return False
    if rule.max_age_months is not None and months > rule.max_age_months:
        return False
    if rule.requires_school_level and not member.school_level:
        return False
    if rule.severe_disability and not member.severe_disability:
        return False
    if rule.months is not None and period.month not in rule.months:
        return False
    if (rule.pregnant or rule.postnatal_days is not None) and not _pregnancy_applies(rule, member, period):
        return False
    return not (rule.yearly and last_met is not None and period.months_since(last_met) < 12)


def _pregnancy_applies(rule: CommitmentRule, member: MemberFacts, period: Period) -> bool:
    edd = member.pregnancy_edd
    if edd is None or member.sex != "P":
        return False
    if rule.postnatal_days is not None:
        # After the expected delivery: the postnatal window overlaps the period.
        return edd <= period.end and edd + timedelta(days=rule.postnatal_days) >= period.start
    if rule.edd_within_days is not None:
        # The birth itself: asked from the period containing the EDD until ``edd_within_days`` after it.
        return edd <= period.end + timedelta(days=0) and edd + timedelta(days=rule.edd_within_days) >= period.start
    # Antenatal: pregnant during the period — conceived (about 280 days before the EDD) by its end, and the EDD
    # not yet passed at its start.
    return edd >= period.start and edd - timedelta(days=PREGNANCY_DAYS) <= period.end


def applicable_commitments(
    programme: ProgrammeRules,
    member: MemberFacts,
    period: Period,
    last_met: Mapping[str, Period] | None = None,
) -> list[CommitmentRule]:
    """The commitments ``member`` must keep in ``period``, in the programme file's order."""
    last_met = last_met or {}
    return [rule for rule in programme.commitments if applies(rule, member, period, last_met=last_met.get(rule.code))]
