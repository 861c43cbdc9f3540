"""/lapor end to end through the sandbox: the routine report, the paths off it, and what must never happen
(an answer lost, a report saved twice, a stale button applied to the wrong question)."""

from __future__ import annotations

import struct
from datetime import date

from sqlalchemy import func, select

from models.db import Database
from models.tables import (
    ChangeStatus,
    CheckResult,
    CommitmentCheck,
    DataChange,
    FormSession,
    Referral,
    ReviewStatus,
    Role,
    SchoolLevel,
    Sex,
    Visit,
)
from tests.e2e.conftest import PersonFactory
from tests.e2e.harness import Chat
from tests.factories import make_household, make_user, make_visit

PHOTO = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", 640, 480) + b"foto kunjungan" * 20
TG = 7001


async def _world(db: Database, *, telegram_id: int = TG) -> dict[str, int]:
    """One pendamping (linked to ``telegram_id``) with the Hidayat family — whose last visit was in September,
    so it is overdue and on top — and a family visited last month."""
    async with db.session() as s:
        siti = await make_user(s, Role.PENDAMPING, "36.01.01", telegram_id=telegram_id, name="Siti Pendamping")
        hidayat = await make_household(
            s,
            siti,
            members=[
                {"name": "Hidayat", "age": 41},
                {"name": "Siti Aminah", "relation": "istri", "sex": Sex.P, "age": 37},
                {"name": "Rizki", "age": 8, "school_level": SchoolLevel.SD},
            ],
            latitude=-6.60,
            longitude=105.60,
        )
        await make_visit(
            s,
            hidayat,
            siti,
            visited_on=date(2026, 9, 10),
            welfare={"lantai": True, "listrik": False},
            condition={"rumah": "layak"},
        )
        other = await make_household(s, siti, members=[{"name": "Sukardi", "age": 50}])
        await make_visit(s, other, siti, visited_on=date(2026, 10, 12))
        return {"pendamping": siti.id, "hidayat": hidayat.id, "other": other.id}


async def _visits(db: Database, household_id: int) -> list[Visit]:
    async with db.session() as s:
        return list(await s.scalars(select(Visit).where(Visit.household_id == household_id, Visit.period == "2026-11")))


async def _start(person: PersonFactory, db: Database) -> tuple[Chat, dict[str, int]]:
    world = await _world(db)
    chat = await person(TG, "Siti")
    return chat, world


async def test_routine_visit_takes_at_most_twelve_taps_and_saves_one_complete_visit(
    person: PersonFactory, db: Database
) -> None:
    chat, world = await _start(person, db)
    reply = await chat.say("/lapor")
    assert "Hidayat" in reply.buttons()[0]  # the most overdue family on top
    await chat.press("Hidayat")
    await chat.press("Hari ini")
    reply = await chat.press("Ya")
    assert "Rizki, 8 th, SD — kehadiran sekolah ≥ 85%" in reply.text
    await chat.press("Semua memenuhi")
    reply = await chat.press("Lanjut")  # condition, prefilled from the last visit
    assert "kesejahteraan" in reply.text.lower()
    await chat.press("Lanjut")  # welfare, prefilled
    await chat.press("Tidak ada perubahan")
    reply = await chat.press("Tidak ada rujukan")
    assert "foto" in reply.text.lower()
    reply = await chat.send_photo(PHOTO)
    assert any("Kirim lokasi" in b for b in reply.buttons())
    await chat.send_location(-6.601, 105.602)
    reply = await chat.press("Lewati")  # no notes
    assert "Ringkasan laporan" in reply.text and "semua memenuhi (1)" in reply.text
    reply = await chat.press("Kirim laporan")
    assert "Laporan terkirim" in reply.text
    assert chat.taps <= 12

    [visit] = await _visits(db, world["hidayat"])
    assert visit.met and visit.visited_on == date(2026, 11, 24) and not visit.late
    assert visit.photo_file_id and visit.photo_hash and len(visit.photo_hash) == 64
    assert visit.latitude == -6.601 and not visit.location_flagged
    assert visit.welfare == {"lantai": True, "listrik": False} and visit.deprivation_score == 1
    assert visit.review_status is ReviewStatus.PENDING
    assert visit.id[:8].upper() in reply.text
    async with db.session() as s:
        checks = (await s.scalars(select(CommitmentCheck).where(CommitmentCheck.visit_id == visit.id))).all()
        assert [(c.commitment, c.result) for c in checks] == [("pendidikan_kehadiran", CheckResult.MET)]


async def _form(db: Database) -> FormSession:
    async with db.session() as s:
        row = await s.scalar(select(FormSession).where(FormSession.status == "draft"))
        assert row is not None
        return row


