"""Issue 18, the pendamping's report form: typed words that match a button, "Lainnya" asking why, prefilled screens
that keep what they show, Kondisi picked from a list, no stale buttons after resuming or /batal, and the tap count
of the routine report on both of its paths."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.sandbox.client import SandboxClient
from models.db import Database
from models.tables import CheckResult, CommitmentCheck, Visit
from tests.e2e.conftest import PersonFactory
from tests.e2e.harness import Chat
from tests.e2e.test_report import PHOTO, _start, _visits
from tests.supervisor_world import PHONES, build


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


@pytest.mark.parametrize("evidence", ["photo and location", "both skipped"])
async def test_the_routine_report_takes_at_most_twelve_taps_on_both_paths(
    person: PersonFactory, db: Database, evidence: str
) -> None:
    """Met, all commitments met, prefilled condition and welfare, no change, no referral, no notes — with a photo
    and a location, or with both skipped: a skip button is its reason, so skipping costs one tap, not two."""
    chat, world = await _start(person, db)
    await chat.say("/lapor")
    for label in ("Hidayat", "Hari ini", "Ya", "Semua memenuhi", "Lanjut", "Lanjut", "Tidak ada perubahan"):
        await chat.press(label)
    reply = await chat.press("Tidak ada rujukan")
    assert "Tanpa foto: kamera/HP bermasalah" in reply.buttons()
    if evidence == "photo and location":
        await chat.send_photo(PHOTO)
        await chat.send_location(-6.601, 105.602)
    else:
        reply = await chat.press("Tanpa foto: kamera/HP bermasalah")
        assert "Tanpa lokasi: GPS tidak aktif" in reply.buttons() and "Mengapa" not in reply.text
        reply = await chat.press("Tanpa lokasi: GPS tidak aktif")
        assert "Catatan tambahan" in reply.text
    summary = await chat.press("Lewati")
    assert "Ringkasan laporan" in summary.text
    reply = await chat.press("Kirim laporan")
    assert "Laporan terkirim" in reply.text
    assert chat.taps == 12
    [visit] = await _visits(db, world["hidayat"])
    if evidence == "both skipped":
        assert visit.evidence_note == "foto:kamera; lokasi:gps" and visit.photo_file_id is None
        assert "Foto: tidak ada (kamera/HP bermasalah)" in summary.text
        assert "Lokasi: tidak ada (GPS tidak aktif)" in summary.text
    else:
        assert visit.photo_file_id and visit.latitude == -6.601
    async with db.session() as s:
        checks = list(await s.scalars(select(CommitmentCheck)))
    assert [c.result for c in checks] == [CheckResult.MET]


async def test_prefilled_screens_keep_their_answers_and_kondisi_is_picked_from_a_list(
    person: PersonFactory, db: Database
) -> None:
    chat, world = await _start(person, db)  # Hidayat's last visit: house "layak", floor of earth yes, power no
    await chat.say("/lapor")
    for label in ("Hidayat", "Hari ini", "Ya"):
        await chat.press(label)
    reply = await chat.press("Semua memenuhi")
    assert "Rumah: layak" in reply.buttons() and "Lewati" not in reply.buttons()
    assert "🗑 Kosongkan" in reply.buttons() and "Lanjut ➜" in reply.buttons()
    reply = await chat.press("Penghasilan: –")
    assert "Penghasilan: pilih salah satu" in reply.text
    assert {"buruh", "tani/nelayan", "dagang/usaha"} <= set(reply.buttons())
    reply = await chat.press("tani/nelayan", exact=True)  # one tap on the value, back on the whole screen
    assert "Penghasilan: tani/nelayan" in reply.buttons() and "Rumah: layak" in reply.buttons()
    reply = await chat.press("Lanjut")
    assert "Indikator kesejahteraan" in reply.text
    assert "✅ Lantai tanah/bambu" in reply.buttons() and "❌ Tanpa listrik" in reply.buttons()
    reply = await chat.press("Kosongkan")  # clearing is its own, named action: shown emptied, not yet kept
    assert "⬜ Lantai tanah/bambu" in reply.buttons() and "🗑 Kosongkan" not in reply.buttons()
    reply = await chat.press("Lanjut")
    assert "Perubahan data keluarga" in reply.text
    await chat.press("Tidak ada perubahan")
    await chat.press("Tidak ada rujukan")
    await chat.press("Tanpa foto: kamera")
    await chat.press("Tanpa lokasi: GPS")
    reply = await chat.say("Anak sulung sedang ujian")
    assert (
        "Kondisi: rumah layak · penghasilan tani/nelayan" in reply.text and "Kesejahteraan: tidak diisi" in reply.text
    )

    reply = await chat.press("✏️ Catatan")  # changing the note shows the note as it stands
    assert "Catatan sekarang:\nAnak sulung sedang ujian" in reply.text
    assert "🗑 Hapus catatan" in reply.buttons() and "Lewati" not in reply.buttons()
    reply = await chat.press("Batal ubah")
    assert "Catatan: Anak sulung sedang ujian" in reply.text
    await chat.press("✏️ Catatan")
    reply = await chat.press("Hapus catatan")
    assert "Catatan:" not in reply.text
    await chat.press("Kirim laporan")
    [visit] = await _visits(db, world["hidayat"])
    assert visit.condition == {"rumah": "layak", "penghasilan": "tani"} and visit.welfare == {}
    assert visit.notes is None


def _with_form_buttons(chat: Chat) -> list[str]:
    """The texts of the bot's messages that still carry buttons of a form (``f:…``), oldest first."""
    found = []
    for message_id in sorted(chat.bot_messages):
        message = chat.bot_messages[message_id]
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        if any(str(b.get("callback_data", "")).startswith("f:") for row in rows for b in row):
            found.append(str(message.get("text")))
    return found


