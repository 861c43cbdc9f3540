"""Someone moving into a household, proposed in the chat (the report's "Perubahan data" step, 🏠 Pindah masuk):
the bot asks how the newcomer is related to the head — the registry's SHDK words as buttons, the household file's
words typed — the koordinator sees it on the change's card, and verifying the change stores it on the member."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models.db import Database
from models.seeding.identity import make_nik
from models.tables import ChangeStatus, DataChange, Member, Relation, Role, SchoolLevel, Sex
from tests.e2e.conftest import PersonFactory
from tests.e2e.harness import Chat
from tests.factories import make_household, make_user

SITI, DEDI = 7301, 7302
WATI_NIK = make_nik("360101", date(1962, 4, 5), "P", 41)
RELATION_BUTTONS = ["Istri", "Suami", "Anak", "Menantu", "Cucu", "Orang tua", "Mertua", "Famili lain", "Lainnya"]


@pytest.fixture
async def household(db: Database) -> int:
    async with db.session() as s:
        siti = await make_user(s, Role.PENDAMPING, "36.01.01", telegram_id=SITI, name="Siti Pendamping")
        await make_user(s, Role.KOORDINATOR, "36.01", telegram_id=DEDI, name="Dedi Koordinator")
        made = await make_household(
            s,
            siti,
            members=[
                {"name": "Hidayat", "age": 41},
                {"name": "Siti Aminah", "relation": "istri", "sex": Sex.P, "age": 37},
                {"name": "Rizki", "age": 8, "school_level": SchoolLevel.SD},
            ],
        )
        return made.id


async def _to_the_move_in(siti: Chat) -> None:
    await siti.say("/lapor")
    for label in ("Hidayat", "Hari ini", "Ya", "Semua memenuhi", "Lanjut", "Lanjut", "Pindah masuk"):
        await siti.press(label)


async def _finish(siti: Chat) -> str:
    """From "Ada perubahan lain?" to the sent report; the summary's text."""
    await siti.press("Selesai")
    await siti.press("Tidak ada rujukan")
    await siti.press("Tanpa foto: kamera/HP bermasalah")
    await siti.press("Tanpa lokasi: GPS tidak aktif")
    summary = await siti.press("Lewati")
    assert "Laporan terkirim" in (await siti.press("Kirim laporan")).text
    return summary.text


async def _proposed(db: Database, household: int) -> DataChange:
    async with db.session() as s:
        change = await s.scalar(select(DataChange).where(DataChange.household_id == household))
    assert change is not None and change.kind == "pindah_masuk"
    return change


async def test_typed_relationship_is_read_like_the_household_file_and_a_wrong_one_is_asked_again(
    person: PersonFactory, household: int, db: Database
) -> None:
    siti = await person(SITI, "Siti")
    await _to_the_move_in(siti)
    asked = await siti.say("Wati Lestari")
    assert "Apa hubungan Wati Lestari dengan kepala keluarga Hidayat?" in asked.text
    assert asked.buttons()[: len(RELATION_BUTTONS)] == RELATION_BUTTONS  # no "Kepala keluarga": a KK has one
    assert not any("Lewati" in b for b in asked.buttons())  # not skippable: "famili lain" is the unsure answer

    wrong = await siti.say("tetangga")
    assert "“tetangga” bukan hubungan keluarga yang dikenal" in wrong.text
    assert "Apa hubungan Wati Lestari" in wrong.text and wrong.buttons()[:9] == RELATION_BUTTONS  # asked again
    head = await siti.say("kepala keluarga")
    assert "tidak bisa menjadi kepala keluarga" in head.text and "Apa hubungan Wati Lestari" in head.text
    shdk_head = await siti.say("1")  # the SHDK code of the head, as Dukcapil writes it on the KK
    assert "tidak bisa menjadi kepala keluarga" in shdk_head.text

    nik = await siti.say("ibu")  # the household file's word for a parent of the head
    assert "NIK-nya (16 angka)?" in nik.text
    await siti.say(WATI_NIK)
    summary = await _finish(siti)
    assert "Pindah masuk — Wati Lestari — orang tua" in summary

    change = await _proposed(db, household)
    assert change.new_value == {"nama": "Wati Lestari", "hubungan": "orang tua", "nik": WATI_NIK}
    assert change.status is ChangeStatus.PROPOSED

    dedi = await person(DEDI, "Dedi")
    card = await dedi.say("/tinjau perubahan")
    assert "Pindah masuk" in card.text and "nama: Wati Lestari, hubungan: orang tua, nik: 3601" in card.text
    assert WATI_NIK not in card.text  # the NIK stays masked for a koordinator
    assert "diverifikasi" in (await dedi.press("Verifikasi")).text.lower()
    async with db.session() as s:
        wati = await s.scalar(select(Member).where(Member.nik == WATI_NIK))
    assert wati is not None and wati.household_id == household
    assert (wati.relation, wati.sex, wati.birth_date) == (Relation.ORANG_TUA, Sex.P, date(1962, 4, 5))


async def test_a_tapped_relationship_costs_one_tap_and_shows_in_english_too(
    person: PersonFactory, household: int, db: Database
) -> None:
    siti = await person(SITI, "Siti")
    await _to_the_move_in(siti)
    await siti.say("Wati Lestari")
    before = siti.taps
    nik = await siti.press("Famili lain", exact=True)  # a value with a space travels in the button
    assert siti.taps - before == 1 and "NIK-nya" in nik.text
    await siti.say(WATI_NIK)
    await _finish(siti)
    assert (await _proposed(db, household)).new_value["hubungan"] == "famili lain"

    async with db.session() as s:
        await make_user(s, Role.KOORDINATOR, "36.01", telegram_id=7303, name="Koordinator Inggris", language="en")
    english = await person(7303, "Eng")
    card = await english.say("/tinjau perubahan")
    assert "hubungan: other relative" in card.text, card.text
    await english.press("✅")
    async with db.session() as s:
        wati = await s.scalar(select(Member).where(Member.nik == WATI_NIK))
    assert wati is not None and wati.relation is Relation.FAMILI_LAIN
