"""A koordinator asks how Lebak is doing — in the chat, through the sandbox, on the hand-counted world.

Every expected number is derived in tests/supervisor_world.py. The e2e clock stands on 24 November 2026.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.sandbox.client import SandboxClient
from handlers.supervisor import exports
from models.db import Database
from models.forms import short_id
from tests.e2e.conftest import PersonFactory
from tests.e2e.harness import Chat
from tests.supervisor_world import PHONES, World, build


@pytest.fixture
async def world(db: Database) -> World:
    return await build(db)


async def signed_in(person: PersonFactory, key: str, telegram_id: int) -> Chat:
    chat = await person(telegram_id, key.title())
    await chat.share_contact("62" + PHONES[key][1:])  # Telegram sends contacts in international form
    return chat


async def test_ringkasan_shows_lebak_this_month_and_drills_down(person: PersonFactory, world: World) -> None:
    dedi = await signed_in(person, "dedi", 8001)
    reply = await dedi.say("/ringkasan")
    text = reply.text
    assert "Ringkasan Kabupaten Lebak — November 2026" in text
    assert "KPM aktif: 5" in text
    assert "Sudah dikunjungi: 2 (40,0%)" in text
    assert "Belum dikunjungi: 3 (60,0%)" in text
    assert "Tunggakan 2+ periode: 2 (40,0%)" in text
    assert "penimbangan bulanan di posyandu: 1 dari 2 memenuhi (50,0%)" in text
    assert "Rujukan: 1 dibuka, 1 ditutup" in text
    assert "Perubahan data menunggu verifikasi: 2" in text
    assert "Laporan menunggu tinjauan (semua periode): 2" in text
    assert "Muncang: 1/3 dikunjungi (33,3%), tunggakan 1" in text
    assert "Cikulur: 1/2 dikunjungi (50,0%), tunggakan 1" in text
    assert "Tangerang" not in text and "Suryadi" not in text

    muncang = await dedi.press("Muncang ›")
    assert "Ringkasan Muncang" in muncang.text and "KPM aktif: 3" in muncang.text
    assert "Muncang: 1/2 dikunjungi (50,0%)" in muncang.text  # the desa Muncang: Hidayat yes, Hermawan no
    assert "Pasireurih: 0/1 dikunjungi (0,0%), tunggakan 1" in muncang.text

    october = await dedi.press("◀ Oktober 2026")
    assert "Muncang — Oktober 2026" in october.text and "Sudah dikunjungi: 2 (66,7%)" in october.text

    by_name = await dedi.say("/ringkasan cikulur oktober")
    assert "Ringkasan Cikulur — Oktober 2026" in by_name.text and "KPM aktif: 2" in by_name.text


async def test_empty_area_and_bad_arguments_are_answered_plainly(person: PersonFactory, world: World) -> None:
    dedi = await signed_in(person, "dedi", 8002)
    assert "Belum ada KPM aktif di wilayah ini." in (await dedi.say("/ringkasan bayah")).text
    may = (await dedi.say("/ringkasan lebak mei")).text
    assert "Sudah dikunjungi: 0 (0,0%)" in may and "Belum ada laporan kunjungan untuk periode ini." in may
    assert "tidak ditemukan" in (await dedi.say("/ringkasan atlantis")).text
    assert "tidak dikenali" in (await dedi.say("/ringkasan 2026-13")).text
    assert "belum dimulai" in (await dedi.say("/ringkasan 2027-01")).text
    admin = await signed_in(person, "admin", 8003)
    choice = await admin.say("/ringkasan tangerang")
    assert "Pilih yang dimaksud" in choice.text
    picked = await admin.press("Kabupaten Tangerang")
    assert "Ringkasan Kabupaten Tangerang" in picked.text and "KPM aktif: 1" in picked.text


async def test_koordinator_of_lebak_never_sees_tangerang(person: PersonFactory, world: World, db: Database) -> None:
    dedi = await signed_in(person, "dedi", 8004)
    assert "di luar wilayah Anda" in (await dedi.say("/ringkasan tangerang")).text
    assert "di luar wilayah Anda" in (await dedi.say("/tunggakan 36.03")).text
    assert "di luar wilayah Anda" in (await dedi.say("/ekspor kunjungan 3603")).text
    anchor = (await dedi.say("/ringkasan")).last["message_id"]
    forged = [
        "sv:rk:36.03:2026-11", "sv:tg:36.03:0", "sv:kp:36.03:2026-11", "sv:kp:36.03:2026-11:0:0",
        f"sv:pd:{world.users['rudi']}", "sv:pl:36.03:0", "sv:gr:cakupan:36.03", "sv:ek:kunjungan:36.03:2026-11",
        f"sv:tj:ok:{world.visits['h6-11']}", f"sv:tj:sc:{world.visits['h6-11']}:bukti", f"sv:gd:aj:{world.households['h6']}",
        "sv:gd:pg:36.03:0", "sv:rk:36:2026-11", "sv:rk:'; DROP TABLE visit;--:2026-11",
    ]  # fmt: skip
    for data in forged:
        reply = await dedi.press_data(anchor, data)
        assert "Suryadi" not in reply.text and "Rudi" not in reply.text and "Tangerang" not in reply.text, data
        assert not any(m.get("photo") or m.get("document") for m in reply.messages), data
        assert "tidak ditemukan" in reply.text or "di luar wilayah" in reply.text, data
    async with db.session() as s:
        from models.tables import GraduationProposal, ReviewStatus, Visit

        visit = await s.get(Visit, world.visits["h6-11"])
        assert visit is not None and visit.review_status is ReviewStatus.PENDING
        assert (await s.scalar(GraduationProposal.__table__.select())) is None


async def test_tunggakan_groups_by_pendamping_and_opens_cards(person: PersonFactory, world: World) -> None:
    dedi = await signed_in(person, "dedi", 8005)
    reply = await dedi.say("/tunggakan")
    text = reply.text
    assert "3 KPM belum dikunjungi periode ini; 2 di antaranya belum dikunjungi 2 periode atau lebih." in text
    assert text.index("Dewi Lestari (1)") < text.index("Rohman") < text.index("Siti Aminah (2)")
    assert "Rohman — Cikulur · ⚠️ belum pernah dikunjungi" in text
    assert "Hermawan — Muncang · terakhir Oktober 2026" in text
    assert "Juhana — Pasireurih · terakhir September 2026 ⚠️ 2 periode" in text
    card = await dedi.press("Juhana")
    assert "Juhana" in card.text and "KK 3602********0003" in card.text
    only_cikulur = await dedi.say("/tunggakan cikulur")
    assert "1 KPM belum dikunjungi" in only_cikulur.text and "Hermawan" not in only_cikulur.text


async def test_kepatuhan_shows_levels_and_the_members_behind_them(person: PersonFactory, world: World) -> None:
    dedi = await signed_in(person, "dedi", 8006)
    reply = await dedi.say("/kepatuhan")
    assert "kehadiran sekolah ≥ 85%: 1 — 🔴 1" in reply.text
    assert "penimbangan bulanan di posyandu: 1 — 🟠 1" in reply.text
    assert "imunisasi lengkap: 1 — 🟡 1" in reply.text
    members = await dedi.press("kehadiran sekolah")
    assert "🔴 Rizky (Hidayat, Muncang) — alasan: sakit — Siti Aminah" in members.text
    september = await dedi.say("/kepatuhan 2026-09")
    assert "kehadiran sekolah ≥ 85%: 1 — 🟡 1" in september.text and "penimbangan" not in september.text


async def test_pendamping_leaderboard_and_record(person: PersonFactory, world: World) -> None:
    dedi = await signed_in(person, "dedi", 8007)
    board = await dedi.say("/pendamping")
    assert board.text.index("1. Siti Aminah — 1/3 (33,3%)") < board.text.index("2. Dewi Lestari — 1/2 (50,0%)")
    record = await dedi.press("Siti Aminah")
    assert "KPM dampingan: 3" in record.text
    assert "Cakupan November 2026: 1/3 (33,3%)" in record.text
    assert "Cakupan Oktober 2026: 2/3 (66,7%)" in record.text
    assert "Laporan terlambat (3 periode terakhir): 1, rata-rata 3 hari" in record.text
    by_phone = await dedi.say("/pendamping 0812 0000 0002")
    assert "Dewi Lestari" in by_phone.text and "KPM dampingan: 2" in by_phone.text
    assert "tidak ditemukan" in (await dedi.say("/pendamping Rudi")).text


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def _file(sandbox_client: SandboxClient, message: Mapping[str, Any]) -> bytes:
    """``photo`` is the file id in the control API's view; ``document`` the Bot API Document."""
    file_id = message["document"]["file_id"] if message.get("document") else message["photo"]
    return await sandbox_client.file(str(file_id))


