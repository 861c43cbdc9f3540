"""The OPD API's JSON shapes: what ``/api/docs`` documents and what every response is validated against."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from models.queries.opd import HouseholdRow, MemberRow, ReferralRow, Stats

T = TypeVar("T")


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. invalid_key, rate_limited, area_out_of_scope")
    message: str = Field(description="What went wrong and what to do, in Indonesian (English with Accept-Language: en)")
    details: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class Area(BaseModel):
    code: str = Field(description="Kemendagri code, e.g. 36.01.01.2001")
    name: str


class TargetMember(BaseModel):
    """A target member. Fields marked with a sector are sent to that sector's keys only (data minimisation);
    the others are absent from the JSON, not null."""

    id: int = Field(description="Stable pseudonymous member id (derived from nothing personal): tells members apart")
    nik: str = Field(
        description="Full NIK only for keys allowed to see it; otherwise only the province and kabupaten digits: "
        "3601************"
    )
    name: str
    sex: Literal["L", "P"]
    birth_date: date | None = Field(description="Only for keys allowed to see the NIK; otherwise null")
    birth_month: str = Field(description="Year and month of birth, YYYY-MM")
    age_years: int = Field(
        description="Age in years; for keys without NIK visibility counted from the first of the birth month"
    )
    relation: str
    category: str = Field(description="usia_sekolah | ibu_hamil | balita | dirujuk")
    school_level: str | None = Field(None, description="pendidikan only. SD | SMP | SMA; null = not enrolled")
    school_name: str | None = Field(None, description="pendidikan only")
    pregnancy_edd: date | None = Field(None, description="kesehatan only. Expected delivery date (HPL)")
    severe_disability: bool | None = Field(None, description="kesehatan only")

    @classmethod
    def of(cls, row: MemberRow) -> TargetMember:
        return cls(
            id=row.id,
            nik=row.nik,
            name=row.name,
            sex=row.sex,
            birth_date=row.birth_date,
            birth_month=row.birth_month,
            age_years=row.age_years,
            relation=row.relation,
            category=row.category,
            **row.sector_fields,  # only what ``SECTOR_FIELDS`` gives the key's sector is ever set
        )


class MemberOut(TargetMember):
    household_id: int
    desa: Area

    @classmethod
    def of_row(cls, row: MemberRow) -> MemberOut:
        base = TargetMember.of(row).model_dump(exclude_unset=True)
        return cls(**base, household_id=row.household_id, desa=Area(code=row.desa_code, name=row.desa_name))


class HouseholdOut(BaseModel):
    id: int
    programme: str
    kk: str = Field(description="Nomor KK; masked unless the key may see full numbers")
    head_name: str
    address: str
    desa: Area
    status: str
    phone: str | None
    targets: list[TargetMember] = Field(description="The household's members that are this sector's targets")

    @classmethod
    def of(cls, row: HouseholdRow) -> HouseholdOut:
        return cls(
            id=row.id,
            programme=row.programme,
            kk=row.kk,
            head_name=row.head_name,
            address=row.address,
            desa=Area(code=row.desa_code, name=row.desa_name),
            status=row.status,
            phone=row.phone,
            targets=[TargetMember.of(m) for m in row.targets],
        )


class ReferredMember(BaseModel):
    id: int
    name: str | None
    nik: str | None


class ReferralOut(BaseModel):
    id: int
    household_id: int
    head_name: str
    desa: Area
    member: ReferredMember | None
    need: str
    status: Literal["baru", "diterima", "ditangani"]
    note: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: ReferralRow) -> ReferralOut:
        member = None
        if row.member_id is not None:
            member = ReferredMember(id=row.member_id, name=row.member_name, nik=row.member_nik)
        return cls(
            id=row.id,
            household_id=row.household_id,
            head_name=row.head_name,
            desa=Area(code=row.desa_code, name=row.desa_name),
            member=member,
            need=row.need,
            status=row.status,
            note=row.status_note,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class ReferralUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["diterima", "ditangani"] = Field(description="diterima (accepted) or ditangani (handled)")
    note: str | None = Field(None, max_length=1000, description="What the agency did or will do")


class Page(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page")
    limit: int


class AreaCountOut(BaseModel):
    code: str
    name: str
    households: int


class StatsOut(BaseModel):
    sector: str
    area: str
    households: int = Field(description="Active households with at least one target member")
    members: dict[str, int] = Field(description="Target members per category")
    referrals: dict[str, int] = Field(description="Referrals of the sector per status")
    by_area: list[AreaCountOut] = Field(description="Households per region one level below the area")

    @classmethod
    def of(cls, stats: Stats) -> StatsOut:
        return cls(
            sector=stats.sector,
            area=stats.area_code,
            households=stats.households,
            members=stats.members,
            referrals=stats.referrals,
            by_area=[AreaCountOut(code=a.code, name=a.name, households=a.households) for a in stats.by_area],
        )


class KeyInfo(BaseModel):
    name: str
    sector: str
    area: str
    nik_visible: bool
    rate_limit_per_minute: int
    categories: list[str]
