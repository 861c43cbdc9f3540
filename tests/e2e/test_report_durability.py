"""The report survives what a real deployment does to it: restarts, a second bot process, duplicated updates,
double taps, stale buttons, a change of mind (/batal, "buang"), and a supervisor sending it back."""

from __future__ import annotations

from sqlalchemy import func, select
from telegram import Update

from bot.sandbox.client import SandboxClient
from bot.service import running
from models import visits
from models.actor import Actor
from models.db import Database
from models.tables import FormSession, ReviewStatus, Role, Visit
from tests.e2e.conftest import BotUnderTest, PersonFactory
from tests.e2e.harness import BotReply, Chat
from tests.e2e.test_report import _form, _start, _visits
from tests.factories import make_user


async def press_raw(chat: Chat, message_id: int, data: str) -> tuple[BotReply, str | None]:
    """Press ``data`` on ``message_id``; returns the bot's messages and the text of its callback answer."""
    sent = await chat.client.press(chat.id, message_id, data, from_id=chat.id, force=True)
    assert sent["update_id"] is not None
    await chat.tracker.wait_done(int(sent["update_id"]))
    answer = await chat.client.callback(sent["callback_query_id"])
    return await chat.collect(), (answer["answer"] or {}).get("text")


async def _to_review_not_met(chat: Chat) -> BotReply:
    await chat.say("/lapor")
    for label in ("Hidayat", "Hari ini"):
        await chat.press(label)
    await chat.press("Tidak", exact=True)
    await chat.press("Tidak ada di rumah")
    return await chat.press("Lewati")


async def _visit_count(db: Database) -> int:
    """Visits of this period (the world already holds two from earlier months)."""
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(Visit).where(Visit.period == "2026-11")) or 0)


async def test_restart_and_a_second_bot_instance_resume_at_the_same_step(
    person: PersonFactory, db: Database, bot: BotUnderTest
) -> None:
    chat, world = await _start(person, db)
    await chat.say("/lapor")
    await chat.press("Hidayat")
    await chat.press("Hari ini")

    await bot.restart()  # a new Application instance, as after a crash or a deploy
    reply = await chat.press("Ya")
    assert "Komitmen periode November 2026" in reply.text

    await bot.stop()  # now another process (sharing only the database) takes the next updates
    async with running(bot.build(bot.tracker), timeout=1):
        reply = await chat.press("Semua memenuhi")
        assert "Kondisi keluarga" in reply.text
    await bot.start()  # and back to a fresh first one
    reply = await chat.press("Lanjut")
    assert "Indikator kesejahteraan" in reply.text
    for label in ("Lanjut", "Tidak ada perubahan", "Tidak ada rujukan", "Tanpa foto: kamera", "Tanpa lokasi: GPS"):
        await chat.press(label)
    await chat.press("Lewati")
    reply = await chat.press("Kirim laporan")
    assert "Laporan terkirim" in reply.text
    [visit] = await _visits(db, world["hidayat"])
    assert visit.met and visit.condition == {"rumah": "layak"}


async def test_double_tap_and_duplicated_update_on_submit_make_exactly_one_visit(
    person: PersonFactory, db: Database, bot: BotUnderTest, sandbox_client: SandboxClient
) -> None:
    chat, _ = await _start(person, db)
    await _to_review_not_met(chat)
    assert await _visit_count(db) == 0
    message_id, button = chat.find_button("Kirim laporan")
    first, _toast = await press_raw(chat, message_id, button["callback_data"])
    assert "Laporan terkirim" in first.text
    second, toast = await press_raw(chat, message_id, button["callback_data"])
    assert toast == "Laporan ini sudah terkirim." and "terkirim" not in second.text
    assert await _visit_count(db) == 1

    # The same update delivered again (a webhook retry, a second process fetching it): handled, changes nothing.
    calls = (await sandbox_client.calls(method="getUpdates"))["calls"]
    raw = next(
        u
        for call in calls
        for u in call.get("result") or []
        if (u.get("callback_query") or {}).get("data") == button["callback_data"]
    )
    assert bot.application is not None
    await bot.application.process_update(Update.de_json(raw, bot.application.bot))
    assert await _visit_count(db) == 1