async def test_grafik_sends_readable_pngs(person: PersonFactory, world: World, sandbox_client: SandboxClient) -> None:
    dedi = await signed_in(person, "dedi", 8008)
    menu = await dedi.say("/grafik")
    assert "Grafik apa untuk Kabupaten Lebak?" in menu.text
    for label, caption in (
        ("Tren cakupan", "Tren cakupan 6 periode — Kabupaten Lebak"),
        ("Kepatuhan per komitmen", "Kepatuhan per komitmen — Kabupaten Lebak"),
        ("Cakupan per wilayah", "Cakupan per wilayah — Kabupaten Lebak"),
    ):
        reply = await dedi.press(label)
        photo = next(m for m in reply.messages if m.get("photo"))
        assert caption in photo["caption"]
        width, height = png_size(await _file(sandbox_client, photo))
        assert 1000 <= width <= 1280 and 400 <= height <= 2400  # sharp, yet not scaled twice on a phone
        if label == "Tren cakupan":  # the world's reports are of September–November: the months before are gaps
            assert "Tanpa laporan: Jun 2026, Jul 2026, Agu 2026 (tidak digambar sebagai 0%)." in photo["caption"]
    direct = await dedi.say("/grafik cakupan cikulur")
    assert any(m.get("photo") for m in direct.messages)


