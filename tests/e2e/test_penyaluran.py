"""/penyaluran through the sandbox (issue 21): the koordinator's list, decisions, signature and adjustments; the
scope by argument and forged button; the admin's province board and the XLSX export.

The world is ``tests/period_close_world.py`` (October 2026, hand-computed). The e2e clock stands on Tuesday
24 November 2026, so October is the latest closed period and the default.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.sandbox.client import SandboxClient
from handlers.callbacks_supervisor import PayoutDecisionButton, PayoutExportButton, PayoutSignButton, PayoutViewButton
from models import period_close
from models.calendar import WorkCalendar
from models.db import Database
from models.tables import (
    Audit,
    Household,
    PeriodAdjustment,
    PeriodSignoff,
    PeriodVerdict,
    ReviewStatus,
    Role,
    Verdict,
    Visit,
)
from tests.e2e.conftest import BotUnderTest, PersonFactory
from tests.e2e.harness import Chat
from tests.factories import make_user
from tests.period_close_world import OCT, PHONES, World, actor, build

KABUPATEN_KOTA = (
    "Kabupaten Pandeglang",
    "Kabupaten Lebak",
    "Kabupaten Tangerang",
    "Kabupaten Serang",
    "Kota Tangerang",
    "Kota Cilegon",
    "Kota Serang",
    "Kota Tangerang Selatan",
)
LEBAK_COUNTS = (
    "✅ Layak salur: 3",
    "⚠️ Direkomendasikan ditangguhkan: 1",
    "⛔ Ditangguhkan: 0",
    "❔ Belum terverifikasi: 3",
)


@pytest.fixture
async def world(db: Database) -> World:
    return await build(db)


async def signed_in(person: PersonFactory, key: str, telegram_id: int) -> Chat:
    chat = await person(telegram_id, key.title())
    await chat.share_contact(PHONES[key][1:])  # Telegram sends contacts in international form, without the +
    return chat


async def verdict_of(db: Database, world: World, key: str) -> PeriodVerdict:
    async with db.session() as s:
        row = await s.scalar(
            select(PeriodVerdict).where(
                PeriodVerdict.household_id == world.households[key], PeriodVerdict.period == str(OCT)
            )
        )
        assert row is not None
        return row


async def audited(db: Database, action: str) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(Audit).where(Audit.action == action)) or 0)


async def test_koordinator_sees_the_models_counts_decides_signs_and_the_list_stays_frozen(
    person: PersonFactory, world: World, db: Database, bot: BotUnderTest
) -> None:
    dry = await period_close.close_period(db, OCT, WorkCalendar(), bot.clock(), area="36.02", dry_run=True)
    model = dry.areas[0].counts
    dedi = await signed_in(person, "dedi", 9101)

    assert "belum ditutup" in (await dedi.say("/penyaluran 2026-11")).text
    assert "Oktober 2026" in (await dedi.say("/penyaluran oktober")).text
    assert "Oktober 2026" in (await dedi.say("/penyaluran 2026-10")).text
    board = await dedi.say("/penyaluran")
    text = board.text
    assert "Daftar penyaluran — Kabupaten Lebak" in text and "Periode Oktober 2026" in text, text
    for line in LEBAK_COUNTS:
        assert line in text, (line, text)
    assert model == {"layak_salur": 3, "direkomendasikan_ditangguhkan": 1, "belum_terverifikasi": 3}
    assert "(disalurkan 3, ditahan 0)" in text and "Masih 1 rekomendasi penangguhan" in text
    assert not any("Tandatangani" in b for b in board.buttons())  # something is undecided
    screen = board.last["message_id"]
    forged_sign = await dedi.press_data(screen, PayoutSignButton("ya", "36.02", OCT).pack())
    assert "belum diputuskan" in forged_sign.text
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(PeriodSignoff)) == 0

    listed = await dedi.press("Rekomendasi penangguhan")
    assert listed.last["message_id"] == screen  # edited in place
    page = listed.text
    assert "Kepala Tingkat3" in page and "Anggota: Tingkat3" in page and "kehadiran sekolah" in page
    assert "Agustus 2026, September 2026, Oktober 2026" in page and "belum diputuskan" in page

    asked = await dedi.press("Batalkan")
    assert "Tulis alasannya" in asked.text
    for bad, why in (("<b>tidak</b>", "kata-kata biasa"), ("ok", "terlalu pendek"), ("x" * 201, "terlalu panjang")):
        refused = await dedi.say(bad)
        assert why in refused.text and "Tulis alasannya" in refused.text, bad
    assert (await verdict_of(db, world, "tingkat3")).verdict is Verdict.RECOMMENDED
    done = await dedi.say("anak sudah kembali sekolah")
    assert "Rekomendasi dibatalkan: Kepala Tingkat3 tetap layak salur" in done.text
    assert "rekomendasi dibatalkan Pak Dedi" in done.text and "anak sudah kembali sekolah" in done.text
    row = await verdict_of(db, world, "tingkat3")
    assert row.verdict is Verdict.ELIGIBLE and row.override_reason == "anak sudah kembali sekolah"
    assert await audited(db, "period.override") == 1
    assert "Tulis alasannya" not in (await dedi.say("terima kasih")).text  # taken once: the next text is free

    confirmed = await dedi.press("Tangguhkan")
    assert "Rekomendasi dikonfirmasi: Kepala Tingkat3 ditangguhkan" in confirmed.text
    assert (await verdict_of(db, world, "tingkat3")).verdict is Verdict.SUSPENDED
    assert await audited(db, "period.confirm") == 1

    back = await dedi.press("Kembali ke ringkasan")
    assert "⛔ Ditangguhkan: 1" in back.text and "⚠️ Direkomendasikan ditangguhkan: 0" in back.text
    ask = await dedi.press("Tandatangani daftar")
    assert "Tandatangani daftar penyaluran Kabupaten Lebak periode Oktober 2026? 7 keluarga" in ask.text
    cancelled = await dedi.press("Batal")
    assert "Belum ditandatangani" in cancelled.text
    await dedi.press("Tandatangani daftar")
    signed = await dedi.press("Ya, tandatangani")
    assert "Daftar ditandatangani." in signed.text and "Ditandatangani oleh Pak Dedi, 24 Nov 2026" in signed.text
    assert await audited(db, "period.sign") == 1
    assert not any("Tandatangani" in b for b in signed.buttons())

    # Frozen: no more decisions, a forged one is refused, a second close changes nothing.
    frozen = await dedi.press("Rekomendasi penangguhan")
    assert not any("Tangguhkan" in b or "Batalkan" in b for b in frozen.buttons())
    forged = await dedi.press_data(
        frozen.last["message_id"], PayoutDecisionButton("ok", row.id, "36.02", "r", 0).pack()
    )
    assert "sudah ditandatangani" in forged.text
    async with db.session() as s:  # the late report is approved after the signature: the list does not move
        visit = await s.scalar(select(Visit).where(Visit.household_id == world.households["telat"]))
        assert visit is not None
        visit.review_status = ReviewStatus.APPROVED
    again = await dedi.say("/penyaluran")
    for line in ("❔ Belum terverifikasi: 3", "⛔ Ditangguhkan: 1"):
        assert line in again.text

    # …it becomes an adjustment with its reason, shown as one.
    await dedi.press("Belum terverifikasi")
    await dedi.press("Sesuaikan: Kepala Telat")
    adjusted = await dedi.say("laporan terlambat sudah disetujui")
    assert "Penyesuaian dicatat: Kepala Telat kini layak salur" in adjusted.text
    assert "semula belum terverifikasi, kini layak salur" in adjusted.text
    async with db.session() as s:
        adjustment = await s.scalar(select(PeriodAdjustment))
        assert adjustment is not None and adjustment.reason == "laporan terlambat sudah disetujui"
    assert (await verdict_of(db, world, "telat")).verdict is Verdict.UNVERIFIED  # the signed row is untouched
    summary = await dedi.press("Kembali ke ringkasan")
    assert "Penyesuaian setelah tanda tangan: 1" in summary.text and "❔ Belum terverifikasi: 3" in summary.text


async def test_scope_by_argument_and_forged_button_and_the_pendamping_refused(
    person: PersonFactory, world: World, db: Database, bot: BotUnderTest
) -> None:
    await period_close.close_period(db, OCT, WorkCalendar(), bot.clock())
    theirs = await verdict_of(db, world, "tangerang")
    dedi = await signed_in(person, "dedi", 9102)
    for asked in ("/penyaluran tangerang", "/penyaluran 36.03", "/penyaluran 36.03 2026-10"):
        reply = await dedi.say(asked)
        assert "di luar wilayah Anda" in reply.text and "Kepala Tangerang" not in reply.text, asked
    anchor = (await dedi.say("/penyaluran")).last["message_id"]
    forged = [
        PayoutViewButton("36.03", OCT).pack(),
        PayoutViewButton("36.03", OCT, "u", 0).pack(),
        PayoutViewButton("36", OCT).pack(),
        PayoutDecisionButton("ok", theirs.id, "36.02", "r", 0).pack(),
        PayoutDecisionButton("no", theirs.id, "36.02", "r", 0).pack(),
        PayoutDecisionButton("ok", theirs.id, "36.03", "r", 0).pack(),
        PayoutSignButton("ask", "36.03", OCT).pack(),
        PayoutSignButton("ya", "36.03", OCT).pack(),
        PayoutExportButton(OCT, "all").pack(),
        "sv:py:v:36.03:2026-10:r:99999999999",
        "sv:py:s:ya:'; DROP TABLE period_signoff;--:2026-10",
    ]
    for data in forged:
        reply = await dedi.press_data(anchor, data)
        assert "Tangerang" not in reply.text and "Pak Joko" not in reply.text, data
        assert not any(m.get("document") for m in reply.messages), data
        assert any(w in reply.text for w in ("tidak ditemukan", "di luar wilayah", "tidak berwenang")), (
            data,
            reply.text,
        )
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(PeriodSignoff)) == 0
        assert (await s.get(PeriodVerdict, theirs.id)).decided_at is None  # type: ignore[union-attr]
    joko = await signed_in(person, "joko", 9103)
    own = await joko.say("/penyaluran")
    assert "Kabupaten Tangerang" in own.text and "Layak salur: 1" in own.text and "Lebak" not in own.text
    siti = await signed_in(person, "siti", 9104)
    refused = await siti.say("/penyaluran")
    assert "tidak tersedia untuk peran Anda" in refused.text
    assert "/penyaluran" not in (await siti.say("/bantuan")).text
    assert "/penyaluran" in (await dedi.say("/bantuan")).text


async def _document(chat: Chat, client: SandboxClient, seconds: float = 60) -> dict[str, Any]:
    """The document a background task sends: waited for on the sandbox's long poll."""
    waited = 0.0
    while waited < seconds:
        found = [m for m in (await chat.collect()).messages if m.get("document")]
        if found:
            return found[0]
        await client.wait(chat.id, after=chat.cursor, timeout=1)
        waited += 1
    raise AssertionError("no document arrived")


