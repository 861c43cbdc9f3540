"""A form: an ordered list of steps and groups, and the rules for walking it.

There is no stored "next step": the current question is always *the first question that applies and has no
answer yet*, computed from the answers. Skip conditions, repetition over members and loops of entries all fall
out of that one rule, and so does resuming after a restart, in another process, or days later — the answers are
the whole state. Changing a section from the review screen takes that section's answers aside (kept for undo
and for prefilling) so its questions become unanswered again; when they are all answered the review returns.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from handlers.forms.steps import (
    Answer,
    Answers,
    ForEach,
    Node,
    Outcome,
    Repeat,
    Review,
    Scope,
    Stay,
    Step,
)
from models.forms import DraftMeta

CALLBACK_PREFIX = "f"
MAX_CALLBACK_BYTES = 64
# Button values the engine itself understands, whatever the current step is.
RESUME, DROP, CANCEL, KEEP, UNDO = "!resume", "!drop", "!cancel", "!keep", "!undo"


@dataclass(frozen=True, slots=True)
class Question:
    """One concrete question: a step, the key its answer is stored under, and the scope it is asked in."""

    key: str
    step: Step
    scope: Scope
    section: str

    @property
    def kind(self) -> str:
        return self.step.kind


class Form:
    def __init__(self, name: str, nodes: Sequence[Node]) -> None:
        self.name = name
        self.nodes = list(nodes)
        reviews = [n for n in self.nodes if isinstance(n, Review)]
        if len(reviews) != 1 or self.nodes[-1] is not reviews[0]:
            raise ValueError("a form ends with exactly one Review step")
        self.review = reviews[0]
        self._leaf_sections: dict[str, str] = {}
        for node in self.nodes:
            if isinstance(node, Step):
                self._leaf_sections[node.key] = node.section
            elif isinstance(node, ForEach):
                for step in node.steps:
                    self._leaf_sections[step.key] = node.section
            else:
                self._leaf_sections[node.key] = node.section

    # --- walking ----------------------------------------------------------------------------------------------

    def questions(self, answers: Answers, ctx: Any, lang: str) -> Iterator[Question]:
        """Every question that applies, in order, as far as the answers so far allow (a loop stops at its
        first unanswered entry). Lazy: callers stop at the first unanswered one."""
        top = Scope(answers, ctx, lang)
        for node in self.nodes:
            if isinstance(node, Step):
                if node.applies(top):
                    yield self._question(node.key, node, Scope(answers, ctx, lang, key=node.key), node.section)
            elif isinstance(node, ForEach):
                if node.when is not None and not node.when(top):
                    continue
                for item_id, item in node.items(top):
                    for step in node.steps:
                        key = f"{step.key}:{item_id}"
                        scope = Scope(answers, ctx, lang, item=item, suffix=f":{item_id}", key=key)
                        if step.applies(scope):
                            yield self._question(key, step, scope, node.section)
            else:
                if node.when is not None and not node.when(top):
                    continue
                yield from self._repeat(node, answers, ctx, lang)

    def _repeat(self, node: Repeat, answers: Answers, ctx: Any, lang: str) -> Iterator[Question]:
        for index in range(1, node.max_entries + 1):
            prefix = f"{node.key}/{index}/"
            for position, step in enumerate(node.steps):
                key = prefix + step.key
                scope = Scope(answers, ctx, lang, item=index, prefix=prefix, key=key)
                if step.applies(scope):
                    yield self._question(key, step, scope, node.section)
                if position == 0 and answers.get(key) in (None, *node.stop_values):
                    return  # the entry's kind is not known yet, or it closed the group

    @staticmethod
    def _question(key: str, step: Step, scope: Scope, section: str) -> Question:
        return Question(key, step, scope, section)

    def current(self, answers: Answers, ctx: Any, lang: str) -> Question:
        """The first question without an answer; the review screen when there is none."""
        for question in self.questions(answers, ctx, lang):
            if question.key not in answers:
                return question
        raise AssertionError("unreachable: the review step is never answered")

    def answered(self, answers: Answers, ctx: Any, lang: str) -> list[Question]:
        """The questions that apply and were answered (what the review and the submit read)."""
        return [q for q in self.questions(answers, ctx, lang) if q.key in answers]

    def section_of(self, key: str) -> str:
        base = key.rstrip("~")
        if "/" in base:
            base = base.split("/", 1)[0]
        elif ":" in base:
            base = base.split(":", 1)[0]
        return self._leaf_sections.get(base, "")

    # --- applying an outcome ----------------------------------------------------------------------------------

    @staticmethod
    def apply(answers: Answers, question: Question, outcome: Outcome) -> bool:
        """Record an ``Answer`` or ``Stay``; True when the answers changed."""
        if isinstance(outcome, Answer):
            answers[question.key] = outcome.value
            answers.pop(question.key + "~", None)
            scope = question.scope
            for key, value in outcome.also.items():
                answers[scope.prefix + key + scope.suffix] = value
            return True
        if isinstance(outcome, Stay):
            answers[question.key + "~"] = outcome.value
            return True
        return False

    def start_edit(self, answers: Answers, section: str) -> None:
        """Set a section's answers aside so its questions are asked again (kept for undo and prefilling)."""
        self.finish_edit(answers, keep=False)
        saved = {k: answers.pop(k) for k in list(answers) if not DraftMeta.is_meta(k) and self.section_of(k) == section}
        DraftMeta(answers).start_edit(section, saved)

    def finish_edit(self, answers: Answers, *, keep: bool) -> None:
        """End a change: ``keep`` the new answers, or put the set-aside ones back (undo)."""
        edit = DraftMeta(answers).take_edit()
        if edit and not keep:
            section = edit.get("section")
            for key in [k for k in answers if not DraftMeta.is_meta(k) and self.section_of(k) == section]:
                answers.pop(key)
            answers.update(edit.get("saved") or {})

    @staticmethod
    def editing(answers: Answers) -> str | None:
        edit = DraftMeta(answers).edit
        return str(edit["section"]) if edit else None


# --- callback data ------------------------------------------------------------------------------------------


def callback(short_id: str, version: int, value: str) -> str:
    """``f:<session>:<version>:<value>``; the version makes a button of an older question harmless."""
    data = f"{CALLBACK_PREFIX}:{short_id}:{version}:{value}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data too long: {data!r}")
    return data


@dataclass(frozen=True, slots=True)
class Pressed:
    short_id: str
    version: int
    value: str


def parse_callback(data: str) -> Pressed | None:
    parts = data.split(":", 3)
    if len(parts) != 4 or parts[0] != CALLBACK_PREFIX or not (parts[2].isascii() and parts[2].isdigit()):
        return None
    return Pressed(parts[1].upper(), int(parts[2]), parts[3])
