"""The OPD API shows each agency its own sector in its own area, and nothing else."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from bot.web.throttle import MAX_FAILURES as THROTTLE_MAX
from bot.web.throttle import WINDOW as THROTTLE_WINDOW
from models import api_keys, opd_stats
from models.db import Database
from models.queries.opd import years_before
from models.tables import ApiKeyUsage, Audit, Member, Referral, ReferralStatus
from tests.web.conftest import NOW, TODAY, FixedClock, World, auth, new_key


async def test_pendidikan_key_sees_school_age_children_of_its_area_only(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    _, key = await new_key(db, "pendidikan", area="36.01")
    response = await client.get("/api/v1/members", headers=auth(key))
    assert response.status_code == 200, response.text
    ids = {m["id"] for m in response.json()["data"]}
    assert ids == {world.members["putus_sekolah_pandeglang"], world.members["bersekolah_pandeglang"]}
    assert {m["category"] for m in response.json()["data"]} == {"usia_sekolah"}

    out_of_school = await client.get("/api/v1/members", params={"in_school": "false"}, headers=auth(key))
    assert [m["id"] for m in out_of_school.json()["data"]] == [world.members["putus_sekolah_pandeglang"]]

    households = await client.get("/api/v1/households", headers=auth(key))
    assert [h["id"] for h in households.json()["data"]] == [world.households["pandeglang"]]
    targets = households.json()["data"][0]["targets"]
    assert {t["id"] for t in targets} == ids


async def test_kesehatan_key_sees_pregnant_women_and_balita(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    _, key = await new_key(db, "kesehatan", area="36")
    data = (await client.get("/api/v1/members", headers=auth(key))).json()["data"]
    by_category = {(m["category"], m["id"]) for m in data}
    assert by_category == {
        ("ibu_hamil", world.members["hamil_pandeglang"]),
        ("balita", world.members["balita_pandeglang"]),
        ("ibu_hamil", world.members["hamil_lebak"]),
        ("balita", world.members["balita_lebak"]),
    }
    pregnant = (await client.get("/api/v1/members", params={"category": "ibu_hamil"}, headers=auth(key))).json()
    assert {m["id"] for m in pregnant["data"]} == {world.members["hamil_pandeglang"], world.members["hamil_lebak"]}

    wrong = await client.get("/api/v1/members", params={"category": "usia_sekolah"}, headers=auth(key))
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "invalid_category"
    assert "ibu_hamil" in wrong.json()["error"]["message"]


async def test_umkm_key_sees_referred_households_and_their_head(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    _, key = await new_key(db, "umkm", area="36.02")
    households = (await client.get("/api/v1/households", headers=auth(key))).json()["data"]
    assert [h["id"] for h in households] == [world.households["lebak"]]
    assert [t["name"] for t in households[0]["targets"]] == ["Kepala lebak"]
    referrals = (await client.get("/api/v1/referrals", headers=auth(key))).json()["data"]
    assert [r["id"] for r in referrals] == [world.referrals["umkm_lebak"]]


async def test_an_area_outside_the_key_is_refused_and_a_sub_area_narrows(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    _, key = await new_key(db, "pendidikan", area="36.01")
    outside = await client.get("/api/v1/members", params={"area": "36.02"}, headers=auth(key))
    assert outside.status_code == 403
    assert outside.json()["error"]["code"] == "area_out_of_scope"

    inside = await client.get("/api/v1/members", params={"area": "360102"}, headers=auth(key))
    assert inside.status_code == 200
    assert len(inside.json()["data"]) == 2
    elsewhere = await client.get("/api/v1/members", params={"area": "36.01.01"}, headers=auth(key))
    assert elsewhere.json()["data"] == []
    one_desa = await client.get("/api/v1/members", params={"area": "3601022001"}, headers=auth(key))
    assert len(one_desa.json()["data"]) == 2

    other_area_referral = world.referrals["pendidikan_lebak"]
    assert (await client.get(f"/api/v1/referrals/{other_area_referral}", headers=auth(key))).status_code == 404
    other_sector_referral = world.referrals["kesehatan_pandeglang"]
    assert (await client.get(f"/api/v1/referrals/{other_sector_referral}", headers=auth(key))).status_code == 404


async def test_nik_is_masked_unless_the_key_may_see_it(client: httpx.AsyncClient, db: Database, world: World) -> None:
    _, masked_key = await new_key(db, "pendidikan", area="36.01")
    _, full_key = await new_key(db, "pendidikan", area="36.01", nik=True)
    real = world.niks["putus_sekolah_pandeglang"]
    params = {"in_school": "false"}

    masked = (await client.get("/api/v1/members", params=params, headers=auth(masked_key))).json()["data"][0]
    assert masked["nik"] == real[:4] + "*" * 12  # province and kabupaten only: the desa tells as much
    assert masked["birth_date"] is None
    assert real not in (await client.get("/api/v1/households", headers=auth(masked_key))).text
    assert real not in (await client.get("/api/v1/referrals", headers=auth(masked_key))).text

    full = (await client.get("/api/v1/members", params=params, headers=auth(full_key))).json()["data"][0]
    assert full["nik"] == real
    referral = (await client.get("/api/v1/referrals", headers=auth(full_key))).json()["data"][0]
    assert referral["member"]["nik"] == real


async def test_pages_walk_every_row_exactly_once(client: httpx.AsyncClient, db: Database, world: World) -> None:
    _, key = await new_key(db, "kesehatan", area="36")
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        body = (await client.get("/api/v1/members", params=params, headers=auth(key))).json()
        seen += [m["id"] for m in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 2
    assert len(seen) == len(set(seen)) == 4
    assert seen == sorted(seen)

    forged = await client.get("/api/v1/members", params={"cursor": "not-a-cursor"}, headers=auth(key))
    assert forged.status_code == 400
    assert forged.json()["error"]["code"] == "invalid_cursor"
    other_kind = body_cursor = (await client.get("/api/v1/households", params={"limit": 1}, headers=auth(key))).json()
    assert other_kind["next_cursor"] is not None
    mixed = await client.get("/api/v1/members", params={"cursor": body_cursor["next_cursor"]}, headers=auth(key))
    assert mixed.status_code == 400


async def test_missing_unknown_and_revoked_keys_get_401_json(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    key_id, key = await new_key(db, "pendidikan")
    missing = await client.get("/api/v1/households")
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "missing_key"
    unknown = await client.get("/api/v1/households", headers=auth("jsk_abcdefgh_" + "x" * 43))
    assert unknown.status_code == 401
    assert (await client.get("/api/v1/households", headers={"X-API-Key": key})).status_code == 200

    async with db.session() as s:
        assert await api_keys.revoke_key(s, str(key_id), NOW) is not None
    revoked = await client.get("/api/v1/households", headers=auth(key))
    assert revoked.status_code == 401
    assert revoked.json()["error"] == {"code": "invalid_key", "message": "Kunci API tidak valid atau sudah dicabut."}


async def test_a_key_over_its_rate_limit_gets_429_with_retry_after(
    client: httpx.AsyncClient, db: Database, world: World, clock: FixedClock
) -> None:
    key_id, key = await new_key(db, "pendidikan", rate_limit=3)
    statuses = [(await client.get("/api/v1/me", headers=auth(key))).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = await client.get("/api/v1/me", headers=auth(key))
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["error"]["code"] == "rate_limited"
    _, other = await new_key(db, "pendidikan", rate_limit=3)
    assert (await client.get("/api/v1/me", headers=auth(other))).status_code == 200  # limits are per key

    clock.now = NOW + timedelta(minutes=11)  # a new minute: the key may call again, and old counts are dropped
    assert (await client.get("/api/v1/me", headers=auth(key))).status_code == 200
    async with db.session() as s:
        windows = list(await s.scalars(select(ApiKeyUsage.window_start).where(ApiKeyUsage.api_key_id == key_id)))
    assert windows == [clock.now.replace(second=0, microsecond=0)]


async def test_referral_moves_forward_with_a_note_and_never_back(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    key_id, key = await new_key(db, "pendidikan", area="36.01")
    referral_id = world.referrals["pendidikan_pandeglang"]
    accepted = await client.patch(
        f"/api/v1/referrals/{referral_id}",
        json={"status": "diterima", "note": "Dijadwalkan kunjungan sekolah"},
        headers=auth(key),
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "diterima"
    assert accepted.json()["note"] == "Dijadwalkan kunjungan sekolah"

    handled = await client.patch(f"/api/v1/referrals/{referral_id}", json={"status": "ditangani"}, headers=auth(key))
    assert handled.json()["status"] == "ditangani"
    assert handled.json()["note"] == "Dijadwalkan kunjungan sekolah"
    back = await client.patch(f"/api/v1/referrals/{referral_id}", json={"status": "diterima"}, headers=auth(key))
    assert back.status_code == 409
    assert back.json()["error"]["code"] == "status_backwards"
    assert "ditangani" in back.json()["error"]["message"]
    to_new = await client.patch(f"/api/v1/referrals/{referral_id}", json={"status": "baru"}, headers=auth(key))
    assert to_new.status_code == 422

    other_sector = world.referrals["umkm_pandeglang"]
    refused = await client.patch(f"/api/v1/referrals/{other_sector}", json={"status": "diterima"}, headers=auth(key))
    assert refused.status_code == 404
    async with db.session() as s:
        untouched = await s.get(Referral, other_sector)
        assert untouched is not None and untouched.status is ReferralStatus.NEW
        changes = (
            await s.scalars(select(Audit).where(Audit.entity == "referral", Audit.entity_id == str(referral_id)))
        ).all()
    assert [(a.before, a.after) for a in changes] == [
        ({"status": "baru", "note": None}, {"status": "diterima", "note": "Dijadwalkan kunjungan sekolah"}),
        (
            {"status": "diterima", "note": "Dijadwalkan kunjungan sekolah"},
            {"status": "ditangani", "note": "Dijadwalkan kunjungan sekolah"},
        ),
    ]
    assert {a.actor_id for a in changes} == {str(key_id)}


async def test_every_call_with_a_valid_key_is_audited(client: httpx.AsyncClient, db: Database, world: World) -> None:
    key_id, key = await new_key(db, "pendidikan", area="36.01")
    await client.get("/api/v1/households", headers=auth(key))
    await client.get("/api/v1/members", params={"in_school": "false"}, headers=auth(key))
    await client.get("/api/v1/members", params={"area": "36.02"}, headers=auth(key))  # refused: still audited
    await client.get("/api/v1/stats", headers=auth(key))
    async with db.session() as s:
        rows = (
            await s.scalars(
                select(Audit).where(Audit.actor_type == "api_key", Audit.actor_id == str(key_id)).order_by(Audit.id)
            )
        ).all()
    assert [r.action for r in rows] == ["api.households", "api.members", "api.members", "api.stats"]
    assert "in_school=false" in (rows[1].detail or "") and "1 baris" in (rows[1].detail or "")
    assert "area_out_of_scope" in (rows[2].detail or "")


async def test_stats_count_the_sector_by_area(client: httpx.AsyncClient, db: Database, world: World) -> None:
    _, key = await new_key(db, "kesehatan", area="36")
    stats = (await client.get("/api/v1/stats", headers=auth(key))).json()
    assert stats["households"] == 2
    assert stats["members"] == {"ibu_hamil": 2, "balita": 2}
    assert stats["referrals"] == {"baru": 2, "diterima": 0, "ditangani": 0}
    assert [(a["code"], a["households"]) for a in stats["by_area"]] == [("36.01", 1), ("36.02", 1)]
    assert stats["by_area"][0]["name"] == "Kabupaten Pandeglang"


async def test_stats_from_the_refreshed_rollup_are_exact_and_see_a_write_at_once(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    _, key = await new_key(db, "kesehatan", area="36")
    plain = (await client.get("/api/v1/stats", headers=auth(key))).json()  # nothing counted yet: base tables
    async with db.session() as s:
        await opd_stats.refresh(s, today=TODAY, now=NOW)
        assert await opd_stats.rollup_day(s) == TODAY
    assert (await client.get("/api/v1/stats", headers=auth(key))).json() == plain
    async with db.session() as s:  # Lebak's balita turns out to be six: gone from the figures right away
        await s.execute(update(Member).where(Member.id == world.members["balita_lebak"]).values(age_six()))
    stats = (await client.get("/api/v1/stats", headers=auth(key))).json()
    assert stats["members"] == {"ibu_hamil": 2, "balita": 1}
    assert stats["by_area"] == plain["by_area"]  # the household still has a pregnant member
    kabupaten = (await client.get("/api/v1/stats", params={"area": "36.02"}, headers=auth(key))).json()
    assert kabupaten["members"] == {"ibu_hamil": 1, "balita": 0}


def age_six() -> dict[str, date]:
    return {"birth_date": years_before(TODAY, 6)}


async def test_errors_are_json_with_a_message_in_the_asked_language(client: httpx.AsyncClient, db: Database) -> None:
    _, key = await new_key(db, "pendidikan")
    unknown = await client.get("/api/v1/nothing-here", headers=auth(key))
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    bad = await client.get("/api/v1/members", params={"limit": "lots"}, headers=auth(key))
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "query.limit"
    assert "Traceback" not in bad.text
    wrong_method = await client.delete("/api/v1/members", headers=auth(key))
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"


async def test_refusals_after_authentication_are_audited_too(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    """429, a bad cursor (400), bad parameters and a bad body (422), an oversized body (413): each leaves a row."""
    key_id, key = await new_key(db, "pendidikan", area="36.01", rate_limit=5)
    referral = world.referrals["pendidikan_pandeglang"]
    answers = [
        await client.get("/api/v1/members", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=auth(key)),
        await client.get("/api/v1/members", params={"limit": "0"}, headers=auth(key)),
        await client.patch(f"/api/v1/referrals/{referral}", json={"status": "mundur"}, headers=auth(key)),
        await client.patch(f"/api/v1/referrals/{referral}", content=b"{" + b" " * 70_000 + b"}", headers=auth(key)),
    ]
    answers += [await client.get("/api/v1/me", headers=auth(key)) for _ in range(2)]
    assert [a.status_code for a in answers] == [400, 422, 422, 413, 200, 429]
    await client.get("/api/v1/me", headers={"Authorization": "Bearer jsk_bogus_key"})  # no key: nobody to audit
    async with db.session() as s:
        rows = (
            await s.scalars(
                select(Audit).where(Audit.actor_type == "api_key", Audit.actor_id == str(key_id)).order_by(Audit.id)
            )
        ).all()
        anonymous = (
            await s.scalars(select(Audit).where(Audit.actor_type == "api_key", Audit.actor_id != str(key_id)))
        ).all()
    details = [r.detail or "" for r in rows]
    assert [r.action for r in rows] == [
        "api.refused",
        "api.refused",
        "api.refused",
        "api.refused",
        "api.me",
        "api.refused",
    ]
    assert "400 invalid_cursor" in details[0] and "cursor=" in details[0]
    assert "422 invalid_request" in details[1] and "limit=0" in details[1]
    assert "422 invalid_request" in details[2] and f"PATCH /api/v1/referrals/{referral}" in details[2]
    assert "413 body_too_large" in details[3]
    assert "429 rate_limited" in details[5]
    assert anonymous == []


async def test_repeated_invalid_keys_from_one_address_are_throttled(
    app: FastAPI, db: Database, clock: FixedClock, world: World
) -> None:
    _, key = await new_key(db, "pendidikan")

    def client_at(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://jsika.test")

    async with client_at("203.0.113.7") as prober, client_at("198.51.100.2") as agency:
        guesses = [await prober.get("/api/v1/me", headers=auth(f"jsk_guess{i:03d}_x")) for i in range(THROTTLE_MAX)]
        assert {g.status_code for g in guesses} == {401}
        refused = await prober.get("/api/v1/me", headers=auth(key))  # even a good key: no lookups from here now
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "invalid_keys_throttled"
        assert 0 < int(refused.headers["Retry-After"]) <= 600
        assert (await agency.get("/api/v1/me", headers=auth(key))).status_code == 200  # other addresses unaffected
        clock.now += THROTTLE_WINDOW
        assert (await prober.get("/api/v1/me", headers=auth(key))).status_code == 200
