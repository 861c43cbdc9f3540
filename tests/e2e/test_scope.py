"""Everybody sees only their own scope — by command and by forged button data alike."""

from __future__ import annotations

from datetime import date

from models import users
from models.db import Database
from models.tables import Household, Member, Relation, Role, Sex
from tests.e2e.conftest import PersonFactory


async def _person(db: Database, name: str, phone: str, role: Role, area: str) -> int:
    async with db.session() as session:
        return (await users.add_user(session, name=name, phone=phone, role=role, area=area)).id


async def _household(db: Database, head: str, kk: str, nik: str, desa: str, pendamping_id: int | None) -> int:
    async with db.session() as session:
        household = Household(
            programme_code="JAMSOSRATU",
            kk=kk,
            head_name=head,
            address="Kp. Cibeber RT 001/RW 002",
            desa_code=desa,
            pendamping_id=pendamping_id,
        )
        session.add(household)
        await session.flush()
        session.add(
            Member(
                household_id=household.id,
                nik=nik,
                name=head,
                relation=Relation.KEPALA,
                sex=Sex.L,
                birth_date=date(1980, 5, 17),
            )
        )
        return household.id


async def test_pendamping_reaches_only_their_own_households(person: PersonFactory, db: Database) -> None:
    a = await _person(db, "Siti Aminah", "081200000001", Role.PENDAMPING, "36.02.05")
    b = await _person(db, "Dewi Lestari", "081200000002", Role.PENDAMPING, "36.02.05")
    own = await _household(db, "Hidayat", "3602051705800001", "3602051705800001", "36.02.05.2003", a)
    other = await _household(db, "Hermawan", "3602051705800002", "3602051705800002", "36.02.05.2003", b)

    chat = await person(6001, "Siti")
    await chat.share_contact("6281200000001")
    reply = await chat.say("/kpm Her")
    assert "Hermawan" not in reply.text and "Tidak ada" in reply.text

    reply = await chat.say("/kpm Hidayat")
    reply = await chat.press("Hidayat")
    assert "KK 3602********0001" in reply.text  # masked for a pendamping
    assert "3602051705800001" not in reply.text

    forged = await chat.press_data(reply.last["message_id"], f"hh:{other}")
    assert "di luar wilayah Anda" in forged.text and "Hermawan" not in forged.text
    assert own != other


async def test_koordinator_of_lebak_cannot_see_tangerang(person: PersonFactory, db: Database) -> None:
    await _person(db, "Pak Dedi", "081200000003", Role.KOORDINATOR, "36.02")
    lebak = await _household(db, "Sukma", "3602051705800003", "3602051705800003", "36.02.05.2003", None)
    tangerang = await _household(db, "Suryadi", "3603011705800004", "3603011705800004", "36.03.01.2003", None)

    chat = await person(6002, "Dedi")
    await chat.share_contact("6281200000003")
    assert "Sukma" in (await chat.say("/kpm Sukma")).text
    reply = await chat.say("/kpm Suryadi")
    assert "Suryadi" not in reply.text.split("“")[0] and "Tidak ada" in reply.text

    opened = await chat.press("Sukma")
    assert "Sukma" in opened.text
    forged = await chat.press_data(opened.last["message_id"], f"hh:{tangerang}")
    assert "di luar wilayah Anda" in forged.text
    garbage = await chat.press_data(opened.last["message_id"], "hh:'; DROP TABLE household;--")
    assert "di luar wilayah Anda" in garbage.text
    assert lebak != tangerang


async def test_admin_sees_every_area_with_full_numbers(person: PersonFactory, db: Database) -> None:
    await _person(db, "Ibu Admin", "081100000001", Role.ADMIN, "36")
    await _household(db, "Suryadi", "3603011705800004", "3603011705800004", "36.03.01.2003", None)
    chat = await person(6003, "Admin")
    await chat.share_contact("6281100000001")
    await chat.say("/kpm 36030117")
    card = await chat.press("Suryadi")
    assert "3603011705800004" in card.text
