"""A koordinator reviews the field's work in the chat; an admin confirms graduations and makes announcements.

The pendamping's correction between "kembalikan" and "setujui" goes through the report's own domain functions
(``models.forms.reopen`` + ``models.visits.submit``), as the /riwayat correction screen would call them.
"""

from __future__ import annotations

import struct
import zlib
from datetime import date

import pytest
from sqlalchemy import select, update

from bot.sandbox.client import SandboxClient
from handlers.callbacks_supervisor import GraduationConfirmButton, GraduationProposeButton
from models import forms, visits
from models.actor import Actor
from models.db import Database
from models.tables import (
    Audit,
    GraduationProposal,
    Household,
    HouseholdStatus,
    Outbox,
    OutboxStatus,
    Referral,
    ReferralStatus,
    ReviewStatus,
    Visit,
)
from tests.e2e.conftest import BotUnderTest, PersonFactory
from tests.e2e.harness import Chat, utc
from tests.scheduler.helpers import deliver
from tests.supervisor_world import PHONES, World, actor, build


@pytest.fixture
async def world(db: Database) -> World:
    return await build(db)


async def signed_in(person: PersonFactory, key: str, telegram_id: int) -> Chat:
    chat = await person(telegram_id, key.title())
    await chat.share_contact("62" + PHONES[key][1:])  # Telegram sends contacts in international form
    return chat


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\x10\x80\x40" * 2 + b"\x00" + b"\x10\x80\x40" * 2)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


async def resubmit_with_phone(db: Database, siti: Actor, world: World, phone: str, bot: BotUnderTest) -> None:
    """What the pendamping's correction does (issue 6's /riwayat → fix → kirim), through the same domain calls."""
    visit_id = world.visits["h1-11"]
    async with db.session() as s:
        await forms.reopen(s, visit_id, step="tinjau", answers={}, now=bot.clock())
        draft = await forms.load(s, visit_id, siti.id)
        assert draft is not None
        report = visits.VisitReport(
            household_id=world.households["h1"],
            head_name="Hidayat",
            visited_on=date(2026, 11, 9),
            met=True,
            changes=[visits.Change(kind="telepon_baru", values={"telepon": phone})],
        )
        await visits.submit(s, siti, draft, report, late=False, now=bot.clock())