async def _open_xlsx(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


async def test_ekspor_kunjungan_is_a_proper_workbook(
    person: PersonFactory, world: World, sandbox_client: SandboxClient
) -> None:
    dedi = await signed_in(person, "dedi", 8009)
    reply = await dedi.say("/ekspor kunjungan lebak")
    document = next(m for m in reply.messages if m.get("document"))
    assert document["document"]["file_name"] == "jsika_kunjungan_36.02_2026-11.xlsx"
    assert "Kunjungan — Kabupaten Lebak, November 2026 (2 baris)" in document["caption"]
    book = await _open_xlsx(await _file(sandbox_client, document))
    assert book.sheetnames == ["Ringkasan", "Kunjungan"]
    summary = {row[0]: row[1] for row in book["Ringkasan"].iter_rows(values_only=True) if row[0]}
    assert summary["KPM aktif"] == 5 and summary["Sudah dikunjungi"] == 2 and summary["Tunggakan 2+ periode"] == 2
    sheet = book["Kunjungan"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["Nomor laporan", "Periode", "Tanggal kunjungan", "Dikirim", "No. KK", "Kepala keluarga"]
    assert "status_tinjauan" not in header and "Status tinjauan" in header
    rows = list(sheet.iter_rows(min_row=2))
    assert [r[5].value for r in rows] == ["Hidayat", "Sukma"]  # by desa code: Muncang before Cikulur
    kk, visited, sent = rows[0][4], rows[0][2], rows[0][3]
    assert kk.data_type == "s" and kk.value == "3602051705800001"  # NIK/KK as text, never 3.6E+15
    assert visited.is_date and visited.value.date() == date(2026, 11, 9)
    assert visited.number_format == "[$-421]d mmm yyyy"  # a real date, shown the Indonesian way
    assert sent.is_date and sent.value == datetime(2026, 11, 9, 10, 0)  # Jakarta time
    assert sent.number_format == '[$-421]d mmm yyyy hh"."mm'
    # the report number the chat shows, the period and the review status in words
    assert rows[0][0].value == short_id(world.visits["h1-11"]) and len(rows[0][0].value) == 8
    assert rows[0][1].value == "November 2026"
    assert rows[0][header.index("Status tinjauan")].value == "menunggu tinjauan"
    assert sheet.column_dimensions["F"].width >= 20


async def test_ekspor_komitmen_has_nik_as_text_and_big_files_come_later(
    person: PersonFactory, world: World, sandbox_client: SandboxClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    dedi = await signed_in(person, "dedi", 8010)
    menu = await dedi.say("/ekspor 2026-10")
    assert "Data apa yang diekspor untuk Kabupaten Lebak, Oktober 2026?" in menu.text
    monkeypatch.setattr(exports, "INLINE_MAX_ROWS", 1)  # force the background path
    reply = await dedi.press("Verifikasi komitmen")
    assert "sedang disiapkan (5 baris)" in reply.text
    document = None
    for _ in range(50):  # the background task sends the file when ready
        found = await sandbox_client.wait(dedi.id, after=dedi.cursor, timeout=2)
        dedi.cursor = max(dedi.cursor, int(found["cursor"]))
        document = next((e["message"] for e in found["events"] if e["message"].get("document")), None)
        if document is not None:
            break
    assert document is not None
    sheet = (await _open_xlsx(await _file(sandbox_client, document)))["Verifikasi komitmen"]
    niks = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert len(niks) == 5 and all(isinstance(n, str) and len(n) == 16 for n in niks)
    assert "Tidak ada data rujukan" in (await dedi.say("/ekspor rujukan cikulur 2026-09")).text
