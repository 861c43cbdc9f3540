"""The kinds of question a form is made of, as data: what each accepts and what an answer means.

A step never touches Telegram or the database. Given a button value or a typed/shared input and the ``Scope``
(answers so far, the form's context, the language) it returns an ``Outcome``: an answer, a validation problem to
show, or an action for the form's owner. Texts are not here either: prompts are functions supplied by the form's
render module, option labels are gettext msgids, validation problems are codes the renderer turns into words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from models.forms import DraftMeta

Answers = dict[str, Any]
SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Option:
    value: str  # short: it travels in callback data (64 bytes in all)
    label: str  # a gettext msgid, or plain data such as a member's name
    icon: str = ""


@dataclass
class Scope:
    """What a step sees: all answers, the form's context, and — inside a group — its item and key prefix."""

    answers: Answers
    ctx: Any
    lang: str = "id"
    item: Any = None
    prefix: str = ""  # inside a Repeat entry: "<group>/<n>/"
    suffix: str = ""  # inside a ForEach item: ":<item id>"
    key: str = ""  # the concrete question's key

    def get(self, name: str, default: Any = None) -> Any:
        """A sibling answer inside the same group entry or item (or a top-level answer outside groups)."""
        return self.answers.get(self.prefix + name + self.suffix, default)

    def saved(self, key: str) -> Any:
        """The answer a section had before the person chose to change it (for prefilling)."""
        return DraftMeta(self.answers).saved(key)


# --- inputs that arrive as messages ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextInput:
    text: str


@dataclass(frozen=True, slots=True)
class LocationInput:
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class PhotoInput:
    file_id: str
    file_unique_id: str
    sha256: str | None = None


Input = TextInput | LocationInput | PhotoInput


# --- outcomes -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """Record ``value`` for this question and move on; ``also`` answers sibling questions in the same tap (a
    "no photo" button that is also the reason: ``{"foto_alasan": "kamera"}``)."""

    value: Any
    also: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Stay:
    """Keep a work-in-progress value (a toggle screen) and show the same question again."""

    value: Any


@dataclass(frozen=True, slots=True)
class Invalid:
    """The input does not fit; ``code`` + ``params`` become a precise message, then the question is asked again."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ignore:
    """Input of the wrong kind for this question (text where a button is expected …)."""


@dataclass(frozen=True, slots=True)
class Action:
    """Something only the form's owner can do (pick a household, submit, open a section to change …)."""

    name: str
    arg: str = ""


Outcome = Answer | Stay | Invalid | Ignore | Action
Condition = Callable[[Scope], bool]
Prompt = Callable[[Scope], str]


# --- steps ----------------------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Step:
    key: str
    section: str = ""
    prompt: Prompt = lambda scope: ""
    when: Condition | None = None
    kind: ClassVar[str] = "step"

    def applies(self, scope: Scope) -> bool:
        return self.when is None or bool(self.when(scope))

    def on_press(self, value: str, scope: Scope) -> Outcome:
        return Ignore()

    def on_input(self, given: Input, scope: Scope) -> Outcome:
        return Ignore()


@dataclass(kw_only=True)
class Choice(Step):
    """Buttons; ``options`` may depend on the answers (the household's members …). A typed button label counts as
    the press (the runner's ``typed_value``); other typed words go to ``typed`` when given — a question with many
    ways of saying one answer ("ibu" for "orang tua") reads them there, and explains what it cannot."""

    options: Sequence[Option] | Callable[[Scope], Sequence[Option]] = ()
    columns: int = 1
    typed: Callable[[str, Scope], Outcome] | None = None
    kind: ClassVar[str] = "choice"

    def on_input(self, given: Input, scope: Scope) -> Outcome:
        if self.typed is None or not isinstance(given, TextInput) or not given.text.strip():
            return Ignore()
        return self.typed(" ".join(given.text.split()), scope)

    def options_for(self, scope: Scope) -> list[Option]:
        found = self.options(scope) if callable(self.options) else self.options
        return list(found)

    def on_press(self, value: str, scope: Scope) -> Outcome:
        if any(option.value == value for option in self.options_for(scope)):
            return Answer(value)
        return Ignore()


_DATE = re.compile(r"^\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})\s*$")


@dataclass(kw_only=True)
class DateStep(Step):
    """A date typed as DD-MM-YYYY, or one of the quick buttons (``d:<iso>``); ``bounds`` says what is allowed."""

    bounds: Callable[[Scope], tuple[date | None, date | None]] = lambda scope: (None, None)
    quick: Callable[[Scope], Sequence[Option]] = lambda scope: ()
    too_early: str = "date_too_early"  # the problem code when before the earliest day (the renderer says why)
    too_late: str = "date_future"
    kind: ClassVar[str] = "date"

    def on_press(self, value: str, scope: Scope) -> Outcome:
        if value.startswith("d:"):
            try:
                return self._check(date.fromisoformat(value[2:]), value[2:], scope)
            except ValueError:
                return Ignore()
        return Ignore()

    def on_input(self, given: Input, scope: Scope) -> Outcome:
        if not isinstance(given, TextInput):
            return Ignore()
        text = given.text.strip()
        match = _DATE.match(text)
        if match is None:
            return Invalid("date_format", {"text": text})
        day, month, year = (int(g) for g in match.groups())
        try:
            found = date(year, month, day)
        except ValueError:
            return Invalid("date_missing", {"text": text})
        return self._check(found, text, scope)

    def _check(self, found: date, text: str, scope: Scope) -> Outcome:
        earliest, latest = self.bounds(scope)
        if latest is not None and found > latest:
            return Invalid(self.too_late, {"text": text, "date": found, "latest": latest})
        if earliest is not None and found < earliest:
            return Invalid(self.too_early, {"text": text, "date": found, "earliest": earliest})
        return Answer(found.isoformat())


