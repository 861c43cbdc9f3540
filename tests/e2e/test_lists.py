"""Issue 18, the lists: ``/kpm NAMA`` puts the best matches first, ``/pendamping`` finds a person by part of the
phone number, ``/tunggakan`` starts with the longest-unvisited household — in the chat, through the sandbox."""

from __future__ import annotations

from datetime import date

import pytest

from models.db import Database
from models.tables import Role
from tests.e2e.conftest import PersonFactory
from tests.e2e.harness import Chat
from tests.factories import make_household, make_user, make_visit
from tests.supervisor_world import PHONES, World, build

DESA = "36.02.05.2005"  # Muncang


@pytest.fixture
async def world(db: Database) -> World:
    return await build(db)


async def signed_in(person: PersonFactory, key: str, telegram_id: int) -> Chat:
    chat = await person(telegram_id, key.title())
    await chat.share_contact("62" + PHONES[key][1:])
    return chat


async def test_kpm_lists_heads_and_exact_names_first_then_prefixes_then_the_rest(
    person: PersonFactory, db: Database
) -> None:
    async with db.session() as s:
        budi = await make_user(s, Role.PENDAMPING, "36.02.05", "+6281355500001", name="Budi")
        families = [
            [{"name": "Rohani"}],  # "ani" inside the head's name
            [{"name": "Maryani Sulastri"}],  # inside, too
            [{"name": "Budiman"}, {"name": "Ani"}],  # a member called exactly Ani
            [{"name": "Ani"}],  # the head called exactly Ani
            [{"name": "Anita Sari"}],  # the head's name starts with it
            [{"name": "Dedi"}, {"name": "Anisa"}],  # a member's name starts with it
            [{"name": "Siti Aniyah"}],  # a later word of the head's name starts with it
            [{"name": "Karta"}, {"name": "Juani"}],  # inside a member's name
        ]
        for members in families:
            await make_household(s, budi, DESA, members=members)

    chat = await person(8841, "Budi")
    await chat.share_contact("6281355500001")
    found = await chat.say("/kpm ani")
    labels = [label.split(" · ")[0] for label in found.buttons()]
    assert labels == [
        "Ani",
        "Ani (Budiman)",
        "Anita Sari",
        "Anisa (Dedi)",
        "Siti Aniyah",
        "Maryani Sulastri",
        "Rohani",
        "Juani (Karta)",
    ]
    card = await chat.press("Ani (Budiman)")
    assert "Budiman" in card.text and "Ani" in card.text


async def test_pendamping_is_found_by_part_of_the_phone_number(person: PersonFactory, world: World) -> None:
    dedi = await signed_in(person, "dedi", 8842)
    # Siti's number is 0812-0000-0001 and Dewi's 0812-0000-0002; Rudi's (…0003) is in Tangerang
    for typed in ("00001", "0812 0000 0001", "+62 812-0000-0001", "62812000000 01", "8120000 0001"):
        record = await dedi.say(f"/pendamping {typed}")
        assert "Siti Aminah" in record.text and "KPM dampingan: 3" in record.text, typed
    both = await dedi.say("/pendamping 0812-0000")
    assert "Pilih pendamping" in both.text
    assert [b.split(" · ")[0] for b in both.buttons()] == ["👤 Dewi Lestari", "👤 Siti Aminah"]
    assert "tidak ditemukan" in (await dedi.say("/pendamping 00003")).text  # outside Lebak: not there at all
    assert "tidak ditemukan" in (await dedi.say("/pendamping 12")).text  # too few digits to tell anyone apart


async def test_tunggakan_starts_with_the_longest_unvisited(person: PersonFactory, world: World, db: Database) -> None:
    async with db.session() as s:  # Ahmad comes first by name, but his one household was visited in October
        ahmad = await make_user(s, Role.PENDAMPING, "36.02.05", "+6281355500002", name="Ahmad Fauzi")
        salim = await make_household(s, ahmad, DESA, members=[{"name": "Salim"}])
        await make_visit(s, salim, ahmad, visited_on=date(2026, 10, 12))
    dedi = await signed_in(person, "dedi", 8843)
    text = (await dedi.say("/tunggakan")).text
    # Rohman never visited (Dewi), Juhana last in September, Hermawan last in October (both Siti), then Salim
    assert (
        text.index("Dewi Lestari (1)")
        < text.index("Rohman")
        < text.index("Siti Aminah (2)")
        < text.index("Juhana")
        < text.index("Hermawan")
        < text.index("Ahmad Fauzi (1)")
        < text.index("Salim")
    )
    assert [b.split(" · ")[0] for b in (await dedi.say("/tunggakan")).buttons()][:4] == [
        "🏠 Rohman",
        "🏠 Juhana",
        "🏠 Hermawan",
        "🏠 Salim",
    ]


async def test_jadwal_counts_add_up_like_lapor_and_dates_read_the_indonesian_way(
    person: PersonFactory, db: Database
) -> None:
    async with db.session() as s:
        budi = await make_user(s, Role.PENDAMPING, "36.02.05", "+6281355500003", name="Budi")
        done = await make_household(s, budi, DESA, members=[{"name": "Sudah"}])
        due = await make_household(s, budi, DESA, members=[{"name": "Oktober"}])
        await make_household(s, budi, DESA, members=[{"name": "Belum Pernah"}])
        await make_visit(s, done, budi, visited_on=date(2026, 11, 3))
        await make_visit(s, due, budi, visited_on=date(2026, 10, 12))
    chat = await person(8844, "Budi")
    await chat.share_contact("6281355500003")
    counts = "Belum dikunjungi: 2 (terlambat ⚠️: 1) · selesai: 1 dari 3."  # 2 + 1 = 3; the late one is among the 2
    schedule = await chat.say("/jadwal")
    assert counts in schedule.text
    assert "Terlambat:" not in schedule.text
    assert "Oktober · terakhir 12 Okt 2026" in schedule.buttons()
    assert not any("-2026" in label for label in schedule.buttons())
    assert counts in (await chat.say("/lapor")).text
