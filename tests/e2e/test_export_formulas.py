"""Formula injection (issue 17, item 1), end to end: text that looks like a formula reaches the registry through
every way in — a household's name and address, a note an OPD key sets over the API, a referral need and an address
a pendamping types in the chat — and every /ekspor kind shows it exactly as typed, with zero formula cells."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from bot.inbox import Inbox
from bot.sandbox.client import SandboxClient
from bot.web import WebContext, create_app
from models import api_keys
from models.db import Database
from models.tables import Referral, Role, SchoolLevel
from tests.e2e.conftest import PersonFactory
from tests.e2e.harness import Clock
from tests.factories import make_household, make_user

HYPERLINK = '=HYPERLINK("http://x","y")'
SUM = "=1+1"
DDE = "+cmd|' /C calc'!A0"
CHILD = "@SUM(1+1)"
ADDRESS = "-2+3"
OPD_NOTE = '=HYPERLINK("http://opd.example","catatan")'
TYPED_NEED = "=2+2 perlu periksa"
TYPED_ADDRESS = "=3+3 Kp. Baru"


@pytest.fixture
async def world(db: Database) -> dict[str, int]:
    async with db.session() as s:
        await make_user(s, Role.KOORDINATOR, "36.01", telegram_id=8801, name="Dedi Koordinator")
        siti = await make_user(s, Role.PENDAMPING, "36.01.01", telegram_id=8802, name="Siti Pendamping")
        visited = await make_household(
            s,
            siti,
            members=[{"name": SUM, "age": 40}, {"name": CHILD, "age": 8, "school_level": SchoolLevel.SD}],
            address=ADDRESS,
        )
        overdue = await make_household(s, siti, members=[{"name": HYPERLINK, "age": 50}], address=DDE)
        referral = Referral(
            household_id=overdue.id,
            sector="kesehatan",
            need="Periksa tekanan darah",
            created_at=datetime(2026, 11, 20, 2, tzinfo=UTC),
            updated_at=datetime(2026, 11, 20, 2, tzinfo=UTC),
        )
        s.add(referral)
        await s.flush()
        return {"visited": visited.id, "overdue": overdue.id, "referral": referral.id}


@pytest.fixture
async def api(db: Database, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(WebContext(db=db, clock=clock, inbox=Inbox(db), webhook_secret="rahasia"))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://jsika.test") as client:
        yield client


async def _document(sandbox_client: SandboxClient, reply: Any) -> Any:
    document = next(m for m in reply.messages if m.get("document"))
    data = await sandbox_client.file(str(document["document"]["file_id"]))
    return load_workbook(io.BytesIO(data))


async def test_every_export_kind_shows_formula_like_text_as_text(
    person: PersonFactory,
    db: Database,
    world: dict[str, int],
    api: httpx.AsyncClient,
    clock: Clock,
    sandbox_client: SandboxClient,
) -> None:
    async with db.session() as s:
        _, key = await api_keys.create_key(
            s,
            name="Dinkes",
            sector="kesehatan",
            area="36.01",
            can_see_nik=False,
            rate_limit_per_minute=100,
            now=clock(),
        )
    patched = await api.patch(
        f"/api/v1/referrals/{world['referral']}",
        json={"status": "diterima", "note": OPD_NOTE},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert patched.status_code == 200, patched.text

    siti = await person(8802, "Siti")
    await siti.say("/lapor")
    for label in ("=1+1", "Hari ini", "Ya", "Semua memenuhi", "Lanjut", "Lanjut", "Alamat baru"):
        await siti.press(label)
    await siti.say(TYPED_ADDRESS)
    await siti.press("Selesai")
    await siti.press("Kesehatan")
    await siti.press("Seluruh keluarga")
    await siti.say(TYPED_NEED)
    await siti.press("Selesai")
    await siti.press("Tanpa foto: kamera")
    await siti.press("Tanpa lokasi: GPS")
    summary = await siti.press("Lewati")
    assert TYPED_NEED in summary.text and TYPED_ADDRESS in summary.text
    assert "Laporan terkirim" in (await siti.press("Kirim laporan")).text

    dedi = await person(8801, "Dedi")
    expected = {
        "kunjungan": {SUM},
        "komitmen": {SUM, CHILD},
        "tunggakan": {HYPERLINK, DDE},
        "rujukan": {HYPERLINK, SUM, OPD_NOTE, TYPED_NEED},
        "perubahan": {SUM, f"alamat: {TYPED_ADDRESS}"},
    }
    for kind, texts in expected.items():
        book = await _document(sandbox_client, await dedi.say(f"/ekspor {kind}"))
        cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
        formulas = [f"{c.parent.title}!{c.coordinate}={c.value}" for c in cells if c.data_type == "f"]
        assert formulas == [], kind
        shown = {c.value for c in cells}
        assert texts <= shown, (kind, texts - shown)
