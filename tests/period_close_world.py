"""A small, hand-computed Banten for the period-close tests (issue 21): every verdict below is derived by hand.

Period under test: October 2026. Its deadline is the 5th working day of November (Friday 6 November) for
JAMSOSRATU and the 3rd (Wednesday 4 November) for JSCM, so the close opens on Saturday 7 November.

Lebak (36.02), desa Cilangkahan 36.02.01.2002, pendamping Siti:
  layak     report met, October                                   → layak_salur / terverifikasi
  tingkat3  Rizky: pendidikan not met Aug, Sep, Oct (level 3)     → direkomendasikan_ditangguhkan (Rizky, pendidikan)
  tingkat2  Nanda: pendidikan met Aug, not met Sep, Oct (level 2) → layak_salur / terverifikasi
  kosong    no report in October                                 → belum_terverifikasi / tanpa_laporan
  absen     one report, family not met                            → belum_terverifikasi / keluarga_tidak_ditemui
  telat     late report (submitted 12 Nov), menunggu              → belum_terverifikasi / laporan_belum_disetujui
  wisuda    graduated 15 October (confirmed), report met          → layak_salur (active during the period)
  lulus     graduated 20 September (confirmed)                    → not listed
  keluar    status keluar                                         → not listed
Tangerang (36.03), desa Cangkudu 36.03.01.2003, pendamping Rudi:
  tangerang report met                                            → layak_salur
Cilegon (36.72), desa Cibeber 36.72.01.1001, programme JSCM, pendamping Rina:
  cilegon   no report                                             → belum_terverifikasi; paid unless JSCM holds
Lebak: 7 listed — 3 layak salur, 1 recommendation, 3 belum terverifikasi. Province: 9 listed, 4 layak salur.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from models.db import Database
from models.period import Period
from models.tables import (
    CheckResult,
    GraduationProposal,
    Household,
    HouseholdStatus,
    ProposalStatus,
    Relation,
    ReviewStatus,
    Role,
    SchoolLevel,
    Sex,
    User,
)
from tests.factories import make_household, make_visit, members_of
from tests.worlds import SUPERVISORS, World, add_people
from tests.worlds import actor as actor  # the tests take it from their world

OCT = Period(2026, 10)
SEP, AUG = OCT.previous(), OCT.previous().previous()
CLOSED = datetime(2026, 11, 9, 3, 0, tzinfo=UTC)  # Monday after the close, 10:00 in Jakarta
LEBAK_DESA, TANGERANG_DESA, CILEGON_DESA = "36.02.01.2002", "36.03.01.2003", "36.72.01.1001"
PHONES = {
    "admin": "+6281100002101",
    "dedi": "+6281100002102",
    "joko": "+6281100002103",
    "rina_k": "+6281100002104",
    "siti": "+6281100002105",
    "rudi": "+6281100002106",
    "rina": "+6281100002107",
}


def _family(child: str) -> list[dict[str, object]]:
    return [
        {"name": "Kepala " + child, "relation": Relation.KEPALA, "sex": Sex.L, "age": 44},
        {"name": "Ibu " + child, "relation": Relation.ISTRI, "sex": Sex.P, "age": 39},
        {"name": child, "relation": Relation.ANAK, "sex": Sex.L, "age": 10, "school_level": SchoolLevel.SD},
    ]


async def build(db: Database) -> World:
    world = World()
    async with db.session() as s:
        people = [
            *SUPERVISORS,
            ("rina_k", "Bu Rina", Role.KOORDINATOR, "36.72"),
            ("siti", "Siti Aminah", Role.PENDAMPING, "36.02.01"),
            ("rudi", "Rudi Hartono", Role.PENDAMPING, "36.03.01"),
            ("rina", "Rina Marlina", Role.PENDAMPING, "36.72.01"),
        ]
        await add_people(s, world, people, PHONES)
        who = {key: await s.get(User, world.users[key]) for key in ("siti", "rudi", "rina")}

        async def household(key: str, desa: str, pendamping: str, **extra: object) -> Household:
            made = await make_household(s, who[pendamping], desa, _family(key.title()), **extra)  # type: ignore[arg-type]
            world.households[key] = made.id
            world.members[key] = (await members_of(s, made))[2].id
            return made

        def on(period: Period) -> date:
            return period.start.replace(day=14)

        layak = await household("layak", LEBAK_DESA, "siti")
        await make_visit(s, layak, period=OCT, visited_on=on(OCT), review_status=ReviewStatus.APPROVED)
        for key, results in (
            ("tingkat3", [CheckResult.NOT_MET] * 3),
            ("tingkat2", [CheckResult.MET, CheckResult.NOT_MET, CheckResult.NOT_MET]),
        ):
            made = await household(key, LEBAK_DESA, "siti")
            child = (await members_of(s, made))[2]
            for period, result in zip((AUG, SEP, OCT), results, strict=True):
                await make_visit(
                    s, made, period=period, visited_on=on(period), checks=[(child, "pendidikan_kehadiran", result)]
                )
        await household("kosong", LEBAK_DESA, "siti")
        absen = await household("absen", LEBAK_DESA, "siti")
        await make_visit(s, absen, period=OCT, visited_on=on(OCT), met=False)
        telat = await household("telat", LEBAK_DESA, "siti")
        await make_visit(
            s,
            telat,
            period=OCT,
            visited_on=date(2026, 10, 30),
            late=True,
            submitted_at=datetime(2026, 11, 12, 2, 0, tzinfo=UTC),
        )
        for key, decided in (("wisuda", datetime(2026, 10, 15, 3, 0, tzinfo=UTC)),
                             ("lulus", datetime(2026, 9, 20, 3, 0, tzinfo=UTC))):  # fmt: skip
            made = await household(key, LEBAK_DESA, "siti", status=HouseholdStatus.GRADUASI)
            if key == "wisuda":
                await make_visit(s, made, period=OCT, visited_on=date(2026, 10, 5))
            s.add(
                GraduationProposal(
                    household_id=made.id,
                    reasons=["mandiri"],
                    status=ProposalStatus.CONFIRMED,
                    proposed_by=world.users["dedi"],
                    proposed_at=decided,
                    decided_by=world.users["admin"],
                    decided_at=decided,
                )
            )
        await household("keluar", LEBAK_DESA, "siti", status=HouseholdStatus.KELUAR)
        tangerang = await household("tangerang", TANGERANG_DESA, "rudi")
        await make_visit(s, tangerang, period=OCT, visited_on=on(OCT))
        await household("cilegon", CILEGON_DESA, "rina", programme="JSCM")
    return world
