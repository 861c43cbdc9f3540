"""The form's bookkeeping in a draft, typed: stored under the same keys as before, so drafts in flight still read."""

from __future__ import annotations

from typing import Any

from models.forms import Draft, DraftMeta


def test_a_draft_written_with_the_old_keys_reads_the_same() -> None:
    stored = {
        "kpm": 7,
        "_hh": {"head_name": "Siti"},
        "_search": "siti",
        "_page": 2,
        "_orig": "2026-11-03",
        "_return": {"section": "foto", "note": "buram"},
        "_edit": {"section": "foto", "saved": {"foto": "abc"}},
    }
    meta = Draft(id="x", user_id=1, form="kunjungan", household_id=7, step="tinjau", answers=stored).meta
    assert meta.household == {"head_name": "Siti"}
    assert (meta.search, meta.page, meta.original_date) == ("siti", 2, "2026-11-03")
    assert meta.returned == {"section": "foto", "note": "buram"}
    assert meta.saved("foto") == "abc" and meta.saved("tanggal") is None
    assert [k for k in stored if not DraftMeta.is_meta(k)] == ["kpm"]


def test_picker_state_and_one_shot_flags() -> None:
    answers: dict[str, Any] = {}
    meta = DraftMeta(answers)
    assert (meta.search, meta.page, meta.returned, meta.edit) == (None, 0, None, None)
    meta.set_picker(search="budi")
    assert answers == {"_search": "budi", "_page": 0}
    meta.set_page(3)
    meta.set_picker()
    assert answers == {"_page": 0}
    meta.clear_picker()
    assert answers == {}
    meta.mark_rebuild()
    assert meta.take_rebuild() is True and meta.take_rebuild() is False
    meta.start_edit("foto", {"foto": "abc"})
    assert meta.take_edit() == {"section": "foto", "saved": {"foto": "abc"}} and meta.edit is None
