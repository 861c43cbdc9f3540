"""The /ekspor workbooks in words (issue 18, "Polish"): coded values as the chat says them — a data change's kind
and values ("Kelahiran", "jenis kelamin: Perempuan", "tanggal lahir: 10 Nov 2026", not ``kelahiran``,
``jenis_kelamin: P``, ``2026-11-10``), statuses, sectors — and text typed into the chat with a control character
(``\\x07``, which XLSX cannot hold) does not make the export fail."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.sandbox.client import SandboxClient
from models.db import Database
from models.forms import short_id
from models.tables import ChangeStatus, DataChange, Visit
from tests.e2e.conftest import PersonFactory
from tests.e2e.harness import Chat
from tests.supervisor_world import PHONES, World, build

BELL_NOTE = "Foto kurang jelas\x07, mohon ulangi"


@pytest.fixture
async def world(db: Database) -> World:
    built = await build(db)
    async with db.session() as s:
        s.add(
            DataChange(
                visit_id=built.visits["h1-11"],
                household_id=built.households["h1"],
                kind="kelahiran",
                new_value={"nama": "Bayi Putri", "jenis_kelamin": "P", "tanggal_lahir": "2026-11-01"},
                status=ChangeStatus.PROPOSED,
                proposed_by=built.users["siti"],
                created_at=datetime(2026, 11, 9, 3, tzinfo=UTC),
            )
        )
    return built


async def _signed_in(person: PersonFactory, key: str, telegram_id: int) -> Chat:
    chat = await person(telegram_id, key.title())
    await chat.share_contact("62" + PHONES[key][1:])  # Telegram sends contacts in international form
    return chat


async def _sheet(sandbox_client: SandboxClient, reply: Any, title: str) -> list[list[Any]]:
    document = next((m for m in reply.messages if m.get("document")), None)
    assert document is not None, [m.get("text") for m in reply.messages]
    book = load_workbook(io.BytesIO(await sandbox_client.file(str(document["document"]["file_id"]))))
    return [list(row) for row in book[title].iter_rows(values_only=True)]


async def test_exports_speak_indonesian_and_survive_a_control_character(
    person: PersonFactory, world: World, db: Database, sandbox_client: SandboxClient
) -> None:
    dedi = await _signed_in(person, "dedi", 8021)
    changes = await _sheet(sandbox_client, await dedi.say("/ekspor perubahan lebak 2026-11"), "Perubahan data")
    header, rows = changes[0], changes[1:]
    assert "jenis" not in header and "nilai_baru" not in header and {"Jenis", "Nilai baru"} <= set(header)
    by_kind = {row[header.index("Jenis")]: row for row in rows}
    assert set(by_kind) == {"Telepon baru", "Kelahiran"}
    birth = by_kind["Kelahiran"]
    assert birth[header.index("Nilai baru")] == "nama: Bayi Putri, jenis kelamin: Perempuan, tanggal lahir: 1 Nov 2026"
    assert birth[header.index("Status")] == "diajukan"
    assert by_kind["Telepon baru"][header.index("Nilai baru")] == "telepon: 081377778888"

    checks = await _sheet(sandbox_client, await dedi.say("/ekspor komitmen lebak 2026-11"), "Verifikasi komitmen")
    header, rows = checks[0], checks[1:]
    commitments = {row[header.index("Komitmen")] for row in rows}
    assert "kehadiran sekolah ≥ 85%" in commitments and "pendidikan_kehadiran" not in commitments
    assert {row[header.index("Hasil")] for row in rows} <= {"memenuhi", "tidak memenuhi", "tidak berlaku"}
    assert "Sakit" in {row[header.index("Alasan")] for row in rows}

    # A note typed with a bell character (a stray key on a phone keyboard, a pasted text) …
    await dedi.say("/tinjau")
    await dedi.press("Kembalikan")
    await dedi.press("Perubahan data")
    assert "dikembalikan" in (await dedi.say(BELL_NOTE)).text
    async with db.session() as s:
        stored = await s.scalar(select(Visit.review_note).where(Visit.id == world.visits["h1-11"]))
    assert stored == BELL_NOTE  # kept as typed in the database
    # … still exports: the character XLSX cannot hold is dropped, the rest kept.
    visits = await _sheet(sandbox_client, await dedi.say("/ekspor kunjungan lebak 2026-11"), "Kunjungan")
    header = visits[0]
    notes = {row[header.index("Catatan tinjauan")] for row in visits[1:]}
    assert "Foto kurang jelas, mohon ulangi" in notes
    statuses = {row[header.index("Status tinjauan")] for row in visits[1:]}
    assert "dikembalikan untuk diperbaiki" in statuses


async def test_every_export_kind_has_indonesian_headers_words_and_the_chats_report_number(
    person: PersonFactory, world: World, sandbox_client: SandboxClient
) -> None:
    """Referrals and the overdue list in words too; a check, a referral and a data change carry the number of the
    report they came from — the number the chat shows ("Nomor laporan: …", ``models.forms.short_id``)."""
    dedi = await _signed_in(person, "dedi", 8022)
    number = short_id(world.visits["h1-11"])
    sheets = {
        "kunjungan": "Kunjungan",
        "komitmen": "Verifikasi komitmen",
        "tunggakan": "Daftar tunggakan",
        "rujukan": "Rujukan",
        "perubahan": "Perubahan data",
    }
    found: dict[str, list[list[Any]]] = {}
    for kind, title in sheets.items():
        found[kind] = await _sheet(sandbox_client, await dedi.say(f"/ekspor {kind} lebak 2026-11"), title)
        header = found[kind][0]
        assert all(label and (label[0].isupper() or label[:2] == "No") for label in header), (kind, header)
        assert not any("_" in label for label in header), (kind, header)
    for kind in ("kunjungan", "komitmen", "rujukan", "perubahan"):
        header, rows = found[kind][0], found[kind][1:]
        numbers = {row[header.index("Nomor laporan")] for row in rows}
        assert number in numbers, (kind, numbers)

    header, rows = found["rujukan"][0], found["rujukan"][1:]
    (referral,) = rows  # opened in November: Rizky's school uniform
    assert referral[header.index("Sektor")] == "Pendidikan" and referral[header.index("Status")] == "baru"
    header, rows = found["tunggakan"][0], found["tunggakan"][1:]
    assert {row[header.index("Kunjungan terakhir")] for row in rows} == {None, "September 2026", "Oktober 2026"}
