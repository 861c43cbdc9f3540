"""Issue 18, the pendamping's report form: typed words that match a button, "Lainnya" asking why, prefilled screens
that keep what they show, Kondisi picked from a list, no stale buttons after resuming or /batal, and the tap count
of the routine report on both of its paths."""

from __future__ import annotations

from datetime import date

from models.db import Database
from tests.e2e.conftest import PersonFactory
from tests.e2e.test_report import PHOTO, _start, _visits


async def test_a_whole_report_can_be_typed_instead_of_tapped(person: PersonFactory, db: Database) -> None:
    chat, world = await _start(person, db)
    await chat.say("/lapor")
    await chat.press("Hidayat")
    reply = await chat.say("kemarin")
    assert "Bertemu dengan keluarga?" in reply.text
    reply = await chat.say("Ya")
    assert "Komitmen periode" in reply.text
    for typed in ("semua memenuhi", "LANJUT", "lanjut", "tidak ada perubahan", "Tidak ada rujukan"):
        reply = await chat.say(typed)
        assert "pilih salah satu tombol" not in reply.text, typed
    assert "foto" in reply.text.lower()
    await chat.send_photo(PHOTO)
    await chat.send_location(-6.601, 105.602)
    reply = await chat.say("lewati")
    assert "Ringkasan laporan" in reply.text
    reply = await chat.say("kirim laporan")
    assert "Laporan terkirim" in reply.text
    assert chat.taps == 3  # the household, the photo, the location: everything else was typed
    [visit] = await _visits(db, world["hidayat"])
    assert visit.visited_on == date(2026, 11, 23) and visit.met and visit.notes is None
