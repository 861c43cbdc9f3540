"""Period close: from a period's verified commitments to the signed list Dinas Sosial pays from.

When a period closes (the day after the last programme's deadline) every household on the programme's list gets
one verdict (``models/tables/disbursement.py``): layak salur, direkomendasikan ditangguhkan (a member at
escalation level 3; a koordinator confirms → ditangguhkan, or overrides with a reason), or belum terverifikasi
(paid or held by the programme's ``[disbursement] unverified``). The close is computed in SQL per kabupaten/kota
(``models/queries/period_close.py``) and is idempotent: what a koordinator decided stays, a signed kabupaten/kota
is not touched at all. After the signature a change is an adjustment with its reason. Every decision is audited.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.actor import Actor
from models.calendar import WorkCalendar
from models.db import Database
from models.period import Period
from models.queries import period_close as queries
from models.regions import level_of
from models.rules import ProgrammeRules, rules_from_json
from models.scope import covers_area, within_area
from models.tables import (
    PeriodAdjustment,
    PeriodSignoff,
    PeriodVerdict,
    Programme,
    Region,
    Role,
    Verdict,
    VerdictReason,
)

PROVINCE = "36"
KABUPATEN_LEVEL = 2
MAX_REASON = 500


class PeriodCloseError(Exception):
    """A refused close, decision, signature or adjustment; ``code`` says which (the chat words it)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class AreaClose:
    code: str
    name: str
    signed: bool
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CloseReport:
    period: Period
    dry_run: bool
    areas: list[AreaClose]
    seconds: float
    removed: int = 0  # undecided verdicts replaced (they differed, or the household left the list)
    added: int = 0

    def total(self, verdict: Verdict) -> int:
        return sum(area.counts.get(verdict.value, 0) for area in self.areas)


async def programme_rules(session: AsyncSession) -> dict[str, ProgrammeRules]:
    """The rules as loaded into the database (shipped files and the operator's own), by programme code."""
    return {
        code: rules_from_json(rules) for code, rules in await session.execute(select(Programme.code, Programme.rules))
    }


def closing_day(period: Period, programmes: Iterable[ProgrammeRules], calendar: WorkCalendar) -> date:
    """The first day on which ``period`` is closed for every programme: the day after the latest deadline."""
    deadlines = [calendar.period_deadline(period, p.period.deadline_working_days) for p in programmes]
    return max(deadlines, default=calendar.period_deadline(period)) + timedelta(days=1)


def held_programmes(programmes: Iterable[ProgrammeRules]) -> frozenset[str]:
    return queries.programmes_held({p.code: p.disbursement.unverified for p in programmes})


async def kabupaten_of(session: AsyncSession, area: str) -> list[tuple[str, str]]:
    """(code, name) of the kabupaten/kota a close of ``area`` covers: all of them for the province, else one."""
    if area != PROVINCE and level_of(area) != KABUPATEN_LEVEL:
        raise PeriodCloseError("not_kabupaten", area)
    stmt = select(Region.code, Region.name).where(Region.level == KABUPATEN_LEVEL).order_by(Region.code)
    if area != PROVINCE:
        stmt = stmt.where(Region.code == area)
    found = [(str(code), str(name)) for code, name in (await session.execute(stmt)).all()]
    if not found:
        raise PeriodCloseError("unknown_area", area)
    return found


async def close_area(
    session: AsyncSession,
    period: Period,
    area: str,
    calendar: WorkCalendar,
    now: datetime,
    programmes: dict[str, ProgrammeRules] | None = None,
) -> queries.Stored | None:
    """Compute and store one kabupaten/kota's verdicts unless its list is signed (then ``None``: frozen)."""
    if await is_signed(session, area, period):
        return None
    rules = programmes if programmes is not None else await programme_rules(session)
    computed = queries.computed_verdicts(
        period, [area], held_programmes(rules.values()), calendar.period_begins(period)
    )
    return await queries.store_verdicts(session, computed, period, [area], now)


