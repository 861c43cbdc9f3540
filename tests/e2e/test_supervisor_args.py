"""How supervisors write a period after the area: ``/ringkasan lebak oktober``, ``… 2026-10``, ``… 10-2026``."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.supervisor.common import BadPeriod, split_period
from models.period import Period

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("words", "period", "rest"),
    [
        ([], None, []),
        (["lebak"], None, ["lebak"]),
        (["lebak", "2026-10"], Period(2026, 10), ["lebak"]),
        (["10-2026", "kota", "serang"], Period(2026, 10), ["kota", "serang"]),
        (["cikulur", "Oktober"], Period(2026, 10), ["cikulur"]),
        (["cikulur", "des"], Period(2025, 12), ["cikulur"]),  # December has not started this year yet
        (["nov", "2025", "lebak"], Period(2025, 11), ["lebak"]),
        (["2026/09"], Period(2026, 9), []),
    ],
)
def test_period_words_are_taken_out_and_the_rest_names_the_area(
    words: list[str], period: Period | None, rest: list[str]
) -> None:
    assert split_period(words, TODAY) == (period, rest)


def test_an_impossible_month_is_refused() -> None:
    with pytest.raises(BadPeriod):
        split_period(["lebak", "2026-13"], TODAY)