async def test_admin_sees_the_province_opens_an_area_and_gets_the_list_as_xlsx(
    person: PersonFactory, world: World, db: Database, bot: BotUnderTest, sandbox_client: SandboxClient
) -> None:
    admin = await signed_in(person, "admin", 9105)
    board = await admin.say("/penyaluran")
    assert "Daftar penyaluran — seluruh provinsi" in board.text
    assert "Sudah ditandatangani: 0 dari 8 kabupaten/kota" in board.text
    assert "Belum ditandatangani: 8 (belum ditutup: 8)" in board.text
    for name in KABUPATEN_KOTA:  # every kabupaten/kota of the region table, none opened yet
        assert f"{name} — ▫️ belum ditutup: daftarnya belum pernah dibuka" in board.text, name
        assert name in board.buttons()
    assert "Jumlah dari 0 kabupaten/kota yang sudah ditutup" in board.text
    nothing = await admin.press("Ekspor yang sudah ditandatangani")
    assert "Belum ada kabupaten/kota yang menandatangani" in nothing.text

    lebak = await admin.press("Kabupaten Lebak")  # opening it closes the period for it (idempotent)
    for line in LEBAK_COUNTS:
        assert line in lebak.text
    async with db.session() as s:  # settle Lebak's recommendation and sign, as its koordinator would
        dedi = await actor(db, world, "dedi")
        row = await s.scalar(select(PeriodVerdict).where(PeriodVerdict.verdict == Verdict.RECOMMENDED))
        assert row is not None
        await period_close.decide(s, dedi, row.id, confirm=True, reason=None, now=bot.clock())
        await period_close.sign(s, dedi, "36.02", OCT, bot.clock())
    province = await admin.press("Seluruh provinsi")
    text = province.text
    assert (
        "Sudah ditandatangani: 1 dari 8 kabupaten/kota" in text and "Belum ditandatangani: 7 (belum ditutup: 7)" in text
    )
    assert "Kabupaten Lebak — ✍️ ditandatangani Pak Dedi" in text
    assert "Kabupaten Tangerang — ▫️ belum ditutup" in text  # households listed, but nobody opened its list
    assert sum(f"{name} — ▫️ belum ditutup" in text for name in KABUPATEN_KOTA) == 7
    assert "Jumlah dari 1 kabupaten/kota yang sudah ditutup" in text
    assert "⛔ Ditangguhkan: 1" in text and "✅ Layak salur: 3" in text

    preparing = await admin.press("Ekspor yang sudah ditandatangani")
    assert "sedang disiapkan" in preparing.text
    document = await _document(admin, sandbox_client)
    assert document["document"]["file_name"] == "jsika_penyaluran_2026-10.xlsx"
    assert "7 keluarga" in document["caption"]
    book = load_workbook(io.BytesIO(await sandbox_client.file(str(document["document"]["file_id"]))))
    rows = list(book.worksheets[1].iter_rows(values_only=True))
    assert len(rows) == 1 + 7  # the header, then Lebak's seven households (Tangerang is not signed)
    async with db.session() as s:
        heads = set((await s.scalars(select(Household.kk).where(Household.desa_code == "36.02.01.2002"))).all())
    assert {str(r[4]) for r in rows[1:]} <= heads