async def close_period(
    db: Database,
    period: Period,
    calendar: WorkCalendar,
    now: datetime,
    *,
    area: str = PROVINCE,
    dry_run: bool = False,
    actor_id: str | None = None,
) -> CloseReport:
    """``jsika period close``: the unsigned kabupaten/kota of ``area`` in one set-based pass and one transaction
    (rolled back on a dry run), the counts read back from what was (or would be) stored. Signed ones are left as
    they are. Storing before the period closes is refused."""
    started = time.perf_counter()
    async with db.session() as session:
        rules = await programme_rules(session)
        areas = await kabupaten_of(session, area)
        signed = await queries.signed_areas(session, period)
    opens = closing_day(period, rules.values(), calendar)
    if not dry_run and calendar.today(now) < opens:
        raise PeriodCloseError("not_closed", opens.isoformat())
    unsigned = [code for code, _ in areas if code not in signed]
    scope = [PROVINCE] if area == PROVINCE and not signed else unsigned
    stored = queries.Stored(0, 0)
    async with db.sessions() as session:
        transaction = await session.begin()
        try:
            if scope:
                computed = queries.computed_verdicts(
                    period, scope, held_programmes(rules.values()), calendar.period_begins(period)
                )
                stored = await queries.store_verdicts(session, computed, period, scope, now)
            counts = await queries.stored_counts_by_area(session, period, area)
            if scope and not dry_run:
                await audit.record(
                    session,
                    actor_type="cli",
                    actor_id=actor_id,
                    action="period.close",
                    entity="period",
                    entity_id=f"{period}:{area}",
                    after={"removed": stored.removed, "added": stored.added, "areas": unsigned},
                    at=now,
                )
        except BaseException:
            await transaction.rollback()
            raise
        if dry_run:
            await transaction.rollback()
        else:
            await transaction.commit()
    results = [AreaClose(code, name, code in signed, counts.get(code, {})) for code, name in areas]
    return CloseReport(period, dry_run, results, time.perf_counter() - started, stored.removed, stored.added)


def _kabupaten_code(desa_code: str) -> str:
    return desa_code[:5]


async def _verdict_in_scope(session: AsyncSession, actor: Actor, verdict_id: int) -> PeriodVerdict:
    if actor.role not in (Role.KOORDINATOR, Role.ADMIN) or not actor.active:
        raise PeriodCloseError("not_allowed")
    row = await session.get(PeriodVerdict, verdict_id, with_for_update=True)
    if row is None or not covers_area(actor, row.desa_code):
        raise PeriodCloseError("not_found")
    return row


async def is_signed(session: AsyncSession, area: str, period: Period) -> bool:
    found = await session.scalar(
        select(PeriodSignoff.id).where(PeriodSignoff.area_code == area, PeriodSignoff.period == str(period))
    )
    return found is not None


def clean_reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise PeriodCloseError("reason_needed")
    if len(text) > MAX_REASON:
        raise PeriodCloseError("reason_too_long", str(MAX_REASON))
    return text


async def decide(
    session: AsyncSession, actor: Actor, verdict_id: int, *, confirm: bool, reason: str | None, now: datetime
) -> PeriodVerdict:
    """Confirm a suspension recommendation (→ ditangguhkan) or override it with a reason (→ layak salur). A
    decision may be changed until the list is signed; each one is audited."""
    row = await _verdict_in_scope(session, actor, verdict_id)
    if row.member_id is None and row.reason not in (VerdictReason.LEVEL_THREE, VerdictReason.OVERRIDDEN):
        raise PeriodCloseError("not_recommended")
    if await is_signed(session, _kabupaten_code(row.desa_code), Period.parse(row.period)):
        raise PeriodCloseError("signed")
    before = {"verdict": row.verdict.value, "override_reason": row.override_reason}
    if confirm:
        row.verdict, row.reason, row.disburse, row.override_reason = (
            Verdict.SUSPENDED, VerdictReason.LEVEL_THREE, False, None,
        )  # fmt: skip
    else:
        row.verdict, row.reason, row.disburse, row.override_reason = (
            Verdict.ELIGIBLE, VerdictReason.OVERRIDDEN, True, clean_reason(reason),
        )  # fmt: skip
    row.decided_by, row.decided_at = actor.id, now
    await audit.record(
        session,
        **audit.who(actor),
        action="period.confirm" if confirm else "period.override",
        entity="period_verdict",
        entity_id=str(row.id),
        before=before,
        after={"verdict": row.verdict.value, "override_reason": row.override_reason, "period": row.period},
        at=now,
    )
    return row


