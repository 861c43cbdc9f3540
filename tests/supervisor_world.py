"""A small, hand-counted Banten for the supervisor tests (issue 8): every expected number is derived below.

Period under test: November 2026 (the e2e clock stands on Tuesday 24 November 2026). Periods September–November.

Households (JAMSOSRATU)                         visits (period: deprivation score)   pendamping
  H1 Hidayat   Muncang    36.02.05.2005         09: 2   10: 3   11: 2 (menunggu)     Siti
  H2 Hermawan  Muncang    36.02.05.2005         09: 5   10: 5 (submitted 9 Nov: late) Siti
  H3 Juhana    Pasireurih 36.02.05.2003         09: 4                                Siti
  H4 Sukma     Cikulur    36.02.17.2007         09: 6   10: 6   11: 7 (menunggu)     Dewi
  H5 Rohman    Cikulur    36.02.17.2007         —                                    Dewi
  H6 Suryadi   Cangkudu   36.03.01.2003 (Tang.) 09: 3   10: 3   11: 3 (menunggu)     Rudi
  H7 Karta     Muncang    36.02.05.2005  status graduasi (never counted)             Siti

Lebak, November: 5 households; visited 2 (H1, H4) = 40 %; not visited 3 (H2, H3, H5); overdue 2+ periods 2
(H3 last seen in September, H5 never). Kecamatan Muncang 3/1/1, Cikulur 2/1/1. Province: 6 / 3 / 2.
Lebak, October: visited 3 (H1, H2, H4); overdue 1 (H5).

Commitment checks, November, Lebak: pendidikan_kehadiran Rizky (H1) tidak memenuhi — also in Sep and Oct → level 3;
balita_penimbangan Putri (H1) memenuhi, Dodi (H4) tidak memenuhi — also Oct (Sep met) → level 2;
balita_imunisasi Dodi tidak memenuhi (Oct met) → level 1. Tangerang: pendidikan_kehadiran Bayu (H6) → level 1.

Referrals: H1's opened 10 Nov (baru); H4's opened 5 Oct and closed 12 Nov → Lebak November: opened 1, closed 1.
Data changes pending: H1 telepon_baru (Nov visit), H2 graduasi_mandiri (Oct visit) → 2. Awaiting review Nov: 2.
Graduation candidates, Lebak: H1 (skor_rendah: 3 and 2), H2 (mandiri), H5 (tanpa_komitmen: two adults).
Pendamping: Siti 3 households, Nov 1 (33,3 %), Oct 2; one late report (H2's October, 3 days after 6 Nov).
Dewi 2 households, Nov 1 (50 %), Oct 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from models.db import Database
from models.tables import (
    ChangeStatus,
    CheckResult,
    CommitmentCheck,
    DataChange,
    Household,
    HouseholdStatus,
    Member,
    Referral,
    ReferralStatus,
    Relation,
    ReviewStatus,
    Role,
    SchoolLevel,
    Sex,
    Visit,
)
from tests import worlds
from tests.worlds import actor as actor  # the tests take it from their world

JAKARTA = ZoneInfo("Asia/Jakarta")
MUNCANG, PASIREURIH, CIKULUR, CANGKUDU = "36.02.05.2005", "36.02.05.2003", "36.02.17.2007", "36.03.01.2003"

PHONES = {
    "admin": "081100000001",
    "dedi": "081100000002",  # koordinator Lebak
    "joko": "081100000003",  # koordinator Tangerang
    "siti": "081200000001",
    "dewi": "081200000002",
    "rudi": "081200000003",
}


@dataclass
class World(worlds.World):
    visits: dict[str, str] = field(default_factory=dict)
    changes: dict[str, int] = field(default_factory=dict)
    referrals: dict[str, int] = field(default_factory=dict)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=JAKARTA).astimezone(UTC)


async def build(db: Database) -> World:
    world = World()
    async with db.session() as s:
        people = [
            *worlds.SUPERVISORS,
            ("siti", "Siti Aminah", Role.PENDAMPING, "36.02.05"),
            ("dewi", "Dewi Lestari", Role.PENDAMPING, "36.02.17"),
            ("rudi", "Rudi Hartono", Role.PENDAMPING, "36.03.01"),
        ]
        await worlds.add_people(s, world, people, PHONES)
        u = world.users

        def household(key: str, head: str, kk: str, desa: str, who: str, status: HouseholdStatus) -> Household:
            row = Household(
                programme_code="JAMSOSRATU",
                kk=kk,
                head_name=head,
                address=f"Kp. {head} RT 001/RW 002",
                desa_code=desa,
                pendamping_id=u[who],
                status=status,
            )
            s.add(row)
            return row

        rows = {
            "h1": household("h1", "Hidayat", "3602051705800001", MUNCANG, "siti", HouseholdStatus.AKTIF),
            "h2": household("h2", "Hermawan", "3602051705800002", MUNCANG, "siti", HouseholdStatus.AKTIF),
            "h3": household("h3", "Juhana", "3602051705800003", PASIREURIH, "siti", HouseholdStatus.AKTIF),
            "h4": household("h4", "Sukma", "3602171705800004", CIKULUR, "dewi", HouseholdStatus.AKTIF),
            "h5": household("h5", "Rohman", "3602171705800005", CIKULUR, "dewi", HouseholdStatus.AKTIF),
            "h6": household("h6", "Suryadi", "3603011705800006", CANGKUDU, "rudi", HouseholdStatus.AKTIF),
            "h7": household("h7", "Karta", "3602051705800007", MUNCANG, "siti", HouseholdStatus.GRADUASI),
        }
        await s.flush()
        world.households = {k: v.id for k, v in rows.items()}
        h = world.households

        members: dict[str, Member] = {}

        def member(
            key: str, hh: str, name: str, nik: str, relation: Relation, sex: Sex, born: date, **extra: object
        ) -> None:
            row = Member(household_id=h[hh], nik=nik, name=name, relation=relation, sex=sex, birth_date=born, **extra)
            s.add(row)
            members[key] = row

        member("hidayat", "h1", "Hidayat", "3602051705800011", Relation.KEPALA, Sex.L, date(1980, 5, 17))
        member("rahma", "h1", "Siti Rahma", "3602055204850012", Relation.ISTRI, Sex.P, date(1985, 4, 12))
        member(
            "rizky",
            "h1",
            "Rizky",
            "3602051003170013",
            Relation.ANAK,
            Sex.L,
            date(2017, 3, 10),
            school_level=SchoolLevel.SD,
            school_name="SDN 1 Muncang",
        )
        member("putri", "h1", "Putri", "3602054105240014", Relation.ANAK, Sex.P, date(2024, 5, 1))
        member("hermawan", "h2", "Hermawan", "3602051203750021", Relation.KEPALA, Sex.L, date(1975, 3, 12))
        member("icih", "h2", "Mak Icih", "3602054506500022", Relation.ORANG_TUA, Sex.P, date(1950, 6, 5))
        member("juhana", "h3", "Juhana", "3602050101500031", Relation.KEPALA, Sex.L, date(1950, 1, 1))
        member("sukma", "h4", "Sukma", "3602171508900041", Relation.KEPALA, Sex.L, date(1990, 8, 15))
        member("dodi", "h4", "Dodi", "3602171501250042", Relation.ANAK, Sex.L, date(2025, 1, 15))
        member("rohman", "h5", "Rohman", "3602170202820051", Relation.KEPALA, Sex.L, date(1982, 2, 2))
        member("imas", "h5", "Imas", "3602174303840052", Relation.ISTRI, Sex.P, date(1984, 3, 3))
        member("suryadi", "h6", "Suryadi", "3603010707800061", Relation.KEPALA, Sex.L, date(1980, 7, 7))
        member(
            "bayu",
            "h6",
            "Bayu",
            "3603010909160062",
            Relation.ANAK,
            Sex.L,
            date(2016, 9, 9),
            school_level=SchoolLevel.SD,
        )
        member("karta", "h7", "Karta", "3602050303700071", Relation.KEPALA, Sex.L, date(1970, 3, 3))
        await s.flush()
        world.members = {k: v.id for k, v in members.items()}
        m = world.members

        def visit(
            key: str, hh: str, who: str, day: date, score: int, status: ReviewStatus, submitted: date | None = None
        ) -> None:
            visit_id = f"{key.replace('-', '')}{'0' * 32}"[:32]
            s.add(
                Visit(
                    id=visit_id,
                    household_id=h[hh],
                    pendamping_id=u[who],
                    period=f"{day:%Y-%m}",
                    visited_on=day,
                    submitted_at=at(submitted or day),
                    met=True,
                    condition={},
                    welfare={},
                    deprivation_score=score,
                    review_status=status,
                    latitude=-6.5,
                    longitude=106.2,
                )
            )
            world.visits[key] = visit_id

        approved, pending = ReviewStatus.APPROVED, ReviewStatus.PENDING
        visit("h1-09", "h1", "siti", date(2026, 9, 8), 2, approved)
        visit("h1-10", "h1", "siti", date(2026, 10, 7), 3, approved)
        visit("h1-11", "h1", "siti", date(2026, 11, 9), 2, pending)
        visit("h2-09", "h2", "siti", date(2026, 9, 9), 5, approved)
        visit("h2-10", "h2", "siti", date(2026, 10, 28), 5, approved, submitted=date(2026, 11, 9))
        visit("h3-09", "h3", "siti", date(2026, 9, 10), 4, approved)
        visit("h4-09", "h4", "dewi", date(2026, 9, 14), 6, approved)
        visit("h4-10", "h4", "dewi", date(2026, 10, 5), 6, approved)
        visit("h4-11", "h4", "dewi", date(2026, 11, 16), 7, pending)
        visit("h6-09", "h6", "rudi", date(2026, 9, 3), 3, approved)
        visit("h6-10", "h6", "rudi", date(2026, 10, 6), 3, approved)
        visit("h6-11", "h6", "rudi", date(2026, 11, 4), 3, pending)
        await s.flush()
        v = world.visits

        met, missed = CheckResult.MET, CheckResult.NOT_MET
        checks = [
            ("h1-09", "rizky", "pendidikan_kehadiran", missed),
            ("h1-10", "rizky", "pendidikan_kehadiran", missed),
            ("h1-11", "rizky", "pendidikan_kehadiran", missed),
            ("h1-10", "putri", "balita_penimbangan", met),
            ("h1-11", "putri", "balita_penimbangan", met),
            ("h2-10", "icih", "lansia_pemeriksaan", met),
            ("h4-09", "dodi", "balita_penimbangan", met),
            ("h4-10", "dodi", "balita_penimbangan", missed),
            ("h4-11", "dodi", "balita_penimbangan", missed),
            ("h4-10", "dodi", "balita_imunisasi", met),
            ("h4-11", "dodi", "balita_imunisasi", missed),
            ("h6-11", "bayu", "pendidikan_kehadiran", missed),
        ]
        for visit_key, who_key, commitment, result in checks:
            s.add(
                CommitmentCheck(
                    visit_id=v[visit_key],
                    member_id=m[who_key],
                    period=f"2026-{visit_key[-2:]}",
                    commitment=commitment,
                    result=result,
                    reason="sakit" if result is missed else None,
                )
            )

        phone = DataChange(
            visit_id=v["h1-11"],
            household_id=h["h1"],
            kind="telepon_baru",
            field="phone",
            old_value=None,
            new_value={"telepon": "081377778888"},
            status=ChangeStatus.PROPOSED,
            proposed_by=u["siti"],
            created_at=at(date(2026, 11, 9)),
        )
        leave = DataChange(
            visit_id=v["h2-10"],
            household_id=h["h2"],
            kind="graduasi_mandiri",
            field=None,
            old_value=None,
            new_value={},
            status=ChangeStatus.PROPOSED,
            proposed_by=u["siti"],
            created_at=at(date(2026, 10, 28)),
        )
        s.add_all([phone, leave])
        opened = Referral(
            household_id=h["h1"],
            member_id=m["rizky"],
            visit_id=v["h1-11"],
            sector="pendidikan",
            need="butuh seragam sekolah",
            status=ReferralStatus.NEW,
            created_at=at(date(2026, 11, 10)),
            updated_at=at(date(2026, 11, 10)),
        )
        closed = Referral(
            household_id=h["h4"],
            member_id=m["dodi"],
            visit_id=v["h4-10"],
            sector="kesehatan",
            need="gizi kurang",
            status=ReferralStatus.HANDLED,
            status_note="ditangani puskesmas",
            created_at=at(date(2026, 10, 5)),
            updated_at=at(date(2026, 11, 12)),
        )
        s.add_all([opened, closed])
        await s.flush()
        world.changes = {"phone": phone.id, "leave": leave.id}
        world.referrals = {"opened": opened.id, "closed": closed.id}
    return world
