"""Issue 18, the lists: ``/kpm NAMA`` puts the best matches first, ``/pendamping`` finds a person by part of the
phone number, ``/tunggakan`` starts with the longest-unvisited household — in the chat, through the sandbox."""

from __future__ import annotations

from models.db import Database
from models.tables import Role
from tests.e2e.conftest import PersonFactory
from tests.factories import make_household, make_user

DESA = "36.02.05.2005"  # Muncang


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