async def undecided(session: AsyncSession, area: str, period: Period) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(PeriodVerdict)
            .where(
                PeriodVerdict.period == str(period),
                within_area(PeriodVerdict.desa_code, area),
                PeriodVerdict.verdict == Verdict.RECOMMENDED,
            )
        )
        or 0
    )


def may_sign(actor: Actor, area: str) -> bool:
    """A kabupaten/kota's list is signed by its koordinator (or an admin), not by a kecamatan's koordinator."""
    return (
        actor.active
        and actor.role in (Role.KOORDINATOR, Role.ADMIN)
        and level_of(area) == KABUPATEN_LEVEL
        and covers_area(actor, area)
        and (actor.is_admin or level_of(actor.area_code) <= KABUPATEN_LEVEL)
    )


async def sign(session: AsyncSession, actor: Actor, area: str, period: Period, now: datetime) -> PeriodSignoff:
    """Sign a kabupaten/kota's list once nothing is undecided; from then on it is frozen."""
    if not may_sign(actor, area):
        raise PeriodCloseError("not_allowed")
    if await is_signed(session, area, period):
        raise PeriodCloseError("already_signed")
    listed = await session.scalar(
        select(func.count())
        .select_from(PeriodVerdict)
        .where(PeriodVerdict.period == str(period), within_area(PeriodVerdict.desa_code, area))
    )
    if not listed:
        raise PeriodCloseError("not_closed")
    if await undecided(session, area, period):
        raise PeriodCloseError("undecided")
    signoff = PeriodSignoff(area_code=area, period=str(period), signed_by=actor.id, signed_at=now)
    session.add(signoff)
    await session.flush()
    await audit.record(
        session,
        **audit.who(actor),
        action="period.sign",
        entity="period_signoff",
        entity_id=f"{period}:{area}",
        after={"households": int(listed)},
        at=now,
    )
    return signoff


async def effective_verdict(session: AsyncSession, row: PeriodVerdict) -> Verdict:
    """The verdict after the latest adjustment (the signed one when there is none)."""
    latest = await session.scalar(
        select(PeriodAdjustment.verdict_after)
        .where(PeriodAdjustment.period == row.period, PeriodAdjustment.household_id == row.household_id)
        .order_by(PeriodAdjustment.id.desc())
        .limit(1)
    )
    return Verdict(latest) if latest is not None else row.verdict


ADJUSTED = {
    Verdict.SUSPENDED: (Verdict.ELIGIBLE, True),
    Verdict.ELIGIBLE: (Verdict.SUSPENDED, False),
    Verdict.UNVERIFIED: (Verdict.ELIGIBLE, True),
}


async def adjust(
    session: AsyncSession, actor: Actor, verdict_id: int, *, reason: str | None, now: datetime
) -> PeriodAdjustment:
    """Change a signed list: a suspension lifted (or an overridden one suspended after all), an unverified household
    paid after its late report was approved. The signed row stays; the adjustment is a row of its own."""
    row = await _verdict_in_scope(session, actor, verdict_id)
    if not await is_signed(session, _kabupaten_code(row.desa_code), Period.parse(row.period)):
        raise PeriodCloseError("not_signed")
    current = await effective_verdict(session, row)
    recommendation = row.member_id is not None or row.reason in (VerdictReason.LEVEL_THREE, VerdictReason.OVERRIDDEN)
    if current not in ADJUSTED or (current is Verdict.ELIGIBLE and not recommendation):
        raise PeriodCloseError("not_adjustable")
    after, disburse = ADJUSTED[current]
    adjustment = PeriodAdjustment(
        period=row.period,
        household_id=row.household_id,
        verdict_before=current,
        verdict_after=after,
        disburse=disburse,
        reason=clean_reason(reason),
        made_by=actor.id,
        made_at=now,
    )
    session.add(adjustment)
    await session.flush()
    await audit.record(
        session,
        **audit.who(actor),
        action="period.adjust",
        entity="period_verdict",
        entity_id=str(row.id),
        before={"verdict": current.value},
        after={"verdict": after.value, "reason": adjustment.reason, "adjustment": adjustment.id},
        at=now,
    )
    return adjustment
