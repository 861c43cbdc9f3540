"""The "data perlu diperbaiki" entries of a household: what settles one, and that an unreadable value keeps the
flag instead of dropping it."""

from __future__ import annotations

from models.data_issues import HeldRow, decode, encode, settle

NIK = "3601014202880031"


def test_an_entry_is_settled_by_its_nik_or_without_one_by_its_name() -> None:
    stored = encode([HeldRow("Rina Permana", None, ("nik",)), HeldRow("Raka", NIK, ("tanggal_lahir",))])
    assert decode(settle(stored, nik="3601010101010001", name="  rina   PERMANA ")) == [
        HeldRow("Raka", NIK, ("tanggal_lahir",))
    ]
    assert settle(settle(stored, nik=NIK, name="Someone Else"), nik="3601010101010002", name="Rina Permana") is None
    assert settle(stored, nik="3601010101010003", name="Raka") == stored  # Raka's entry waits for his NIK


def test_an_unreadable_value_still_counts_as_something_to_fix() -> None:
    assert decode(None) == [] and encode([]) is None
    assert decode("{not json") == [HeldRow("", None, ())]
    assert decode('[{"nama": 5}]') == [HeldRow("5", None, ())]