async def test_return_with_a_note_then_approve_and_accept_the_change_updates_the_registry(
    person: PersonFactory, world: World, db: Database, bot: BotUnderTest, sandbox_client: SandboxClient
) -> None:
    siti_chat = await signed_in(person, "siti", 9001)
    uploaded = await sandbox_client.send_photo(
        9001, tiny_png(), filename="rumah.png", mime_type="image/png", from_id=9001
    )
    await siti_chat.tracker.wait_done(int(uploaded["update_id"] or 0))
    async with db.session() as s:
        await s.execute(
            update(Visit)
            .where(Visit.id == world.visits["h1-11"])
            .values(photo_file_id=uploaded["message"]["photo"][-1]["file_id"])
        )
    dedi = await signed_in(person, "dedi", 9002)

    card = await dedi.say("/tinjau")
    assert len(card.messages) == 1  # one item, one message: no photo or pin sent ahead of the card
    assert "Tinjau laporan (1 dari 2)" in card.text and "Hidayat" in card.text and "Siti Aminah" in card.text
    assert "KK 3602********0001" in card.text
    assert "📷 Lihat foto" in card.buttons() and "🗺 Lokasi di peta" in card.buttons()
    maps = [b for row in card.last["reply_markup"]["inline_keyboard"] for b in row if "url" in b]
    assert maps and maps[0]["url"].startswith("https://www.google.com/maps/search/?api=1&query=")
    photo = await dedi.press("Lihat foto")
    assert photo.messages[0].get("photo") and "Foto kunjungan — Hidayat" in photo.text

    card_id = card.last["message_id"]
    picker = await dedi.press("Kembalikan")
    assert picker.last["message_id"] == card_id  # the card itself becomes the question
    ask = await dedi.press("Perubahan data")
    assert "Tulis catatan untuk Siti Aminah" in ask.text and ask.last["message_id"] == card_id
    await bot.restart()  # the wait for the note is in the database, not in this process
    done = await dedi.say("Nomor HP kurang satu digit, mohon dicek lagi")
    assert "Laporan Hidayat dikembalikan ke Siti Aminah (bagian Perubahan data)" in done.text
    assert "Tinjau laporan (1 dari 1)" in done.text and "Sukma" in done.text  # the next in the queue
    assert "akan terkirim pukul" not in done.text  # 09:00: the pendamping is told now
    async with db.session() as s:
        visit = await s.get(Visit, world.visits["h1-11"])
        notice = await s.scalar(select(Outbox).where(Outbox.kind == "review_returned"))
    assert visit is not None and visit.review_status is ReviewStatus.RETURNED
    assert visit.review_note == "Nomor HP kurang satu digit, mohon dicek lagi"
    assert notice is not None and notice.chat_id == 9001 and notice.payload["parse_mode"] == "HTML"
    assert "Nomor HP kurang satu digit" in notice.payload["text"]
    assert "Bagian yang perlu diperbaiki: Perubahan data" in notice.payload["text"]
    assert "belum paham" in (await dedi.say("ini bukan catatan")).text  # nothing pending: not a note
    async with db.session() as s:
        sukma = await s.get(Visit, world.visits["h4-11"])
    assert sukma is not None and sukma.review_status is ReviewStatus.PENDING

    # The pendamping finds it in /riwayat, sent back with the note and a "perbaiki" button (the report's own UI) …
    await siti_chat.say("/riwayat")
    opened = await siti_chat.press("↩️ 9 Nov 2026 · Hidayat")
    assert "dikembalikan untuk diperbaiki" in opened.text and "Nomor HP kurang satu digit" in opened.text
    assert "Bagian yang perlu diperbaiki: Perubahan data" in opened.text  # the section flagged, as the message said
    assert any("Perbaiki laporan" in label for label in opened.buttons())
    await siti_chat.say("/kpm Hidayat")  # the same report reached from the household card
    await siti_chat.press("Hidayat")
    await siti_chat.press("Riwayat")
    from_card = await siti_chat.press("↩️ 9 Nov 2026 · Hidayat")
    assert "Bagian yang perlu diperbaiki: Perubahan data" in from_card.text
    fixing = await siti_chat.press("Perbaiki laporan")  # the correction opens at that section
    assert "Perubahan data keluarga" in fixing.text
    review = await siti_chat.press("Batal ubah")  # the review screen repeats the note and the section
    assert "Dikembalikan koordinator: Nomor HP kurang satu digit" in review.text
    assert "Bagian yang perlu diperbaiki: Perubahan data" in review.text
    await siti_chat.say("/batal")
    await siti_chat.press("Ya, batalkan")
    # … and corrects it; the correction's taps belong to the report form's tests, its domain calls are the same.
    await resubmit_with_phone(db, await actor(db, world, "siti"), world, "0813-7777-8899", bot)
    first = await dedi.say("/tinjau")  # the correction comes first, marked with the note it was returned with
    assert "Tinjau laporan (1 dari 2)" in first.text and "Hidayat" in first.text
    assert "Perbaikan — dikembalikan sebelumnya dengan catatan: Nomor HP kurang satu digit" in first.text
    assert "1. 📞 Telepon baru: 0813-7777-8899 · ⏳ menunggu keputusan" in first.text
    second = await dedi.press("Lewati")
    assert "Tinjau laporan (2 dari 2)" in second.text and "Sukma" in second.text
    assert second.last["message_id"] == first.last["message_id"]  # edited in place

    bot.clock.set(utc(2026, 11, 24, 15))  # 22:00 in Jakarta: quiet hours
    await dedi.say("/tinjau")
    approved = await dedi.press("Setujui")
    assert "Laporan Hidayat disetujui." in approved.text
    assert "1 perubahan data belum diputuskan" in approved.text
    assert "Pemberitahuan untuk Siti Aminah akan terkirim pukul 06.00" in approved.text
    assert "Tinjau laporan (1 dari 1)" in approved.text and "Sukma" in approved.text
    async with db.session() as s:
        household = await s.get(Household, world.households["h1"])
        told = await s.scalar(select(Outbox).where(Outbox.kind == "review_approved"))
    assert household is not None and household.phone is None  # approving did not apply the change
    assert told is not None and told.chat_id == 9001 and "disetujui" in told.payload["text"]

    number = world.visits["h1-11"][:8].upper()
    again = await dedi.say(f"/tinjau {number}")
    assert f"Laporan {number}" in again.text and "✅ disetujui" in again.text
    assert "Setujui" not in again.buttons() and "✅ Terima 1" in again.buttons()
    accepted = await dedi.press("Terima 1")
    assert "Telepon baru: diverifikasi dan diterapkan ke data KPM" in accepted.text
    assert "· ✅ diterima" in accepted.text and "✅ Terima 1" not in accepted.buttons()
    async with db.session() as s:
        household = await s.get(Household, world.households["h1"])
        actions = list(await s.scalars(select(Audit.action).order_by(Audit.id)))
    assert household is not None and household.phone == "+6281377778899"
    assert actions.index("visit.return") < actions.index("visit.resubmit") < actions.index("visit.approve")
    assert actions.index("visit.approve") < actions.index("registry.update")

    # Still 22:00: a return made now is told to the koordinator as waiting, and both pendamping hear at 06:00.
    dewi_chat = await signed_in(person, "dewi", 9003)
    await dedi.say("/tinjau")
    await dedi.press("Kembalikan")
    await dedi.press("Kunjungan")
    late_return = await dedi.say("Tanggal kunjungan keliru")
    assert "Laporan Sukma dikembalikan ke" in late_return.text
    assert "akan terkirim pukul 06.00" in late_return.text
    assert bot.application is not None
    assert (await deliver(db, bot.application.bot, bot.clock)).sent == 0  # quiet hours: nothing goes out
    bot.clock.set(utc(2026, 11, 24, 23))  # Wednesday 06:00 in Jakarta
    assert (await deliver(db, bot.application.bot, bot.clock)).sent == 3
    heard = (await siti_chat.collect()).text  # the morning's return (not delivered in this test) and the approval
    assert "Laporan dikembalikan untuk diperbaiki" in heard and "Laporan kunjungan Hidayat" in heard
    assert "disetujui" in heard
    told_dewi = (await dewi_chat.collect()).text
    assert "Keluarga Sukma" in told_dewi and "Bagian yang perlu diperbaiki: Kunjungan" in told_dewi


