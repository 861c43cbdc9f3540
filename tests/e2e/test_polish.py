"""Issue 18, "Polish", in the chat: a name ending in a full stop gets no second one, /riwayat lists visits by
their date, skip reasons keep their abbreviations ("kamera/HP bermasalah", "GPS tidak aktif"), and a proposed
change's date reads the Indonesian way, not ISO."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models.db import Database
from models.tables import ChangeStatus, DataChange, Role
from tests.e2e.conftest import PersonFactory
from tests.factories import make_household, make_user, make_visit

PHONE = "081355501234"
NAME = "Budi Santoso, S.Sos."


async def test_names_dates_order_and_reasons_read_well(person: PersonFactory, db: Database) -> None:
    async with db.session() as s:
        budi = await make_user(s, Role.PENDAMPING, "36.01.01", "+6281355501234", name=NAME)
        household = await make_household(s, budi, members=[{"name": "Hidayat", "age": 40}])
        # visited on the 2nd, reported late on the 20th; visited on the 10th, reported on the 11th
        early = await make_visit(
            s,
            household,
            budi,
            visited_on=date(2026, 11, 2),
            submitted_at=datetime(2026, 11, 20, 3, tzinfo=UTC),
            evidence_note="foto:kamera; lokasi:gps",  # how a report stores its skipped photo and location
        )
        later = await make_visit(
            s, household, budi, visited_on=date(2026, 11, 10), submitted_at=datetime(2026, 11, 11, 3, tzinfo=UTC)
        )
        s.add(
            DataChange(
                visit_id=later.id,
                household_id=household.id,
                kind="kelahiran",
                new_value={"nama": "Bayi Hidayat", "jenis_kelamin": "L", "tanggal_lahir": "2026-11-01"},
                status=ChangeStatus.PROPOSED,
                proposed_by=budi.id,
                created_at=datetime(2026, 11, 11, 3, tzinfo=UTC),
            )
        )
    assert early.id != later.id

    chat = await person(8831, "Budi")
    await chat.say("/start")
    welcome = await chat.share_contact("62" + PHONE[1:])  # Telegram sends contacts in international form
    assert f"Terima kasih, {NAME} Akun Anda sudah terhubung." in welcome.text and "S.Sos.." not in welcome.text

    history = await chat.say("/riwayat")
    visits = [label for label in history.buttons() if "Hidayat" in label]
    assert [label.split(" · ")[0].split(" ", 1)[1] for label in visits] == ["10 Nov 2026", "2 Nov 2026"]

    opened = (await chat.press("2 Nov 2026")).text
    assert "kamera/HP bermasalah" in opened and "GPS tidak aktif" in opened
    assert "hp bermasalah" not in opened and "gps tidak aktif" not in opened

    await chat.say("/riwayat")
    with_change = (await chat.press("10 Nov 2026")).text
    assert "Bayi Hidayat" in with_change and "1 Nov 2026" in with_change and "2026-11-01" not in with_change
