"""What an OPD key without NIK permission can work out, and what each sector may receive (issue 17, items 2 and 6).

The attack is the one the security test ran: NIK = the desa's kecamatan digits + DDMMYY of the birth date (day + 40
for women) + the serial read from the masked NIK's tail. It must rebuild no member's NIK from anything the API
returns — members, households' targets, referrals."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from models.db import Database
from tests.web.conftest import World, auth, new_key

SECTORS = ("pendidikan", "kesehatan", "umkm")
# Health data (UU PDP: specific personal data) and school data, by the sector that alone may receive it.
SPECIAL_FIELDS = {
    "kesehatan": {"pregnancy_edd", "severe_disability"},
    "pendidikan": {"school_level", "school_name"},
    "umkm": set(),
}


def rebuild(member: dict[str, Any], desa_code: str) -> str | None:
    """The NIK as the attacker would rebuild it, or None when the answer lacks what the attack needs."""
    born, nik = member.get("birth_date"), member.get("nik") or ""
    tail = nik[-4:]
    if not born or not tail.isdigit():
        return None
    year, month, day = born.split("-")
    day_digits = int(day) + (40 if member.get("sex") == "P" else 0)
    return "".join(desa_code.split(".")[:3]) + f"{day_digits:02d}{month}{year[2:]}" + tail


async def _everything(client: httpx.AsyncClient, key: str) -> list[tuple[dict[str, Any], str]]:
    """Every member the key is shown, each with the desa code it is shown with."""
    found: list[tuple[dict[str, Any], str]] = []
    members = (await client.get("/api/v1/members", params={"limit": 500}, headers=auth(key))).json()["data"]
    found += [(m, m["desa"]["code"]) for m in members]
    households = (await client.get("/api/v1/households", params={"limit": 500}, headers=auth(key))).json()["data"]
    found += [(t, h["desa"]["code"]) for h in households for t in h["targets"]]
    referrals = (await client.get("/api/v1/referrals", params={"limit": 500}, headers=auth(key))).json()["data"]
    found += [(r["member"], r["desa"]["code"]) for r in referrals if r["member"]]
    return found


@pytest.mark.parametrize("sector", SECTORS)
async def test_a_masked_nik_cannot_be_rebuilt_from_what_the_api_returns(
    client: httpx.AsyncClient, db: Database, world: World, sector: str
) -> None:
    _, key = await new_key(db, sector, area="36")
    shown = await _everything(client, key)
    assert shown, "the key must see some members for the attack to mean anything"
    real = set(world.niks.values())
    rebuilt = [rebuild(member, desa) for member, desa in shown]
    assert [nik for nik in rebuilt if nik in real] == []
    for member, _ in shown:
        assert member["nik"] is None or member["nik"][4:] == "*" * 12
    for path in ("/api/v1/members", "/api/v1/households", "/api/v1/referrals"):
        text = (await client.get(path, headers=auth(key))).text
        assert not any(nik in text or nik[6:12] in text for nik in real), path  # neither NIK nor its DDMMYY

    # the same attack against a key allowed to see NIKs finds them, so the attack itself is sound
    _, full = await new_key(db, sector, area="36", nik=True)
    assert all(rebuild(m, desa) == m["nik"] for m, desa in await _everything(client, full) if "birth_date" in m)


async def test_without_nik_permission_a_member_has_birth_month_and_age_not_the_birth_date(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    _, key = await new_key(db, "kesehatan", area="36")
    _, full = await new_key(db, "kesehatan", area="36", nik=True)
    masked = (await client.get("/api/v1/members", headers=auth(key))).json()["data"]
    whole = {m["id"]: m for m in (await client.get("/api/v1/members", headers=auth(full))).json()["data"]}
    for member in masked:
        assert member["birth_date"] is None
        assert member["birth_month"] == whole[member["id"]]["birth_date"][:7]
        assert abs(member["age_years"] - whole[member["id"]]["age_years"]) <= 1


@pytest.mark.parametrize("sector", SECTORS)
async def test_each_sector_receives_its_own_fields_and_never_another_sectors(
    client: httpx.AsyncClient, db: Database, world: World, sector: str
) -> None:
    _, key = await new_key(db, sector, area="36", nik=True)
    shown = await _everything(client, key)
    members = [m for m, _ in shown if "category" in m]  # referrals name a member without its details
    assert members
    others = set().union(*(fields for other, fields in SPECIAL_FIELDS.items() if other != sector))
    for member in members:
        assert not others & member.keys(), (sector, others & member.keys())
        assert SPECIAL_FIELDS[sector] <= member.keys()
    text = "".join([(await client.get(p, headers=auth(key))).text for p in ("/api/v1/members", "/api/v1/households")])
    assert not any(f'"{field}"' in text for field in others)