async def test_changes_and_referrals_are_decided_one_at_a_time(
    person: PersonFactory, world: World, db: Database
) -> None:
    dedi = await signed_in(person, "dedi", 9003)
    change = await dedi.say("/tinjau perubahan")
    assert "Perubahan data (1 dari 1)" in change.text and "Hidayat" in change.text and "081377778888" in change.text
    rejected = await dedi.press("Tolak")
    assert "ditolak" in rejected.text and "Tidak ada (lagi) perubahan data" in rejected.text
    assert rejected.last["message_id"] == change.last["message_id"]  # the queue's screen, edited in place
    referral = await dedi.say("/tinjau rujukan")
    assert "Rujukan terbuka (1 dari 1)" in referral.text and "butuh seragam sekolah" in referral.text
    closed = await dedi.press("Tutup")
    assert "Rujukan untuk Hidayat ditutup" in closed.text
    async with db.session() as s:
        status = await s.scalar(select(Referral.status).where(Referral.id == world.referrals["opened"]))
        household = await s.get(Household, world.households["h1"])
    assert status is ReferralStatus.HANDLED and household is not None and household.phone is None
    again = await dedi.press_data(closed.last["message_id"], f"sv:rj:ok:{world.referrals['opened']}")
    assert "sudah diputuskan" in again.text


