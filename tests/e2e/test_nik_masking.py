"""Masked NIKs are masked everywhere in the chat (issue 17, item 2): the NIK of a proposed birth in /tinjau and on
the /kpm card, and the members' NIKs — without the serial, which with a birth date would give the NIK back. An
admin sees them whole."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from models.db import Database
from models.seeding.identity import make_kk
from models.tables import ChangeStatus, DataChange, Role
from tests.e2e.conftest import PersonFactory
from tests.factories import make_household, make_user, make_visit, members_of, nik_for

DESA = "36.01.01.2001"
BABY_BORN = date(2026, 11, 10)


@pytest.fixture
async def world(db: Database) -> dict[str, str]:
    async with db.session() as s:
        await make_user(s, Role.KOORDINATOR, "36.01", telegram_id=8901, name="Dedi Koordinator")
        await make_user(s, Role.ADMIN, "36", telegram_id=8902, name="Ani Admin")
        siti = await make_user(s, Role.PENDAMPING, "36.01.01", telegram_id=8903, name="Siti Pendamping")
        household = await make_household(
            s,
            siti,
            desa=DESA,
            kk=make_kk("360101", date(2020, 1, 15), 1234),
            members=[{"name": "Hidayat", "age": 41}, {"name": "Imas", "relation": "istri"}],
        )
        visit = await make_visit(s, household, siti, visited_on=date(2026, 11, 12))
        baby = nik_for(DESA, BABY_BORN, "P")
        s.add(
            DataChange(
                visit_id=visit.id,
                household_id=household.id,
                kind="kelahiran",
                new_value={
                    "nama": "Bayi Imas",
                    "jenis_kelamin": "P",
                    "tanggal_lahir": BABY_BORN.isoformat(),
                    "nik": baby,
                },
                status=ChangeStatus.PROPOSED,
                proposed_by=siti.id,
                created_at=datetime(2026, 11, 12, 3, tzinfo=UTC),
            )
        )
        await s.flush()
        head = next(m for m in await members_of(s, household) if m.name == "Hidayat")
        return {"baby": baby, "head": head.nik}


async def test_a_proposed_births_nik_is_masked_for_the_koordinator_and_whole_for_the_admin(
    person: PersonFactory, world: dict[str, str]
) -> None:
    baby, head = world["baby"], world["head"]
    dedi = await person(8901, "Dedi")
    texts = [
        (await dedi.say("/tinjau")).text,  # the report, with its proposed birth
        (await dedi.say("/tinjau perubahan")).text,  # the change itself
    ]
    card = await dedi.say("/kpm Hidayat")
    texts.append((await dedi.press("Hidayat")).text)
    assert "Bayi Imas" in texts[0] and "Bayi Imas" in texts[1] and "Bayi Imas" in texts[2]
    for text in texts:
        assert baby not in text and baby[-4:] not in text and head not in text and head[-4:] not in text, text
        assert baby[:4] + "*" * 12 in text
    assert card.text  # the search answered before the card was opened

    siti = await person(8903, "Siti")
    await siti.say("/kpm Hidayat")
    own = (await siti.press("Hidayat")).text
    assert head not in own and head[-4:] not in own and head[:4] + "*" * 12 in own

    admin = await person(8902, "Ani")
    assert baby in (await admin.say("/tinjau perubahan 36.01")).text
