"""How a verified data change (pemutakhiran data) changes the registry: one function per change kind.

The visit form records changes as ``DataChange`` rows with the values the pendamping typed (``new_value``, keys as
in ``handlers/report/convert.py``: ``nama``, ``jenis_kelamin``, ``tanggal_lahir``, ``nik``, ``telepon``,
``alamat``, ``hpl``, ``jenjang``). Each applier checks what it needs and raises ``ValueError`` with a sentence for
the koordinator when the change cannot be applied as given (a newborn without an NIK yet, an invalid phone): the
change then stays "diajukan" instead of being half-applied. ``models.review`` runs them in a savepoint and writes
the audit rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import data_issues
from models.tables import DataChange, Household, Member, MemberStatus, Relation, SchoolLevel, Sex
from models.validate import decode_nik, normalize_phone, parse_date, validate_nik

Effect = tuple[str, str, dict[str, Any], dict[str, Any]]
"""(entity, entity id, before, after) — what the audit row records."""


def _value(values: Mapping[str, Any], *keys: str) -> str | None:
    for key in (*keys, "value", "nilai"):
        raw = values.get(key)
        if raw not in (None, ""):
            return str(raw).strip()
    return None


def _date(values: Mapping[str, Any], *keys: str, latest: date | None = None) -> date:
    raw = _value(values, *keys)
    checked = parse_date(raw, latest=latest) if raw else None
    if checked is None or not checked.ok or checked.value is None:
        raise ValueError("tanggal tidak ada atau tidak valid")
    return checked.value


class Apply:
    """Each kind's effect on the registry; returns (entity, entity id, before, after) for the audit row."""

    def __init__(self, session: AsyncSession, change: DataChange, today: date) -> None:
        self.session, self.change, self.values, self.today = session, change, change.new_value or {}, today

    async def member(self) -> Member:
        member = await self.session.get(Member, self.change.member_id) if self.change.member_id else None
        if member is None or member.household_id != self.change.household_id:
            raise ValueError("anggota keluarga tidak ditemukan")
        return member

    async def household(self) -> Household:
        household = await self.session.get(Household, self.change.household_id)
        assert household is not None  # the foreign key and the scope query guarantee it
        return household

    async def member_status(self, status: MemberStatus) -> Effect:
        member = await self.member()
        before = {"status": member.status.value}
        member.status = status
        return "member", str(member.id), before, {"status": status.value}

    async def died(self) -> Effect:
        return await self.member_status(MemberStatus.MENINGGAL)

    async def moved_out(self) -> Effect:
        return await self.member_status(MemberStatus.PINDAH)

    async def new_member(self) -> Effect:
        """A birth or a person moving in. The registry needs an NIK; sex and birth date may come from it."""
        name = _value(self.values, "nama", "name")
        nik = validate_nik(_value(self.values, "nik") or "", today=self.today)
        if not nik.ok or nik.value is None:
            raise ValueError("NIK anggota baru belum ada atau tidak valid")
        decoded = decode_nik(nik.value, self.today)
        sex = (_value(self.values, "jenis_kelamin", "kelamin", "sex") or (decoded.sex if decoded else "")).upper()[:1]
        if _value(self.values, "tanggal_lahir", "birth_date"):
            birth = _date(self.values, "tanggal_lahir", "birth_date", latest=self.today)
        elif decoded is not None:
            birth = decoded.birth_date
        else:
            raise ValueError("tanggal lahir anggota baru tidak ada")
        if not name or sex not in ("L", "P"):
            raise ValueError("nama atau jenis kelamin anggota baru belum lengkap")
        if await self.session.scalar(select(Member.id).where(Member.nik == nik.value)) is not None:
            raise ValueError("NIK anggota baru sudah terdaftar")
        # A move-in proposed in the chat carries its relationship to the head (asked since the form had the
        # question); one proposed before that has none and is added as "famili lain" until a re-import sets it.
        relation = _value(self.values, "hubungan", "relation") or (
            Relation.ANAK.value if self.change.kind == "kelahiran" else Relation.FAMILI_LAIN.value
        )
        if relation == Relation.KEPALA.value:
            raise ValueError("anggota baru tidak bisa menjadi kepala keluarga kedua")
        member = Member(
            household_id=self.change.household_id,
            nik=nik.value,
            name=name,
            relation=Relation(relation) if relation in {r.value for r in Relation} else Relation.LAINNYA,
            sex=Sex(sex),
            birth_date=birth,
        )
        self.session.add(member)
        await self.session.flush()
        after: dict[str, Any] = {
            "nik": member.nik,
            "name": name,
            "sex": sex,
            "birth_date": birth.isoformat(),
            "relation": relation,
        }
        household = await self.household()
        if household.data_issues:  # the member the import held out, now verified: the flag shrinks or clears
            left = data_issues.settle(household.data_issues, nik=nik.value, name=name)
            if left != household.data_issues:
                household.data_issues = left
                after["data_perlu_diperbaiki"] = left is not None
        return "member", str(member.id), {}, after

    async def phone(self) -> Effect:
        checked = normalize_phone(_value(self.values, "telepon", "phone") or "")
        if not checked.ok or not checked.value:
            raise ValueError("nomor telepon tidak valid")
        household = await self.household()
        before = {"phone": household.phone}
        household.phone = checked.value
        return "household", str(household.id), before, {"phone": checked.value}

    async def address(self) -> Effect:
        text = _value(self.values, "alamat", "address")
        if not text:
            raise ValueError("alamat baru kosong")
        household = await self.household()
        before = {"address": household.address}
        household.address = text[:255]
        return "household", str(household.id), before, {"address": household.address}

    async def pregnancy(self) -> Effect:
        member = await self.member()
        edd = _date(self.values, "hpl", "pregnancy_edd", "tanggal")
        before = {"pregnancy_edd": member.pregnancy_edd.isoformat() if member.pregnancy_edd else None}
        member.pregnancy_edd = edd
        return "member", str(member.id), before, {"pregnancy_edd": edd.isoformat()}

    async def school(self) -> Effect:
        member = await self.member()
        level = (_value(self.values, "jenjang", "school_level") or "").upper()
        if level not in {s.value for s in SchoolLevel} and level != "TIDAK_SEKOLAH":
            raise ValueError("jenjang sekolah tidak dikenal")
        before = {"school_level": member.school_level.value if member.school_level else None}
        member.school_level = SchoolLevel(level) if level != "TIDAK_SEKOLAH" else None
        school_name = _value(self.values, "sekolah", "school_name")
        if school_name and member.school_level is not None:
            member.school_name = school_name[:120]
        return "member", str(member.id), before, {"school_level": member.school_level and member.school_level.value}

    async def wish_to_leave(self) -> Effect:
        """Graduasi mandiri: nothing changes yet — it makes the household a graduation candidate."""
        return "household", str(self.change.household_id), {}, {"graduasi_mandiri": True}


APPLIERS: dict[str, Callable[[Apply], Awaitable[Effect]]] = {
    "kematian": Apply.died,
    "pindah_keluar": Apply.moved_out,
    "kelahiran": Apply.new_member,
    "pindah_masuk": Apply.new_member,
    "telepon_baru": Apply.phone,
    "alamat_baru": Apply.address,
    "kehamilan": Apply.pregnancy,
    "jenjang_sekolah": Apply.school,
    "graduasi_mandiri": Apply.wish_to_leave,
}