async def test_resuming_leaves_one_live_question_and_batal_leaves_no_stale_offer(
    person: PersonFactory, db: Database
) -> None:
    chat, _world = await _start(person, db)
    await chat.say("/lapor")
    await chat.press("Hidayat")
    await chat.press("Hari ini")
    assert [t for t in _with_form_buttons(chat) if "Bertemu dengan keluarga?" in t]

    reply = await chat.say("/lapor")  # coming back later: the draft is offered, the old question goes stale
    assert "Anda masih punya draf laporan" in reply.text
    live = _with_form_buttons(chat)
    assert len(live) == 1 and "Anda masih punya draf laporan" in live[0]

    reply = await chat.press("Lanjutkan draf")  # the offer becomes the question: still exactly one live copy
    assert "Bertemu dengan keluarga?" in reply.text
    live = _with_form_buttons(chat)
    assert len(live) == 1 and "Bertemu dengan keluarga?" in live[0]
    reply = await chat.press("Ya")
    assert "Komitmen periode" in reply.text

    await chat.say("/lapor")
    reply = await chat.say("/batal")
    assert "Batalkan laporan yang sedang diisi?" in reply.text
    reply = await chat.press("Ya, batalkan")
    assert "Laporan dibatalkan" in reply.text
    assert _with_form_buttons(chat) == []  # neither "Lanjutkan draf / Buang" nor the question is left to press


async def test_lainnya_asks_why_and_the_koordinator_and_the_export_see_the_words(
    person: PersonFactory, db: Database, sandbox_client: SandboxClient
) -> None:
    world = await build(db)
    siti = await person(8201, "Siti")
    await siti.share_contact("62" + PHONES["siti"][1:])
    await siti.say("/lapor Juhana")
    for label in ("Juhana", "Hari ini"):
        await siti.press(label)
    await siti.press("Tidak", exact=True)
    reply = await siti.press("Lainnya")
    assert "Alasan lainnya apa?" in reply.text
    reply = await siti.say("<b>pergi</b>")  # markup is refused politely, the question asked again
    assert "tanpa tanda < >" in reply.text and "Alasan lainnya apa?" in reply.text
    reply = await siti.say("Sedang merantau ke Jakarta")
    assert "Catatan tambahan" in reply.text
    reply = await siti.press("Lewati")
    assert "Tidak bertemu keluarga: lainnya: “Sedang merantau ke Jakarta”" in reply.text
    await siti.press("Kirim laporan")
    async with db.session() as s:
        visit = await s.scalar(
            select(Visit).where(Visit.household_id == world.households["h3"], Visit.period == "2026-11")
        )
    assert visit is not None and visit.not_met_reason == "lainnya"
    assert visit.other_reasons == {"kunjungan": "Sedang merantau ke Jakarta"}

    dedi = await person(8202, "Dedi")
    await dedi.share_contact("62" + PHONES["dedi"][1:])
    card = await dedi.say("/tinjau")
    for _ in range(5):  # through the queue to Juhana's report
        if "Juhana" in card.text:
            break
        card = await dedi.press("Lewati")
    assert "Juhana" in card.text and "lainnya: “Sedang merantau ke Jakarta”" in card.text

    reply = await dedi.say("/ekspor kunjungan lebak")
    document = next(m for m in reply.messages if m.get("document"))
    book = load_workbook(io.BytesIO(await sandbox_client.file(str(document["document"]["file_id"]))))
    rows = [list(row) for row in book["Kunjungan"].iter_rows(values_only=True)]
    header = rows[0]
    juhana = next(row for row in rows[1:] if row[header.index("Kepala keluarga")] == "Juhana")
    assert juhana[header.index("Alasan tidak bertemu")] == "Lainnya"
    assert juhana[header.index("Alasan lain tidak bertemu")] == "Sedang merantau ke Jakarta"
