"""Names typed for a proposed birth or move-in follow the rule of every name in the registry (issue 18, broken 5):
no markup, emoji or control characters; the pendamping is told why and asked again, politely."""

from __future__ import annotations

from sqlalchemy import select

from models.db import Database
from models.tables import DataChange
from tests.e2e.conftest import PersonFactory
from tests.e2e.test_report import _start


async def test_a_birth_name_with_markup_emoji_or_control_characters_is_asked_again(
    person: PersonFactory, db: Database
) -> None:
    chat, _ = await _start(person, db)
    await chat.say("/lapor")
    for label in ("Hidayat", "Hari ini", "Ya", "Semua memenuhi", "Lanjut", "Lanjut", "Kelahiran"):
        await chat.press(label)
    for bad in ("<b>Bayi</b>", "Bayi 👶 Siti", "Bayi\u200bSiti", "*Bayi* _Siti_"):
        refused = await chat.say(bad)
        assert "hanya boleh berisi huruf, angka, spasi" in refused.text, bad
        assert "Perempuan" not in refused.buttons()  # still the name question
    accepted = await chat.say("Nur'aini S.Sos.")
    assert "Perempuan" in accepted.buttons()
    await chat.press("Perempuan")
    await chat.say("10-11-2026")
    await chat.press("Lewati")
    await chat.press("Selesai")
    await chat.press("Tidak ada rujukan")
    for label in ("Tanpa foto: kamera", "Tanpa lokasi: GPS", "Lewati"):
        await chat.press(label)
    await chat.press("Kirim laporan")
    async with db.session() as s:
        change = await s.scalar(select(DataChange))
    assert change is not None and change.new_value["nama"] == "Nur'aini S.Sos."
