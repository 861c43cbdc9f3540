"""What the visit form's questions depend on besides the answers, rebuilt for every update from the draft.

Kept apart from the form definition so that the converter (answers → ``VisitReport``) and the texts can read it
without importing the form itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from handlers.forms import Scope
from models.period import Period
from models.queries.households import HouseholdHit
from models.queries.worklist import Worklist
from models.rules import ProgrammeRules
from models.visit_facts import CommitmentItem, HouseholdFacts, commitment_items


@dataclass
class ReportCtx:
    today: date
    earliest: date  # the first visit date still reportable (an open period's first day)
    facts: HouseholdFacts | None = None
    rules: ProgrammeRules | None = None
    worklist: Worklist | None = None  # the picker's page
    hits: list[HouseholdHit] | None = None  # the picker's search results
    search: str | None = None
    _items: dict[str, list[CommitmentItem]] = field(default_factory=dict)

    def period(self, answers: dict[str, Any]) -> Period:
        chosen = answers.get("tanggal")
        return Period.of(date.fromisoformat(chosen) if chosen else self.today)

    def items(self, answers: dict[str, Any]) -> list[CommitmentItem]:
        """Applicable commitments for the visit's period (the rules module decides, per member)."""
        if self.facts is None or self.rules is None:
            return []
        period = self.period(answers)
        key = str(period)
        if key not in self._items:
            self._items[key] = commitment_items(self.rules, self.facts, period)
        return self._items[key]


def ctx_of(scope: Scope) -> ReportCtx:
    ctx: ReportCtx = scope.ctx
    return ctx


def met(scope: Scope) -> bool:
    return scope.answers.get("bertemu") == "ya"
