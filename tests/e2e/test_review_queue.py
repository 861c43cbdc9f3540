"""A koordinator's month of review (issue 18): a long queue walked by pressing fast under Telegram's real flood
limits, one report opened by its number, the read-only report view with review buttons, the position kept after
a decision, and one waiting figure on /tinjau, /ringkasan and /pendamping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.sandbox.client import SandboxClient
from models.db import Database
from models.tables import ReviewStatus, Role, Visit
from tests.e2e.conftest import PersonFactory
from tests.factories import make_household, make_user, make_visit

QUEUE = 35  # more than the 25 cards a chat got before Telegram's flood limit cut the old /tinjau short
OCTOBER = 3  # of them from October: the queue holds every period, and so do the counts
SUBMITTED = datetime(2026, 11, 1, 2, tzinfo=UTC)


@pytest.fixture
async def queue(db: Database) -> list[str]:
    """35 reports waiting in Pandeglang, oldest first; one more in Lebak (another koordinator's)."""
    async with db.session() as s:
        await make_user(s, Role.KOORDINATOR, "36.01", telegram_id=7101, name="Dedi Koordinator")
        siti = await make_user(s, Role.PENDAMPING, "36.01.01", telegram_id=7102, name="Siti Pendamping")
        ids = []
        for n in range(QUEUE):
            household = await make_household(
                s, siti, members=[{"name": f"Kepala {n + 1:02d}", "age": 40}], latitude=-6.5, longitude=105.9
            )
            visit = await make_visit(
                s,
                household,
                siti,
                visited_on=date(2026, 10, 20) if n < OCTOBER else date(2026, 11, 2),
                submitted_at=SUBMITTED + timedelta(hours=n),
                latitude=-6.5 + n / 1000,
                longitude=105.9,
                photo_file_id=f"foto-{n}",
            )
            ids.append(visit.id)
        lebak = await make_user(s, Role.PENDAMPING, "36.02.05", name="Rina Lebak")
        elsewhere = await make_household(s, lebak, desa="36.02.05.2005", members=[{"name": "Lain", "age": 40}])
        ids.append((await make_visit(s, elsewhere, lebak, visited_on=date(2026, 11, 3))).id)
    return ids


async def test_pressing_skip_fast_through_35_reports_shows_every_card_whole_under_flood_limits(
    person: PersonFactory, queue: list[str], sandbox_client: SandboxClient
) -> None:
    dedi = await person(7101, "Dedi")
    await sandbox_client.set_rate_limits(True)  # Telegram's: about one message (or edit) per second per chat
    shown = await dedi.say("/tinjau")
    card_id = shown.last["message_id"]
    for position in range(1, QUEUE + 1):
        assert f"Tinjau laporan ({position} dari {QUEUE})" in shown.text, shown.text
        assert f"Kepala {position:02d}" in shown.text
        assert {"✅ Setujui", "↩️ Kembalikan", "⏭ Lewati", "📷 Lihat foto", "🗺 Lokasi di peta"} <= set(shown.buttons())
        assert [m["message_id"] for m in shown.messages] == [card_id]  # the same message, edited: nothing else
        shown = await dedi.press("Lewati")  # at once: no pause for the flood limit
    assert "Tidak ada lagi laporan setelah ini" in shown.text and shown.last["message_id"] == card_id
    await sandbox_client.set_rate_limits(False)
    again = await dedi.press("Antrean tinjauan")  # back to the start: the skipped ones still wait
    assert f"Tinjau laporan (1 dari {QUEUE})" in again.text


async def test_deciding_the_last_report_after_skipping_says_the_skipped_ones_wait(
    person: PersonFactory, queue: list[str]
) -> None:
    dedi = await person(7101, "Dedi")
    await dedi.say(f"/tinjau {queue[QUEUE - 1][:8]}")
    last = await dedi.press("Setujui")
    assert "Laporan Kepala 35 disetujui." in last.text
    assert "Laporan yang dilewati tetap menunggu" in last.text and "Antrean tinjauan" in " ".join(last.buttons())


async def test_a_decision_keeps_the_queue_position(person: PersonFactory, queue: list[str], db: Database) -> None:
    dedi = await person(7101, "Dedi")
    await dedi.say("/tinjau")
    await dedi.press("Lewati")
    second = await dedi.press("Lewati")
    assert f"Tinjau laporan (3 dari {QUEUE})" in second.text and "Kepala 03" in second.text
    approved = await dedi.press("Setujui")
    assert "Laporan Kepala 03 disetujui." in approved.text
    assert f"Tinjau laporan (3 dari {QUEUE - 1})" in approved.text and "Kepala 04" in approved.text
    async with db.session() as s:
        visit = await s.get(Visit, queue[2])
    assert visit is not None and visit.review_status is ReviewStatus.APPROVED


async def test_one_report_opens_by_its_number_and_wrong_numbers_are_explained(
    person: PersonFactory, queue: list[str]
) -> None:
    dedi = await person(7101, "Dedi")
    number = queue[9][:8].upper()
    opened = await dedi.say(f"/tinjau {number}")
    assert f"Tinjau laporan (10 dari {QUEUE})" in opened.text and "Kepala 10" in opened.text
    assert f"Nomor laporan {number}" in opened.text and "✅ Setujui" in opened.buttons()
    assert f"Tinjau laporan (10 dari {QUEUE})" in (await dedi.say(f"/tinjau {queue[9]}")).text  # the whole id too

    unknown = await dedi.say("/tinjau 0000ABCD")
    assert "Laporan 0000ABCD tidak ditemukan di wilayah Anda" in unknown.text
    lebak = queue[-1][:8].upper()
    assert f"Laporan {lebak} tidak ditemukan di wilayah Anda" in (await dedi.say(f"/tinjau {lebak}")).text
    for wrong in ("abc!", "12345", "<b>x</b>"):
        refused = await dedi.say(f"/tinjau {wrong}")
        assert "bukan nomor laporan" in refused.text and "misalnya /tinjau 3F2A9C01" in refused.text, wrong
    long = await dedi.say("/tinjau " + "9" * 4090)
    assert "bukan nomor laporan" in long.text and len(long.text) < 400  # an excerpt, not the argument back


async def test_the_report_opened_from_the_household_card_has_review_buttons(
    person: PersonFactory, queue: list[str], db: Database
) -> None:
    dedi = await person(7101, "Dedi")
    await dedi.say("/kpm Kepala 07")
    await dedi.press("Kepala 07")
    await dedi.press("Riwayat")
    view = await dedi.press("Kepala 07")
    assert {"✅ Setujui", "↩️ Kembalikan", "🔎 Buka di /tinjau"} <= set(view.buttons())
    approved = await dedi.press("Setujui")
    assert "Laporan Kepala 07 disetujui." in approved.text and "Kepala 08" in approved.text
    assert f"Tinjau laporan (7 dari {QUEUE - 1})" in approved.text  # the queue goes on where the report was
    async with db.session() as s:
        visit = await s.get(Visit, queue[6])
    assert visit is not None and visit.review_status is ReviewStatus.APPROVED
    await dedi.say("/kpm Kepala 07")
    await dedi.press("Kepala 07")
    await dedi.press("Riwayat")
    decided = await dedi.press("Kepala 07")
    assert "Setujui" not in " ".join(decided.buttons()) and "🔎 Buka di /tinjau" in decided.buttons()

    siti = await person(7102, "Siti")  # the pendamping's own view of the same report: no review buttons
    await siti.say("/kpm Kepala 08")
    await siti.press("Kepala 08")
    await siti.press("Riwayat")
    own = await siti.press("Kepala 08")
    assert "Setujui" not in " ".join(own.buttons()) and "Buka di /tinjau" not in " ".join(own.buttons())


async def test_tinjau_ringkasan_and_pendamping_show_the_same_waiting_figure(
    person: PersonFactory, queue: list[str]
) -> None:
    dedi = await person(7101, "Dedi")
    waiting = f"Laporan menunggu tinjauan (semua periode): {QUEUE}"  # the scope is said, not guessed
    assert f"Tinjau laporan (1 dari {QUEUE})" in (await dedi.say("/tinjau")).text
    assert waiting in (await dedi.say("/ringkasan")).text
    assert waiting in (await dedi.say("/ringkasan oktober")).text  # a past month's summary: the same figure
    assert waiting in (await dedi.say("/pendamping")).text
    assert waiting in (await dedi.say("/pendamping Siti")).text
    await dedi.say("/tinjau")
    await dedi.press("Setujui")  # an October report (the oldest) leaves every count at once
    left = f"Laporan menunggu tinjauan (semua periode): {QUEUE - 1}"
    assert f"Tinjau laporan (1 dari {QUEUE - 1})" in (await dedi.say("/tinjau")).text
    assert left in (await dedi.say("/ringkasan")).text
    assert left in (await dedi.say("/ringkasan oktober")).text
    assert left in (await dedi.say("/pendamping")).text
    assert left in (await dedi.say("/pendamping Siti")).text


async def test_cancelling_a_return_shows_the_same_card_again(person: PersonFactory, queue: list[str]) -> None:
    dedi = await person(7101, "Dedi")
    await dedi.say("/tinjau")
    card = await dedi.press("Lewati")
    await dedi.press("Kembalikan")
    await dedi.press("Kunjungan")
    back = await dedi.press("Batal")
    assert f"Tinjau laporan (2 dari {QUEUE})" in back.text and "Kepala 02" in back.text
    assert back.last["message_id"] == card.last["message_id"] and "✅ Setujui" in back.buttons()
    assert "belum paham" in (await dedi.say("bukan catatan")).text  # the wait for a note is gone
