"""Nobody sees a household before proving who they are (issue: who is who)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.sandbox.client import SandboxClient
from models import users
from models.db import Database
from models.tables import AccessAttempt, Audit, Role, User
from tests.e2e.conftest import BotUnderTest, PersonFactory


async def _roster(db: Database, name: str, phone: str, role: Role = Role.PENDAMPING, area: str = "36.02.05") -> int:
    async with db.session() as session:
        user = await users.add_user(session, name=name, phone=phone, role=role, area=area)
        return user.id


async def test_stranger_is_asked_for_their_own_contact(person: PersonFactory) -> None:
    chat = await person(5001, "Rina")
    reply = await chat.say("/start")
    assert "nomor telepon" in reply.text
    _, button = chat.find_button("Bagikan nomor")
    assert button.get("request_contact") is True


async def test_roster_phone_links_account_and_greets_by_name_and_role(
    person: PersonFactory, db: Database, sandbox_client: SandboxClient
) -> None:
    await _roster(db, "Siti Aminah", "0812-3456-7890")
    chat = await person(5002, "Siti")
    await chat.say("/start")
    reply = await chat.share_contact("+62 812 3456 7890")
    assert "Siti Aminah" in reply.text
    assert "pendamping" in reply.text
    assert "/kpm" in reply.text
    async with db.session() as session:
        user = await session.scalar(select(User).where(User.phone == "+6281234567890"))
        assert user is not None and user.telegram_id == 5002
        assert await session.scalar(select(Audit).where(Audit.action == "user.link")) is not None
    menu = await sandbox_client.chat(5002)
    assert "kpm" in str(menu)


async def test_contact_of_someone_else_is_refused_and_logged(person: PersonFactory, db: Database) -> None:
    await _roster(db, "Siti Aminah", "081234567890")
    chat = await person(5003, "Penyusup")
    reply = await chat.share_contact("6281234567890", own=False, owner_id=777)
    assert "nomor Anda sendiri" in reply.text
    async with db.session() as session:
        user = await session.scalar(select(User).where(User.phone == "+6281234567890"))
        assert user is not None and user.telegram_id is None
        logged = await session.scalar(select(Audit).where(Audit.action == "user.foreign_contact"))
        assert logged is not None and logged.actor_id == "5003"


async def test_unknown_phone_gets_told_whom_to_ask_and_nothing_else(person: PersonFactory, db: Database) -> None:
    await _roster(db, "Siti Aminah", "081234567890")
    chat = await person(5004, "Budi")
    reply = await chat.share_contact("6281299998888")
    assert "koordinator" in reply.text
    assert "Siti" not in reply.text


async def test_invite_code_works_once(person: PersonFactory, db: Database, bot: BotUnderTest) -> None:
    async with db.session() as session:
        code = await users.create_invite(session, role=Role.KOORDINATOR, area="36.02", name="Pak Dedi", now=bot.clock())
    first = await person(5005, "Dedi")
    reply = await first.say(f"/start {code}")
    assert "Pak Dedi" in reply.text and "koordinator" in reply.text and "Lebak" in reply.text

    second = await person(5006, "Orang Lain")
    reply = await second.say(f"/start {code}")
    assert "sudah dipakai" in reply.text
    async with db.session() as session:
        assert await users.actor_for_telegram(session, 5006) is None


async def test_expired_and_wrong_invite_codes_are_refused(
    person: PersonFactory, db: Database, bot: BotUnderTest
) -> None:
    async with db.session() as session:
        code = await users.create_invite(
            session, role=Role.PENDAMPING, area="36.02.05", now=bot.clock() - timedelta(days=8)
        )
    chat = await person(5007, "Tini")
    assert "kedaluwarsa" in (await chat.say(f"/start {code}")).text
    assert "tidak dikenal" in (await chat.say("/start BUKAN-KODE")).text


async def test_repeated_failures_are_throttled(person: PersonFactory, db: Database) -> None:
    chat = await person(5008, "Penebak")
    for attempt in range(5):
        reply = await chat.say(f"/start salah{attempt}")
        assert "tidak dikenal" in reply.text
    reply = await chat.say("/start salah-lagi")
    assert "15 menit" in reply.text
    async with db.session() as session:
        attempts = (await session.scalars(select(AccessAttempt).where(AccessAttempt.telegram_id == 5008))).all()
    assert len(attempts) == 5  # the throttled try is not even looked up


async def test_deactivated_user_is_refused_politely(person: PersonFactory, db: Database) -> None:
    await _roster(db, "Siti Aminah", "081234567890")
    chat = await person(5009, "Siti")
    await chat.share_contact("6281234567890")
    async with db.session() as session:
        user = await users.find_user(session, "081234567890")
        assert user is not None
        await users.set_active(session, user, False, by="cli")
    reply = await chat.say("/kpm Siti")
    assert "dinonaktifkan" in reply.text
    reply = await chat.say("/start")
    assert "dinonaktifkan" in reply.text


async def test_new_telegram_account_with_same_roster_phone_replaces_the_old_link(
    person: PersonFactory, db: Database
) -> None:
    await _roster(db, "Siti Aminah", "081234567890")
    old = await person(5010, "Siti")
    await old.share_contact("6281234567890")
    new = await person(5011, "Siti")
    reply = await new.share_contact("6281234567890")
    assert "Siti Aminah" in reply.text
    async with db.session() as session:
        assert await users.actor_for_telegram(session, 5010) is None
        actor = await users.actor_for_telegram(session, 5011)
        assert actor is not None and actor.name == "Siti Aminah"
        relink = await session.scalar(select(Audit).where(Audit.action == "user.relink"))
        assert relink is not None and relink.before == {"telegram_id": 5010}
    assert "belum terdaftar" in (await old.say("/kpm Siti")).text


async def test_admin_invites_and_deactivates_in_the_chat(person: PersonFactory, db: Database) -> None:
    await _roster(db, "Ibu Admin", "081100000001", role=Role.ADMIN, area="36")
    await _roster(db, "Siti Aminah", "081234567890")
    admin = await person(5012, "Admin")
    await admin.share_contact("6281100000001")
    reply = await admin.say("/undang pendamping 3602050 Pak Ujang")
    assert "tidak valid" in reply.text
    reply = await admin.say("/undang pendamping 36.02.05 Pak Ujang")
    assert "https://t.me/jsika_test_bot?start=" in reply.text
    code = reply.text.split("start=")[1].split()[0]
    newcomer = await person(5013, "Ujang")
    assert "Pak Ujang" in (await newcomer.say(f"/start {code}")).text

    reply = await admin.say("/nonaktifkan 0812-3456-7890")
    assert "Siti Aminah" in reply.text and "dinonaktifkan" in reply.text
    pendamping = await person(5014, "Siti")
    assert "dinonaktifkan" in (await pendamping.share_contact("6281234567890")).text


async def test_pendamping_cannot_use_admin_commands(person: PersonFactory, db: Database) -> None:
    await _roster(db, "Siti Aminah", "081234567890")
    chat = await person(5015, "Siti")
    await chat.share_contact("6281234567890")
    reply = await chat.say("/undang pendamping 36.02.05")
    assert "tidak tersedia untuk peran Anda" in reply.text


async def test_help_lists_only_this_roles_commands(person: PersonFactory, db: Database) -> None:
    await _roster(db, "Siti Aminah", "081234567890")
    await _roster(db, "Ibu Admin", "081100000001", role=Role.ADMIN, area="36")
    pendamping = await person(5016, "Siti")
    await pendamping.share_contact("6281234567890")
    help_text = (await pendamping.say("/bantuan")).text
    assert "/kpm" in help_text and "/undang" not in help_text
    admin = await person(5017, "Admin")
    await admin.share_contact("6281100000001")
    assert "/undang" in (await admin.say("/bantuan")).text


async def test_each_command_and_button_gets_exactly_one_answer(person: PersonFactory, db: Database) -> None:
    await _roster(db, "Siti Aminah", "081234567890")
    chat = await person(5020, "Siti")
    assert len((await chat.say("/start")).messages) == 1
    assert len((await chat.share_contact("6281234567890")).messages) == 1
    assert len((await chat.say("/bantuan")).messages) == 1
    assert len((await chat.say("/bahasa")).messages) == 1
    pressed = await chat.press("English")
    assert "gangguan" not in pressed.text and "went wrong" not in pressed.text
    assert [m["text"] for m in pressed.messages if m.get("text")] == ["Language changed to English."]


async def test_unknown_command_and_free_text_are_answered(person: PersonFactory) -> None:
    chat = await person(5018, "Rina")
    assert "/bantuan" in (await chat.say("/entahlah")).text
    assert "/start" in (await chat.say("halo pak")).text


async def test_language_switch_persists_across_restart(person: PersonFactory, db: Database, bot: BotUnderTest) -> None:
    await _roster(db, "Siti Aminah", "081234567890")
    chat = await person(5019, "Siti")
    await chat.share_contact("6281234567890")
    await chat.say("/bahasa")
    reply = await chat.press("English")
    assert "English" in reply.text
    await bot.restart()
    help_text = (await chat.say("/bantuan")).text
    assert "Commands for" in help_text
    await chat.say("/bahasa")
    assert "Bahasa Indonesia" in (await chat.press("Bahasa Indonesia")).text
    assert "Perintah untuk" in (await chat.say("/bantuan")).text


async def test_foreign_contact_never_links_the_roster_entry_with_the_same_digits(
    person: PersonFactory, db: Database
) -> None:
    """Hong Kong 852 9123 4567 is not the koordinator whose roster number is 0852-9123-4567 (issue 17 item 3)."""
    await _roster(db, "Pak Dedi", "085291234567", role=Role.KOORDINATOR, area="36.02")
    for telegram_id, shared in ((5030, "85291234567"), (5031, "+85291234567"), (5032, "85391234567")):
        chat = await person(telegram_id, "Stranger")
        reply = await chat.share_contact(shared)
        assert "Pak Dedi" not in reply.text
        assert "belum terdaftar" in reply.text
    async with db.session() as session:
        dedi = await session.scalar(select(User).where(User.phone == "+6285291234567"))
        assert dedi is not None and dedi.telegram_id is None
    owner = await person(5033, "Dedi")
    assert "Pak Dedi" in (await owner.share_contact("6285291234567")).text


async def test_a_pendamping_moving_to_a_new_account_is_told_to_the_old_one_and_the_area_admin(
    person: PersonFactory, db: Database
) -> None:
    """Numbers get recycled: the account that lost the link and the admins of the area learn of the move."""
    await _roster(db, "Ibu Admin", "081100000001", role=Role.ADMIN, area="36")
    await _roster(db, "Admin Pandeglang", "081100000009", role=Role.ADMIN, area="36.01")
    await _roster(db, "Siti Aminah", "081234567890")
    admin, other_admin = await person(5040, "Admin"), await person(5041, "Admin Pdg")
    await admin.share_contact("6281100000001")
    await other_admin.share_contact("6281100000009")
    old = await person(5042, "Siti")
    await old.share_contact("6281234567890")
    new = await person(5043, "Siti baru")
    assert "Siti Aminah" in (await new.share_contact("6281234567890")).text
    assert "akun Telegram lain" in (await old.collect()).text
    notice = (await admin.collect()).text
    assert "Siti Aminah" in notice and "5043" in notice and "/nonaktifkan" in notice
    assert "Siti Aminah" not in (await other_admin.collect()).text  # Lebak is not Pandeglang's


async def test_a_koordinator_entry_moves_to_a_new_account_only_after_an_admin_confirms(
    person: PersonFactory, db: Database
) -> None:
    dedi_id = await _roster(db, "Pak Dedi", "081100000002", role=Role.KOORDINATOR, area="36.02")
    await _roster(db, "Ibu Admin", "081100000001", role=Role.ADMIN, area="36")
    await _roster(db, "Admin Pandeglang", "081100000009", role=Role.ADMIN, area="36.01")
    admin, other_admin = await person(5050, "Admin"), await person(5051, "Admin Pdg")
    await admin.share_contact("6281100000001")
    await other_admin.share_contact("6281100000009")
    old = await person(5052, "Dedi")
    assert "Pak Dedi" in (await old.share_contact("6281100000002")).text  # a first link needs no one

    new = await person(5053, "Pemilik nomor baru")
    assert "mengonfirmasi" in (await new.share_contact("6281100000002")).text
    assert "/ringkasan" not in (await new.say("/bantuan")).text
    assert "meminta" in (await old.collect()).text
    assert "Pak Dedi" in (await admin.collect()).text
    async with db.session() as session:
        assert (await users.actor_for_telegram(session, 5052)) is not None
        assert (await users.actor_for_telegram(session, 5053)) is None

    # Forged confirmations: from the requester itself, and from an admin of another area.
    await new.press_data(max(new.bot_messages), f"rl:ok:{dedi_id}:5053")
    assert (
        "bisa Anda setujui"
        in (await other_admin.press_data(max(other_admin.bot_messages), f"rl:ok:{dedi_id}:5053")).text
    )
    async with db.session() as session:
        assert (await users.actor_for_telegram(session, 5053)) is None

    assert "sudah dihubungkan" in (await admin.press("Setujui")).text
    assert "Pak Dedi" in (await new.collect()).text
    assert "akun Telegram lain" in (await old.collect()).text
    async with db.session() as session:
        moved = await users.actor_for_telegram(session, 5053)
        assert moved is not None and moved.name == "Pak Dedi"
        assert (await users.actor_for_telegram(session, 5052)) is None
    assert "bisa Anda setujui" in (await admin.press("Setujui")).text  # one confirmation per request