async def test_bad_dates_are_refused_precisely_and_the_question_is_asked_again(
    person: PersonFactory, db: Database
) -> None:
    chat, _ = await _start(person, db)
    await chat.say("/lapor")
    await chat.press("Hidayat")
    reply = await chat.say("31-02-2026")
    assert "Tanggal 31-02-2026 tidak ada di kalender" in reply.text and "Tanggal kunjungan?" in reply.text
    reply = await chat.say("kemarin lusa")
    assert "bukan tanggal" in reply.text and "HH-BB-TTTT" in reply.text
    reply = await chat.say("25-11-2026")
    assert "belum terjadi" in reply.text and "Tanggal kunjungan?" in reply.text
    reply = await chat.say("15-09-2026")  # October closed on 6 November: only November is still open
    assert "di luar periode" in reply.text and "Minggu, 1 November 2026" in reply.text
    reply = await chat.say("20-11-2026")
    assert "Bertemu dengan keluarga?" in reply.text
    assert (await _form(db)).answers["tanggal"] == "2026-11-20"
    reply = await chat.say("iya ketemu")  # typed where a button is expected
    assert "pilih salah satu tombol" in reply.text and "Bertemu dengan keluarga?" in reply.text
    assert "bertemu" not in (await _form(db)).answers


async def test_family_not_met_skips_to_notes_and_records_the_reason(person: PersonFactory, db: Database) -> None:
    chat, world = await _start(person, db)
    await chat.say("/lapor")
    await chat.press("Hidayat")
    await chat.press("Hari ini")
    await chat.press("Tidak", exact=True)
    reply = await chat.press("Tidak ada di rumah")
    assert "Catatan tambahan" in reply.text
    reply = await chat.say("Kata tetangga sedang ke pasar")
    assert "Tidak bertemu keluarga: tidak ada di rumah" in reply.text and "Komitmen" not in reply.text
    await chat.press("Kirim laporan")
    [visit] = await _visits(db, world["hidayat"])
    assert not visit.met and visit.not_met_reason == "tidak_di_rumah" and visit.notes == "Kata tetangga sedang ke pasar"
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(CommitmentCheck)) == 0


async def test_commitments_member_by_member_with_reasons(person: PersonFactory, db: Database) -> None:
    async with db.session() as s:
        siti = await make_user(s, Role.PENDAMPING, "36.01.01", telegram_id=TG)
        household = await make_household(
            s,
            siti,
            members=[
                {"name": "Dedi", "age": 35},
                {"name": "Nanda", "age": 10, "school_level": SchoolLevel.SD},
                {"name": "Bilqis", "birth_date": date(2025, 9, 1), "sex": Sex.P},  # 14 months: weighing, immunisation
            ],
        )
    chat = await person(TG, "Siti")
    await chat.say("/lapor")
    await chat.press("Dedi")
    await chat.press("Hari ini")
    reply = await chat.press("Ya")
    assert "Bilqis, 1 th — penimbangan bulanan di posyandu" in reply.text
    reply = await chat.press("Isi satu per satu")
    assert "Nanda, 10 th, SD — kehadiran sekolah ≥ 85%" in reply.text
    await chat.press("Memenuhi", exact=False)
    reply = await chat.press("Tidak memenuhi")
    assert "alasan" in reply.text and "penimbangan" in reply.text
    await chat.press("Sakit")
    reply = await chat.press("Tidak berlaku")
    assert "Kondisi keluarga" in reply.text
    for label in ("Lanjut", "Lanjut", "Tidak ada perubahan", "Tidak ada rujukan", "Tanpa foto: kamera"):
        await chat.press(label)
    reply = await chat.press("Tanpa lokasi: GPS")
    assert "Catatan tambahan" in reply.text
    reply = await chat.press("Lewati")
    assert "❌ Bilqis — penimbangan bulanan di posyandu (sakit)" in reply.text
    await chat.press("Kirim laporan")
    async with db.session() as s:
        visit = await s.scalar(select(Visit).where(Visit.household_id == household.id))
        assert visit is not None and visit.evidence_note == "foto:kamera; lokasi:gps" and visit.photo_file_id is None
        checks = (await s.scalars(select(CommitmentCheck).order_by(CommitmentCheck.id))).all()
    assert [(c.commitment, c.result, c.reason) for c in checks] == [
        ("pendidikan_kehadiran", CheckResult.MET, None),
        ("balita_penimbangan", CheckResult.NOT_MET, "sakit"),
        ("balita_imunisasi", CheckResult.NOT_APPLICABLE, None),
    ]


