"""/penyaluran's pages stay inside Telegram's limits with the longest names and reasons the registry can hold, and
what a person typed is escaped, never markup."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import InlineKeyboardMarkup

from handlers.render import penyaluran as texts
from handlers.render.limits import MAX_CALLBACK_DATA, MAX_INLINE_BUTTONS, MAX_TEXT, visible_length
from models.period import Period
from models.queries.period_board import Adjustment, ListedHousehold, ListPage, ProvinceArea
from models.queries.regions import Area

OCT = Period(2026, 10)
AREA = Area("36.02.01.2002", "Desa " + "W" * 116, 4, "36.02.01")
WHEN = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
LONG = "<b>Ж" + "W" * 116 + "</b>"  # 120 characters, the registry's longest name, with markup in it


def _item(n: int, verdict: str) -> ListedHousehold:
    return ListedHousehold(
        verdict_id=10**8 + n, head_name=LONG, desa_name=LONG, verdict=verdict, reason="tanpa_laporan",
        disburse=True, member_name=LONG, commitment="pendidikan_kehadiran", pendamping=LONG, decided_by=LONG,
        decided_at=WHEN, override_reason="<i>" + "alasan " * 28, period=str(OCT), desa_code=AREA.code,
        adjustment=Adjustment("belum_terverifikasi", "layak_salur", "x" * 200, LONG, WHEN),
    )  # fmt: skip


def _fits(payload: dict[str, object]) -> None:
    assert visible_length(str(payload["text"]), html=True) <= MAX_TEXT
    assert "<b>Ж" not in str(payload["text"]) and "&lt;b&gt;Ж" in str(payload["text"])
    markup = payload["reply_markup"]
    assert isinstance(markup, InlineKeyboardMarkup)
    keys = [b for row in markup.inline_keyboard for b in row]
    assert len(keys) <= MAX_INLINE_BUTTONS
    assert all(len(str(b.callback_data).encode()) <= MAX_CALLBACK_DATA for b in keys)


def test_a_full_page_of_the_longest_recommendations_and_unverified_fits() -> None:
    for signed in (False, True):
        page = ListPage([_item(n, "ditangguhkan") for n in range(5)], 999_999, 199_998, 200_000, 5)
        _fits(texts.recommendations(AREA, OCT, page, "id", "Asia/Jakarta", signed=signed, notice="⛔ " + "x" * 200))
        page = ListPage([_item(n, "belum_terverifikasi") for n in range(10)], 999_999, 99_998, 100_000, 10)
        _fits(texts.unverified(AREA, OCT, page, "en", "Asia/Jakarta", signed=signed))


def test_the_province_board_fits_and_names_are_escaped() -> None:
    areas = [
        ProvinceArea(f"36.{n:02}", LONG, WHEN if n % 2 else None, LONG, {"layak_salur": 10**6}, n) for n in range(8)
    ]
    _fits(texts.province(OCT, areas, "id", "Asia/Jakarta"))
