"""The grid step: one screen of items, each toggled in place or picked from its short list (split from
``steps``, which it builds on)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from handlers.forms.steps import Answer, Ignore, Option, Outcome, Scope, Stay, Step


@dataclass(frozen=True, slots=True)
class GridItem:
    code: str
    label: str
    options: tuple[Option, ...]


@dataclass(kw_only=True)
class Grid(Step):
    """One screen of items (fewer taps and fewer messages than a question per item), prefilled by ``initial``
    (the last visit's answers). A tap on an item either ``cycle``s it through its options (a yes/no toggle), or
    opens the item's short list of options on the same message to pick one (Kondisi: "layak", "kurang layak" …).

    "Lanjut" keeps exactly what the screen shows, prefilled answers included; emptying the screen is a separate,
    named action ("clear"), so a prefilled answer is never thrown away by a button that reads like "next".
    """

    items: Sequence[GridItem] = ()
    initial: Callable[[Scope], dict[str, Any]] = lambda scope: {}
    fill_value: str | None = None  # a "the rest: <value>" button, when set
    fill_label: str = ""
    cycle: bool = True
    kind: ClassVar[str] = "grid"
    PICKING: ClassVar[str] = "_pick"  # in the work in progress: the item whose list is open

    def state(self, scope: Scope) -> dict[str, Any]:
        """The values on screen: work in progress, else the answer before a change, else ``initial``."""
        pending = scope.answers.get(scope.key + "~")
        if pending is not None:
            return dict(pending)
        saved = scope.saved(scope.key)
        if saved is not None:
            return dict(saved)
        return {k: v for k, v in self.initial(scope).items() if k in {i.code for i in self.items}}

    def picking(self, scope: Scope) -> GridItem | None:
        """The item whose list of options is open, if any."""
        index = self.state(scope).get(self.PICKING)
        return self.items[index] if isinstance(index, int) and 0 <= index < len(self.items) else None

    def on_press(self, value: str, scope: Scope) -> Outcome:
        state = self.state(scope)
        picking = self.picking(scope)
        state.pop(self.PICKING, None)
        if value == "ok":
            return Answer(state)
        if value == "clear":
            return Stay({})
        if value == "back":
            return Stay(state)
        if value == "fill" and self.fill_value is not None:
            for item in self.items:
                if state.get(item.code) is None:
                    state[item.code] = decode(self.fill_value)
            return Stay(state)
        if value.startswith("v:") and picking is not None:
            chosen = _index(value[2:], len(picking.options))
            if chosen is None and value != "v:-":
                return Ignore()
            state[picking.code] = None if chosen is None else decode(picking.options[chosen].value)
            return Stay(state)
        index = _index(value[2:], len(self.items)) if value.startswith("g:") else None
        if index is None:
            return Ignore()
        item = self.items[index]
        if not self.cycle:
            return Stay({**state, self.PICKING: index})
        values = [None, *(decode(o.value) for o in item.options)]
        current = state.get(item.code)
        position = values.index(current) if current in values else 0
        state[item.code] = values[(position + 1) % len(values)]
        return Stay(state)


def _index(text: str, size: int) -> int | None:
    """A button's position number, if it is one below ``size`` (button data can be forged)."""
    return int(text) if text.isascii() and text.isdigit() and int(text) < size else None


def decode(value: str) -> Any:
    """Grid option values "1"/"0" are stored as booleans (welfare indicators are yes/no)."""
    return {"1": True, "0": False}.get(value, value)