async def test_a_stale_button_changes_nothing_and_shows_the_current_question(
    person: PersonFactory, db: Database
) -> None:
    chat, _ = await _start(person, db)
    await chat.say("/lapor")
    reply = await chat.press("Hidayat")
    date_message = reply.last["message_id"]
    _, today = chat.find_button("Hari ini")
    reply = await chat.say("23-11-2026")  # typed: the next question comes as a new message
    assert "Bertemu dengan keluarga?" in reply.text
    stale, toast = await press_raw(chat, date_message, today["callback_data"])
    assert toast == "Tombol ini sudah tidak berlaku."
    assert "Bertemu dengan keluarga?" in stale.text  # shown again, where the person is
    form = await _form(db)
    assert form.answers["tanggal"] == "2026-11-23" and "bertemu" not in form.answers


async def test_batal_asks_first_and_then_throws_the_draft_away(person: PersonFactory, db: Database) -> None:
    chat, _ = await _start(person, db)
    await chat.say("/lapor")
    await chat.press("Hidayat")
    reply = await chat.say("/batal")
    assert "Batalkan laporan" in reply.text
    reply = await chat.press("Tidak, lanjutkan")
    assert "Tanggal kunjungan?" in reply.text
    await chat.say("/batal")
    reply = await chat.press("Ya, batalkan")
    assert "dibatalkan" in reply.text
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(FormSession).where(FormSession.status == "draft")) == 0
    reply = await chat.say("/batal")
    assert "Tidak ada laporan yang sedang diisi" in reply.text
    reply = await chat.say("/lapor")
    assert "Lapor kunjungan" in reply.text and "draf" not in reply.text


async def test_lapor_with_an_open_draft_offers_to_continue_or_discard(person: PersonFactory, db: Database) -> None:
    chat, _ = await _start(person, db)
    await chat.say("/lapor")
    await chat.press("Hidayat")
    await chat.press("Hari ini")
    reply = await chat.say("/lapor")
    assert "masih punya draf" in reply.text and "Hidayat" in reply.text
    reply = await chat.press("Lanjutkan draf")
    assert "Bertemu dengan keluarga?" in reply.text
    await chat.say("/lapor")
    reply = await chat.press("Buang")
    assert "Lapor kunjungan" in reply.text  # a fresh picker
    assert "kpm" not in (await _form(db)).answers


async def test_report_sent_back_is_corrected_from_riwayat_and_resubmitted_under_the_same_id(
    person: PersonFactory, db: Database, bot: BotUnderTest
) -> None:
    chat, world = await _start(person, db)
    await _to_review_not_met(chat)
    await chat.press("Kirim laporan")
    [visit] = await _visits(db, world["hidayat"])
    async with db.session() as s:
        koordinator = await make_user(s, Role.KOORDINATOR, "36.01")
        await visits.reopen_for_correction(
            s, visit.id, "catatan", "Tulis kapan akan dikunjungi lagi.", Actor.of(koordinator), now=bot.clock()
        )
    reply = await chat.say("/riwayat")
    reply = await chat.press("Hidayat")
    assert "dikembalikan" in reply.text and "Tulis kapan akan dikunjungi lagi." in reply.text
    reply = await chat.press("Perbaiki laporan")
    assert "Catatan tambahan" in reply.text and "Batal ubah" in str(reply.buttons())
    reply = await chat.say("Dikunjungi lagi Kamis pagi")
    assert "Dikembalikan koordinator" in reply.text and "Dikunjungi lagi Kamis pagi" in reply.text
    reply = await chat.press("Kirim laporan")
    assert "Perbaikan laporan terkirim" in reply.text
    [again] = await _visits(db, world["hidayat"])
    assert again.id == visit.id and again.review_status is ReviewStatus.PENDING
    assert again.notes == "Dikunjungi lagi Kamis pagi"