async def test_the_awaited_reason_survives_a_restart_and_cancel_drops_it(
    person: PersonFactory, world: World, db: Database, bot: BotUnderTest
) -> None:
    dedi = await signed_in(person, "dedi", 9106)
    await dedi.say("/penyaluran")
    await dedi.press("Rekomendasi penangguhan")
    await dedi.press("Batalkan")
    dropped = await dedi.press("Batal")
    assert "Rekomendasi penangguhan: 1 keluarga" in dropped.text
    assert "Tulis alasannya" not in (await dedi.say("bukan alasan")).text  # nothing awaited any more
    assert (await verdict_of(db, world, "tingkat3")).verdict is Verdict.RECOMMENDED
    await dedi.press("Batalkan")
    await bot.restart()
    done = await dedi.say("keluarga pindah sekolah, sudah hadir")
    assert "Rekomendasi dibatalkan: Kepala Tingkat3 tetap layak salur" in done.text
    assert (await verdict_of(db, world, "tingkat3")).override_reason == "keluarga pindah sekolah, sudah hadir"


async def test_kecamatan_koordinator_decides_but_only_the_kabupaten_koordinator_signs(
    person: PersonFactory, world: World, db: Database
) -> None:
    """docs/period-close.md: "a kecamatan's koordinator can decide but not sign" — the sign button is the
    kabupaten/kota koordinator's, and a forged one from the kecamatan changes nothing."""
    async with db.session() as s:
        yani = await make_user(s, Role.KOORDINATOR, "36.02.01", telegram_id=9107, name="Bu Yani")
    kecamatan = await person(9107, "Yani")
    board = await kecamatan.say("/penyaluran")
    assert "Daftar penyaluran — Malingping" in board.text and "Periode Oktober 2026" in board.text, board.text
    for line in LEBAK_COUNTS:  # every Lebak household of the list lives in this kecamatan
        assert line in board.text, (line, board.text)

    await kecamatan.press("Rekomendasi penangguhan")
    decided = await kecamatan.press("Tangguhkan")
    assert "Rekomendasi dikonfirmasi: Kepala Tingkat3 ditangguhkan" in decided.text
    row = await verdict_of(db, world, "tingkat3")
    assert row.verdict is Verdict.SUSPENDED and row.decided_by == yani.id
    back = await kecamatan.press("Kembali ke ringkasan")
    assert "⚠️ Direkomendasikan ditangguhkan: 0" in back.text and "Belum ditandatangani" in back.text
    assert "Daftar ditandatangani oleh koordinator kabupaten/kota." in back.text
    assert not any("Tandatangani" in b for b in back.buttons())  # nothing undecided, still not theirs to sign

    screen = back.last["message_id"]
    for forged in (
        PayoutSignButton("ask", "36.02.01", OCT),
        PayoutSignButton("ya", "36.02.01", OCT),
        PayoutSignButton("ask", "36.02", OCT),
        PayoutSignButton("ya", "36.02", OCT),
    ):
        refused = await kecamatan.press_data(screen, forged.pack())
        assert "Daftar ditandatangani." not in refused.text, forged
        assert any(w in refused.text for w in ("tidak ditemukan", "di luar wilayah", "tidak berwenang")), (
            forged,
            refused.text,
        )
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(PeriodSignoff)) == 0

    dedi = await signed_in(person, "dedi", 9108)  # the kabupaten's koordinator: the decision stands, he signs
    his = await dedi.say("/penyaluran")
    assert "⛔ Ditangguhkan: 1" in his.text
    await dedi.press("Tandatangani daftar")
    signed = await dedi.press("Ya, tandatangani")
    assert "Daftar ditandatangani." in signed.text and "Ditandatangani oleh Pak Dedi" in signed.text
    async with db.session() as s:
        signoff = await s.scalar(select(PeriodSignoff))
        assert signoff is not None and signoff.signed_by == world.users["dedi"]