@dataclass(kw_only=True)
class TextStep(Step):
    """Free text, trimmed; ``check`` may refuse or normalise it (a phone number, a NIK)."""

    skippable: bool = False
    skip_label: str = ""
    clear_label: str = ""  # the skip button while an earlier answer is being changed ("🗑 Hapus catatan")
    min_length: int = 1
    max_length: int = 500
    check: Callable[[str, Scope], Outcome] | None = None
    kind: ClassVar[str] = "text"

    def on_press(self, value: str, scope: Scope) -> Outcome:
        return Answer(None) if value == SKIP and self.skippable else Ignore()

    def on_input(self, given: Input, scope: Scope) -> Outcome:
        if not isinstance(given, TextInput):
            return Ignore()
        text = " ".join(given.text.split())
        if len(text) < self.min_length:
            return Invalid("text_short", {"min": self.min_length})
        if len(text) > self.max_length:
            return Invalid("text_long", {"max": self.max_length, "length": len(text)})
        return self.check(text, scope) if self.check is not None else Answer(text)


def _skip(value: str, reasons: Sequence[Option], reason_key: str) -> Outcome:
    """``skip`` — or ``skip:<reason>`` when the skip buttons are the reasons (one tap: skipped, and why)."""
    if value == SKIP and not reasons:
        return Answer(SKIP)
    code = value.removeprefix(SKIP + ":")
    if value.startswith(SKIP + ":") and any(option.value == code for option in reasons):
        return Answer(SKIP, {reason_key: code})
    return Ignore()


@dataclass(kw_only=True)
class PhotoStep(Step):
    """A photo sent as a message. With ``skip_reasons`` the skip buttons are the reasons themselves, recorded
    under ``reason_key``; otherwise one ``skip_label`` button."""

    skippable: bool | Callable[[Scope], bool] = True
    skip_label: str = ""
    skip_reasons: Sequence[Option] = ()
    reason_key: str = ""

    def can_skip(self, scope: Scope) -> bool:
        return bool(self.skippable(scope)) if callable(self.skippable) else self.skippable

    kind: ClassVar[str] = "photo"

    def on_press(self, value: str, scope: Scope) -> Outcome:
        return _skip(value, self.skip_reasons, self.reason_key) if self.can_skip(scope) else Ignore()

    def on_input(self, given: Input, scope: Scope) -> Outcome:
        if isinstance(given, PhotoInput):
            return Answer({"file_id": given.file_id, "unique_id": given.file_unique_id, "sha256": given.sha256})
        return Ignore()


@dataclass(kw_only=True)
class LocationStep(Step):
    """A shared location. Telegram's location button lives on a reply keyboard, so the other buttons there (skip)
    arrive as text: the runner matches their label back to their value (``render.forms.typed_value``)."""

    share_label: str = ""
    skip_label: str = ""  # a msgid
    skip_reasons: Sequence[Option] = ()  # as PhotoStep's
    reason_key: str = ""
    kind: ClassVar[str] = "location"

    def on_press(self, value: str, scope: Scope) -> Outcome:
        return _skip(value, self.skip_reasons, self.reason_key)

    def on_input(self, given: Input, scope: Scope) -> Outcome:
        if isinstance(given, LocationInput):
            return Answer({"lat": given.latitude, "lon": given.longitude})
        return Ignore()  # a reply-keyboard button's text is matched to its value by the form's runner


@dataclass(kw_only=True)
class Review(Step):
    """The last screen: the whole form summarised, a button per section to change it, one to submit."""

    sections: Sequence[str] | Callable[[Scope], Sequence[str]] = ()
    labels: dict[str, str] = field(default_factory=dict)  # section → msgid of its "change" button
    submit_label: str = ""
    kind: ClassVar[str] = "review"

    def sections_for(self, scope: Scope) -> list[str]:
        return list(self.sections(scope) if callable(self.sections) else self.sections)

    def on_press(self, value: str, scope: Scope) -> Outcome:
        if value == "kirim":
            return Action("submit")
        if value.startswith("e:") and value[2:] in self.sections_for(scope):
            return Action("edit", value[2:])
        return Ignore()


@dataclass(kw_only=True)
class Custom(Step):
    """A step the form's owner handles itself (picking a household): presses and inputs become actions."""

    buttons: Callable[[Scope], Sequence[Sequence[Option]]] = lambda scope: ()
    kind: ClassVar[str] = "custom"

    def on_press(self, value: str, scope: Scope) -> Outcome:
        return Action("press", value)

    def on_input(self, given: Input, scope: Scope) -> Outcome:
        return Action("text", given.text) if isinstance(given, TextInput) else Ignore()


# --- groups ---------------------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class ForEach:
    """The same steps for each item (a member's commitment …): keys ``<step>:<item id>``."""

    key: str
    section: str
    items: Callable[[Scope], Sequence[tuple[str, Any]]]
    steps: Sequence[Step]
    when: Condition | None = None


@dataclass(kw_only=True)
class Repeat:
    """Entries added one after another until the first step says stop: keys ``<group>/<n>/<step>``.

    The first step of each entry is its kind (a data change, a referral sector); answering it with one of
    ``stop_values`` ("tidak ada" / "selesai") closes the group.
    """

    key: str
    section: str
    steps: Sequence[Step]
    stop_values: frozenset[str]
    max_entries: int = 10
    when: Condition | None = None


Node = Step | ForEach | Repeat
