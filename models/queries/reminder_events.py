"""Commitment-event reminders for pendamping: a birth coming, vitamin A month, the school year, a yearly check.

Set-based like the other kinds (``models/queries/reminder_planning.py``, whose building blocks these use): age bands
arrive as birth-date ranges computed once by the planner, so each statement is one indexed pass over the members.
People who muted event reminders in /pengaturan are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.period import Period
from models.queries.reminder_planning import (
    SendAt,
    active_household,
    constant,
    dedupe_key,
    insert_ignoring_duplicates,
    iso,
    params,
    reachable,
    recipient_rows,
    send_time,
)
from models.reminder_settings import Kind
from models.tables import (
    CheckResult,
    CommitmentCheck,
    Household,
    Member,
    MemberStatus,
    Role,
    SchoolLevel,
    Sex,
    User,
)


def _member_rows(
    kind: Kind, key: ColumnElement[str], payload: ColumnElement[Any], send_at: SendAt, now: datetime
) -> Select[Any]:
    return (
        recipient_rows(key, kind, payload, send_time(send_at), now)
        .join(Household, Household.pendamping_id == User.id)
        .join(Member, Member.household_id == Household.id)
        .where(
            reachable(Role.PENDAMPING, send_at=send_at, events=True),
            active_household(),
            Member.status == MemberStatus.AKTIF,
        )
    )


async def plan_birth_events(session: AsyncSession, *, day: date, until: date, send_at: SendAt, now: datetime) -> int:
    """One reminder per pregnant member whose expected delivery date is in ``[day, until]`` — once per EDD."""
    if not send_at.instants:
        return 0
    rows = _member_rows(
        Kind.EVENT_BIRTH,
        dedupe_key(Kind.EVENT_BIRTH, User.id, ":m", Member.id, ":", Member.pregnancy_edd),
        params(member_id=Member.id, household_id=Household.id),
        send_at,
        now,
    ).where(Member.sex == Sex.P, Member.pregnancy_edd >= day, Member.pregnancy_edd <= until)
    return await insert_ignoring_duplicates(session, rows)


@dataclass(frozen=True, slots=True)
class BirthRange:
    """Members born in ``(born_after, born_on_or_before]``: an age band turned into an indexable date range."""

    born_after: date | None
    born_on_or_before: date | None

    def condition(self) -> ColumnElement[bool]:
        parts = []
        if self.born_after is not None:
            parts.append(Member.birth_date > self.born_after)
        if self.born_on_or_before is not None:
            parts.append(Member.birth_date <= self.born_on_or_before)
        return and_(*parts) if parts else literal(True)


def _grouped_pendamping(
    kind: Kind,
    subject: str,
    window: date,
    payload: dict[str, Any],
    send_at: SendAt,
    now: datetime,
    members: Select[Any],
) -> Select[Any]:
    """One row per pendamping who has at least one member in ``members`` (a SELECT of pendamping ids)."""
    return recipient_rows(
        dedupe_key(kind, User.id, f":{subject}:{window.isoformat()}"), kind, constant(payload), send_time(send_at), now
    ).where(reachable(Role.PENDAMPING, send_at=send_at, events=True), User.id.in_(members))


def _pendamping_of_members(*conditions: ColumnElement[bool]) -> Select[Any]:
    return (
        select(Household.pendamping_id)
        .join(Member, Member.household_id == Household.id)
        .where(active_household(), Member.status == MemberStatus.AKTIF, *conditions)
    )


async def plan_month_event(
    session: AsyncSession,
    *,
    programme: str,
    commitment: str,
    period: Period,
    ages: BirthRange,
    send_at: SendAt,
    now: datetime,
) -> int:
    """A month-bound commitment (vitamin A in February/August): one list per pendamping, once per period."""
    if not send_at.instants:
        return 0
    members = _pendamping_of_members(Household.programme_code == programme, ages.condition())
    payload = {
        "programme": programme,
        "commitment": commitment,
        "period": str(period),
        "born_after": iso(ages.born_after),
        "born_on_or_before": iso(ages.born_on_or_before),
    }
    rows = _grouped_pendamping(
        Kind.EVENT_MONTH, f"{programme}.{commitment}.{period}", period.start, payload, send_at, now, members
    )
    return await insert_ignoring_duplicates(session, rows)


async def plan_school_event(
    session: AsyncSession,
    *,
    year: int,
    window: date,
    starting: BirthRange,
    sd_to_smp: BirthRange,
    smp_to_sma: BirthRange,
    send_at: SendAt,
    now: datetime,
) -> int:
    """School year start: children reaching school age without a school, and SD→SMP / SMP→SMA changes."""
    if not send_at.instants:
        return 0
    members = _pendamping_of_members(
        or_(
            and_(Member.school_level.is_(None), starting.condition()),
            and_(Member.school_level == SchoolLevel.SD, sd_to_smp.condition()),
            and_(Member.school_level == SchoolLevel.SMP, smp_to_sma.condition()),
        )
    )
    payload = {
        "year": year,
        "starting": [iso(starting.born_after), iso(starting.born_on_or_before)],
        "sd_to_smp": [iso(sd_to_smp.born_after), iso(sd_to_smp.born_on_or_before)],
        "smp_to_sma": [iso(smp_to_sma.born_after), iso(smp_to_sma.born_on_or_before)],
    }
    rows = _grouped_pendamping(Kind.EVENT_SCHOOL, f"{year}", window, payload, send_at, now, members)
    return await insert_ignoring_duplicates(session, rows)


def not_met_since(commitment: Any, last_met: Period) -> ColumnElement[bool]:
    """No "memenuhi" for ``commitment`` (a code or a column) after ``last_met``."""
    later = aliased(CommitmentCheck)
    return ~exists().where(
        later.member_id == Member.id,
        later.commitment == commitment,
        later.period > str(last_met),
        later.result == CheckResult.MET,
    )


def yearly_due_condition(commitment: str, last_met: Period) -> ColumnElement[bool]:
    """Members whose last "memenuhi" for ``commitment`` was in ``last_met`` (their next check is due soon)."""
    then = aliased(CommitmentCheck)
    return and_(
        exists().where(
            then.member_id == Member.id,
            then.commitment == commitment,
            then.period == str(last_met),
            then.result == CheckResult.MET,
        ),
        not_met_since(commitment, last_met),
    )


async def plan_yearly_events(
    session: AsyncSession,
    *,
    rules: list[tuple[str, str]],
    period: Period,
    last_met: Period,
    send_at: SendAt,
    now: datetime,
) -> int:
    """Yearly checks (elderly, severe disability) falling due next period: one list per pendamping and commitment.

    ``rules`` are the (programme, commitment) pairs whose rule is yearly; one statement covers them all, so the
    checks of ``last_met`` are read once.
    """
    if not send_at.instants or not rules:
        return 0
    due = (
        select(Household.pendamping_id.label("pendamping_id"), CommitmentCheck.commitment.label("commitment"))
        .select_from(CommitmentCheck)
        .join(Member, Member.id == CommitmentCheck.member_id)
        .join(Household, Household.id == Member.household_id)
        .where(
            CommitmentCheck.period == str(last_met),
            CommitmentCheck.result == CheckResult.MET,
            CommitmentCheck.commitment.in_(sorted({code for _, code in rules})),
            tuple_(Household.programme_code, CommitmentCheck.commitment).in_(rules),
            active_household(),
            Member.status == MemberStatus.AKTIF,
            not_met_since(CommitmentCheck.commitment, last_met),
        )
        .distinct()
        .subquery()
    )
    kind = Kind.EVENT_YEARLY
    payload = params(commitment=due.c.commitment, period=literal(str(period)), last_met=literal(str(last_met)))
    key = dedupe_key(kind, User.id, ":", due.c.commitment, f".{period}:{period.start.isoformat()}")
    rows = (
        recipient_rows(key, kind, payload, send_time(send_at), now)
        .join(due, due.c.pendamping_id == User.id)
        .where(reachable(Role.PENDAMPING, send_at=send_at, events=True))
    )
    return await insert_ignoring_duplicates(session, rows)
