"""The small form engine the visit report runs on (decision 1 in docs/design.md: a form is data).

- ``steps``: the kinds of question (choice, date, text, grid of toggles, photo, location, review, custom) and
  groups (``ForEach`` item, ``Repeat`` entries), each judging its input into an ``Outcome``;
- ``engine``: ``Form`` — the current question is the first one that applies and has no answer; changing a
  section; the ``f:<session>:<version>:<value>`` button data.

The Telegram side — load the draft, judge, save with a version check, commit, then show — is
``handlers/form_runner.py``: it uses the texts in ``handlers/render``, which use this package, so it lives
beside the package rather than inside it (no import cycle between the engine and the texts).
"""

from handlers.forms.engine import Form, Question, callback, parse_callback
from handlers.forms.grid import Grid, GridItem
from handlers.forms.steps import (
    SKIP,
    Action,
    Answer,
    Choice,
    Custom,
    DateStep,
    ForEach,
    Ignore,
    Input,
    Invalid,
    LocationInput,
    LocationStep,
    Option,
    Outcome,
    PhotoInput,
    PhotoStep,
    Repeat,
    Review,
    Scope,
    Stay,
    Step,
    TextInput,
    TextStep,
)

__all__ = [
    "SKIP",
    "Action",
    "Answer",
    "Choice",
    "Custom",
    "DateStep",
    "ForEach",
    "Form",
    "Grid",
    "GridItem",
    "Ignore",
    "Input",
    "Input",
    "Invalid",
    "LocationInput",
    "LocationStep",
    "Option",
    "Outcome",
    "PhotoInput",
    "PhotoStep",
    "Question",
    "Repeat",
    "Review",
    "Scope",
    "Stay",
    "Step",
    "TextInput",
    "TextStep",
    "callback",
    "parse_callback",
]