async def test_changes_and_referrals_are_recorded_as_pending_not_applied(person: PersonFactory, db: Database) -> None:
    chat, world = await _start(person, db)
    await chat.say("/lapor")
    for label in ("Hidayat", "Hari ini", "Ya", "Semua memenuhi", "Lanjut", "Lanjut", "Kelahiran"):
        await chat.press(label)
    await chat.say("Bayi Ny. Siti")
    await chat.press("Perempuan")
    reply = await chat.say("10-11-2026")
    assert "NIK" in reply.text
    await chat.press("Lewati")
    await chat.press("Telepon baru")
    reply = await chat.say("12345")
    assert "0812-3456-7890" in reply.text and "Nomor telepon baru" in reply.text  # refused, asked again
    await chat.say("0812 3456 7890")
    await chat.press("Selesai")
    await chat.press("Kesehatan")
    await chat.press("Siti Aminah")
    await chat.say("periksa kehamilan, tidak ada biaya")
    await chat.press("Selesai")
    await chat.press("Tanpa foto: keluarga tidak mengizinkan")
    await chat.say("tanpa lokasi: tidak ada sinyal")  # the reply keyboard's button, typed
    reply = await chat.press("Lewati")
    assert "Bayi Ny. Siti" in reply.text and "+6281234567890" in reply.text and "periksa kehamilan" in reply.text
    await chat.press("Kirim laporan")
    async with db.session() as s:
        changes = (await s.scalars(select(DataChange).order_by(DataChange.id))).all()
        referrals = (await s.scalars(select(Referral))).all()
        household_phone = await s.scalar(select(Visit.household_id).limit(1))
    assert [(c.kind, c.status, c.new_value) for c in changes] == [
        (
            "kelahiran",
            ChangeStatus.PROPOSED,
            {"nama": "Bayi Ny. Siti", "jenis_kelamin": "P", "tanggal_lahir": "2026-11-10"},
        ),
        ("telepon_baru", ChangeStatus.PROPOSED, {"telepon": "+6281234567890"}),
    ]
    assert [(r.sector, r.need, r.status.value) for r in referrals] == [
        ("kesehatan", "periksa kehamilan, tidak ada biaya", "baru")
    ]
    assert referrals[0].member_id is not None and household_phone == world["hidayat"]


async def test_household_outside_scope_is_refused_by_card_button_and_by_forged_form_data(
    person: PersonFactory, db: Database
) -> None:
    chat, _ = await _start(person, db)
    async with db.session() as s:
        stranger = await make_user(s, Role.PENDAMPING, "36.01.01")
        theirs = await make_household(s, stranger, members=[{"name": "Hermawan", "age": 44}])
    reply = await chat.say("/lapor")
    picker = reply.last["message_id"]
    reply = await chat.press_data(picker, f"lapor:{theirs.id}")
    assert "di luar wilayah Anda" in reply.text and "Hermawan" not in reply.text
    _, button = chat.find_button("Hidayat")
    forged = button["callback_data"].rsplit(":", 1)[0] + f":{theirs.id}"
    reply = await chat.press_data(picker, forged)
    assert "di luar wilayah Anda" in reply.text and "Hermawan" not in reply.text
    assert "kpm" not in (await _form(db)).answers


async def test_household_already_reported_this_period_offers_that_report(person: PersonFactory, db: Database) -> None:
    chat, world = await _start(person, db)
    async with db.session() as s:
        from models.tables import Household

        household = await s.get(Household, world["other"])
        assert household is not None
        await make_visit(s, household, world["pendamping"], visited_on=date(2026, 11, 3))
    reply = await chat.say("/lapor Sukardi")
    reply = await chat.press("Sukardi")
    assert "sudah dilaporkan periode ini" in reply.text and "Selasa, 3 November 2026" in reply.text
    reply = await chat.press("Buka laporan itu")
    assert "Laporan" in reply.text and "menunggu tinjauan" in reply.text
    reply = await chat.press("Tetap buat laporan kunjungan baru")
    assert "Tanggal kunjungan?" in reply.text


async def test_jadwal_and_household_card_lead_into_a_report(person: PersonFactory, db: Database) -> None:
    chat, _ = await _start(person, db)
    reply = await chat.say("/jadwal")
    assert "Belum dikunjungi: 2 (terlambat ⚠️: 1) · selesai: 0 dari 2." in reply.text  # terlambat is part of belum
    assert "Batas laporan: Senin, 7 Desember 2026" in reply.text
    reply = await chat.say("/kpm Hidayat")
    reply = await chat.press("Hidayat")
    assert "Komitmen periode November 2026" in reply.text and "Rizki, 8 th, SD" in reply.text
    assert "10 Sep 2026" in reply.text and "Lapor kunjungan" in reply.buttons()[0]
    card = reply.last["message_id"]
    reply = await chat.press("Lapor kunjungan")
    assert "Tanggal kunjungan?" in reply.text and "Hidayat" in reply.text
    assert chat.bot_messages[card].get("reply_markup")  # the card keeps its buttons