async def test_graduation_is_proposed_by_koordinator_and_confirmed_by_admin(
    person: PersonFactory, world: World, db: Database
) -> None:
    admin = await signed_in(person, "admin", 9004)
    dedi = await signed_in(person, "dedi", 9005)
    listed = await dedi.say("/graduasi")
    assert "3 KPM memenuhi kriteria" in listed.text
    assert "Rohman (Cikulur) — tidak ada lagi anggota dalam kategori komitmen" in listed.text
    assert "Hidayat (Muncang) — skor deprivasi ≤ 3 pada dua kunjungan terakhir" in listed.text
    asked = await dedi.press("Ajukan: Rohman")
    assert "Ajukan graduasi Rohman (Cikulur)?" in asked.text and "tidak ada lagi anggota" in asked.text
    assert asked.last["message_id"] == listed.last["message_id"]  # the list's own message asks
    async with db.session() as s:
        assert await s.scalar(select(GraduationProposal)) is None  # nothing proposed before "ya"
    back = await dedi.press("Batal")
    assert "3 KPM memenuhi kriteria" in back.text and "Ajukan: Rohman" in " ".join(back.buttons())
    await dedi.press("Ajukan: Rohman")
    proposed = await dedi.press("Ya, ajukan")
    assert "Graduasi Rohman diajukan" in proposed.text and "Rohman (Cikulur) ⏳ (diajukan)" in proposed.text
    assert "Ajukan: Rohman" not in " ".join(proposed.buttons())  # the list is updated: no second proposal
    assert proposed.last["message_id"] == listed.last["message_id"]
    _, hidayat = dedi.find_button("Ajukan: Hidayat")
    asked_for = GraduationProposeButton.unpack(hidayat["callback_data"])
    assert asked_for is not None
    yes = GraduationConfirmButton(asked_for.household_id, asked_for.area, asked_for.page).pack()
    twice = await dedi.press_data(proposed.last["message_id"], yes)
    assert "Graduasi Hidayat diajukan" in twice.text
    stale = await dedi.press_data(proposed.last["message_id"], yes)  # a second tap on the same "ya, ajukan"
    assert "Graduasi Hidayat sudah diajukan sebelumnya" in stale.text
    async with db.session() as s:
        proposals = list(await s.scalars(select(GraduationProposal).order_by(GraduationProposal.id)))
        notices = list(await s.scalars(select(Outbox).where(Outbox.kind == "graduation_proposal")))
    assert len(proposals) == 2 and len(notices) == 2  # one proposal and one admin notice per household
    proposal = proposals[0]
    assert proposal.reasons == ["tanpa_komitmen"]
    notice = notices[0]
    assert notice.chat_id == 9004 and "Rohman" in notice.payload["text"]
    refused = await dedi.press_data(proposed.last["message_id"], f"sv:gd:ok:{proposal.id}")
    assert "Hanya admin provinsi" in refused.text

    pending = await admin.say("/graduasi lebak")
    assert "2 sudah diajukan" in pending.text and "Rohman (Cikulur) ⏳ (diajukan)" in pending.text
    asked_admin = await admin.press("Konfirmasi: Rohman")  # asked once more, on the list's own message
    assert "Konfirmasi graduasi Rohman (Cikulur)?" in asked_admin.text and "tidak lagi aktif" in asked_admin.text
    assert asked_admin.last["message_id"] == pending.last["message_id"]
    async with db.session() as s:
        still = await s.get(Household, world.households["h5"])
    assert still is not None and still.status is HouseholdStatus.AKTIF  # nothing decided before "ya"
    kept = await admin.press("Batal")
    assert "Konfirmasi: Rohman" in " ".join(kept.buttons())
    await admin.press("Konfirmasi: Rohman")
    confirmed = await admin.press("Ya, konfirmasi")
    assert "Graduasi Rohman dikonfirmasi" in confirmed.text
    assert confirmed.last["message_id"] == pending.last["message_id"] and len(confirmed.messages) == 1  # in place
    assert "Rohman (Cikulur)" not in confirmed.text and "Rohman" not in " ".join(confirmed.buttons())
    assert "1 sudah diajukan" in confirmed.text and "Hidayat (Muncang) ⏳ (diajukan)" in confirmed.text
    _, stale_yes = admin.find_button("Konfirmasi: Hidayat")
    again_yes = await admin.press_data(confirmed.last["message_id"], f"sv:gd:yk:ok:{proposal.id}:36.02:0")
    assert "Ini sudah diputuskan sebelumnya" in again_yes.text  # a second "ya" decides nothing
    rejected_ask = await admin.press("Tolak")
    assert "Tolak pengajuan graduasi Hidayat (Muncang)?" in rejected_ask.text
    rejected = await admin.press("Ya, tolak")
    assert "Pengajuan graduasi Hidayat ditolak; KPM tetap aktif." in rejected.text
    assert rejected.last["message_id"] == pending.last["message_id"] and "0 sudah diajukan" in rejected.text
    late = await admin.press_data(rejected.last["message_id"], str(stale_yes["callback_data"]))
    assert "Ini sudah diputuskan sebelumnya" in late.text  # the old "konfirmasi" finds it decided
    async with db.session() as s:
        household = await s.get(Household, world.households["h5"])
        audit = await s.scalar(select(Audit).where(Audit.action == "graduation.confirm"))
    assert household is not None and household.status is HouseholdStatus.GRADUASI
    assert audit is not None and audit.actor_id == str(world.users["admin"])
    after = await dedi.say("/graduasi")
    assert "Rohman" not in after.text and "2 KPM memenuhi kriteria" in after.text
    assert "Ajukan: Hidayat" in " ".join(after.buttons())  # rejected: a candidate again, proposable anew


