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
    never_opened = [ProvinceArea(f"36.{n:02}", LONG, None, None) for n in range(8)]
    for lang in ("id", "en"):
        _fits(texts.province(OCT, areas[:4] + never_opened[4:], lang, "Asia/Jakarta"))


def test_an_area_nobody_opened_is_marked_and_counted_as_unsigned() -> None:
    areas = [
        ProvinceArea("36.02", "Kabupaten Lebak", WHEN, "Pak Dedi", {"layak_salur": 3}),
        ProvinceArea("36.03", "Kabupaten Tangerang", None, None, {"layak_salur": 1}),
        ProvinceArea("36.04", "Kabupaten Serang", None, None),
    ]
    text = str(texts.province(OCT, areas, "id", "Asia/Jakarta")["text"])
    assert "Sudah ditandatangani: 1 dari 3 kabupaten/kota" in text
    assert "Belum ditandatangani: 2 (belum ditutup: 1)" in text
    assert "Kabupaten Serang</b> — ▫️ belum ditutup: daftarnya belum pernah dibuka" in text
    assert "Kabupaten Tangerang</b> — ⏳ belum ditandatangani" in text
    assert "Jumlah dari 2 kabupaten/kota yang sudah ditutup" in text and "Layak salur: 4" in text
    english = str(texts.province(OCT, areas, "en", "Asia/Jakarta")["text"])
    assert "Not signed yet: 2 (not closed yet: 1)" in english and "not closed yet: its list was never opened" in english
