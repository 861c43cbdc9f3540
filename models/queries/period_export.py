"""The disbursement list's rows: one per household with a verdict, in one statement streamed from the server.

The recipient is chosen in SQL from one grouped pass over the members (``recipients``): under ``recipient = "ibu"``
the female head, else the wife, else the head (as PKH pays); under ``"kepala"`` the head. A signed row shows its
latest adjustment (``period_adjustment``) as the verdict in force, with the change spelled out beside it.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import ColumnElement, Select, and_, case, false, func, literal, null, select
from sqlalchemy.orm import aliased

from models.period import Period
from models.scope import within_area
from models.tables import (
    Household,
    Member,
    MemberStatus,
    PeriodAdjustment,
    PeriodSignoff,
    PeriodVerdict,
    Region,
    Relation,
    Sex,
    User,
)

KEYS = ("programme", "kabupaten", "kecamatan", "desa", "kk", "penerima", "nik_penerima", "putusan", "alasan",
        "disalurkan", "jumlah", "diputuskan_oleh", "diputuskan_pada", "alasan_pembatalan", "penyesuaian",
        "ditandatangani")  # fmt: skip


def recipients(mother_programmes: frozenset[str]) -> Select:
    """household_id → the member the programme pays (see the module's docstring), active members only."""

    def first(*conditions: ColumnElement[bool]) -> ColumnElement[int]:
        return func.min(case((and_(*conditions), Member.id)))

    head = Member.relation == Relation.KEPALA
    female = Member.sex == Sex.P
    grouped = (
        select(
            Member.household_id.label("household_id"),
            Household.programme_code.label("programme_code"),
            first(head, female).label("female_head"),
            first(Member.relation == Relation.ISTRI, female).label("wife"),
            first(head).label("head"),
        )
        .join(Household, Household.id == Member.household_id)
        .where(Member.status == MemberStatus.AKTIF)
        .group_by(Member.household_id, Household.programme_code)
        .subquery("members")
    )
    mother = grouped.c.programme_code.in_(sorted(mother_programmes)) if mother_programmes else false()
    return select(
        grouped.c.household_id,
        case(
            (mother, func.coalesce(grouped.c.female_head, grouped.c.wife, grouped.c.head)),
            else_=grouped.c.head,
        ).label("member_id"),
    )


def export_rows(
    period: Period,
    area_code: str,
    *,
    include_unsigned: bool,
    mother_programmes: frozenset[str],
    amounts: Mapping[str, int],
) -> Select:
    """The list's rows in ``KEYS`` order plus the adjusted verdict's former value (``jumlah`` NULL when no programme
    sets an amount), by desa then KK."""
    p = str(period)
    desa, kecamatan, kabupaten = aliased(Region), aliased(Region), aliased(Region)
    decider = aliased(User)
    recipient = aliased(Member)
    chosen = recipients(mother_programmes).subquery("recipient")
    latest = (
        select(
            PeriodAdjustment.household_id,
            PeriodAdjustment.verdict_before,
            PeriodAdjustment.verdict_after,
            PeriodAdjustment.disburse,
            PeriodAdjustment.reason,
            PeriodAdjustment.made_at,
            func.row_number()
            .over(partition_by=PeriodAdjustment.household_id, order_by=PeriodAdjustment.id.desc())
            .label("rank"),
        )
        .where(PeriodAdjustment.period == p)
        .subquery("adjustment")
    )
    adjusted = latest.c.household_id.is_not(None)
    verdict = case((adjusted, latest.c.verdict_after), else_=PeriodVerdict.verdict)
    disburse = case((adjusted, latest.c.disburse), else_=PeriodVerdict.disburse)
    amount: ColumnElement[object]
    if amounts:
        amount = case(
            *((PeriodVerdict.programme_code == code, value) for code, value in sorted(amounts.items())),
            else_=null(),
        )
        amount = case((disburse, amount), else_=literal(0))
    else:
        amount = literal(None)
    signoff_on = and_(PeriodSignoff.area_code == func.substr(PeriodVerdict.desa_code, 1, 5), PeriodSignoff.period == p)
    stmt = (
        select(
            PeriodVerdict.programme_code,
            kabupaten.name,
            kecamatan.name,
            desa.name,
            Household.kk,
            recipient.name,
            recipient.nik,
            verdict,
            PeriodVerdict.reason,
            disburse,
            amount,
            decider.name,
            PeriodVerdict.decided_at,
            PeriodVerdict.override_reason,
            case((adjusted, latest.c.reason), else_=null()),
            PeriodSignoff.signed_at,
            latest.c.verdict_before,  # not a column of its own: the writer words it into ``penyesuaian``
        )
        .select_from(PeriodVerdict)
        .join(Household, Household.id == PeriodVerdict.household_id)
        .join(desa, desa.code == PeriodVerdict.desa_code)
        .join(kecamatan, kecamatan.code == desa.parent_code)
        .join(kabupaten, kabupaten.code == kecamatan.parent_code)
        .outerjoin(chosen, chosen.c.household_id == PeriodVerdict.household_id)
        .outerjoin(recipient, recipient.id == chosen.c.member_id)
        .outerjoin(decider, decider.id == PeriodVerdict.decided_by)
        .outerjoin(latest, and_(latest.c.household_id == PeriodVerdict.household_id, latest.c.rank == 1))
        .where(PeriodVerdict.period == p, within_area(PeriodVerdict.desa_code, area_code))
        .order_by(PeriodVerdict.desa_code, Household.kk)
    )
    if include_unsigned:
        return stmt.outerjoin(PeriodSignoff, signoff_on)
    return stmt.join(PeriodSignoff, signoff_on)