async def test_announcement_goes_through_the_outbox_once_with_a_delivery_count(
    person: PersonFactory, world: World, db: Database
) -> None:
    for key, telegram_id in (("siti", 9006), ("dewi", 9007), ("rudi", 9008)):
        await signed_in(person, key, telegram_id)
    dedi = await signed_in(person, "dedi", 9009)
    assert "tidak tersedia untuk peran Anda" in (await dedi.say("/umumkan lebak Rapat")).text
    admin = await signed_in(person, "admin", 9010)
    assert "Cara pakai" in (await admin.say("/umumkan")).text
    preview = await admin.say("/umumkan lebak Rapat pendamping Jumat pukul 09.00 <penting>")
    assert "Pratinjau pengumuman untuk 2 pendamping di Kabupaten Lebak" in preview.text
    assert "Rapat pendamping Jumat pukul 09.00 <penting>" in preview.text
    queued = await admin.press("Kirim ke 2 pendamping")
    assert "Pengumuman diantrekan untuk 2 pendamping" in queued.text
    twice = await admin.press_data(preview.last["message_id"], "sv:um:ok")
    assert "Tidak ada pengumuman yang menunggu" in twice.text
    async with db.session() as s:
        rows = list(await s.scalars(select(Outbox).where(Outbox.kind == "announcement").order_by(Outbox.chat_id)))
        assert [r.chat_id for r in rows] == [9006, 9007]  # Lebak's pendamping; not Tangerang's Rudi
        assert rows[0].payload == {
            "text": "📢 <b>Pengumuman Dinas Sosial</b>\n\nRapat pendamping Jumat pukul 09.00 &lt;penting&gt;\n\n— Ibu Ratna",
            "parse_mode": "HTML",
        }
        rows[0].status, rows[1].status = OutboxStatus.SENT, OutboxStatus.FAILED  # as the outbox sender records them
    status = await admin.press("Status pengiriman")
    assert "1 terkirim, 1 gagal, 0 menunggu (dari 2 pendamping)" in status.text


async def test_help_lists_supervisor_commands_by_role(person: PersonFactory, world: World) -> None:
    dedi = await signed_in(person, "dedi", 9011)
    siti = await signed_in(person, "siti", 9012)
    koordinator_help = (await dedi.say("/bantuan")).text
    assert "/ringkasan" in koordinator_help and "/umumkan" not in koordinator_help
    assert "/tinjau [nomor | perubahan | rujukan]" in koordinator_help
    assert "/ringkasan" not in (await siti.say("/bantuan")).text
    assert "tidak tersedia untuk peran Anda" in (await siti.say("/ringkasan")).text


async def test_the_change_and_referral_queues_are_buttons_on_the_report_card(
    person: PersonFactory, world: World
) -> None:
    dedi = await signed_in(person, "dedi", 9013)
    card = await dedi.say("/tinjau")
    assert {"📝 Perubahan data (1)", "🤝 Rujukan terbuka (1)"} <= set(card.buttons())
    changes = await dedi.press("Perubahan data (1)")
    assert "Perubahan data (1 dari 1)" in changes.text and changes.last["message_id"] == card.last["message_id"]
    done = await dedi.press("Lewati")
    assert "Tidak ada (lagi) perubahan data" in done.text
    back = await dedi.press("Antrean laporan")
    assert "Tinjau laporan (1 dari 2)" in back.text and back.last["message_id"] == card.last["message_id"]
    referrals = await dedi.press("Rujukan terbuka (1)")
    assert "Rujukan terbuka (1 dari 1)" in referrals.text and "butuh seragam sekolah" in referrals.text
