"""Which reminders should exist: one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` per kind over the whole registry.

Decision 2 in docs/design.md. Nothing here loops over households in Python: each function is a single set-based statement
(or one per koordinator area level) that writes outbox rows with a dedupe key ``kind:user:subject:date`` — so a
second planner run, or two planners at once, add nothing (the unique key decides, inside the database). The rows
carry only the kind and a few parameters; the text is composed when the row is sent (``handlers/reminder_composer.py``),
so a digest sent at 09:00 shows 09:00's numbers.

Who gets reminders: active people with a linked Telegram account that Telegram has not refused
(``reminder_setting.unreachable_since``). Event kinds also skip people who muted them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    and_,
    case,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import JSON

from models.base import JsonDoc, UtcDateTime
from models.period import Period
from models.reminder_settings import Kind
from models.tables import (
    CheckResult,
    CommitmentCheck,
    FormSession,
    FormStatus,
    Household,
    HouseholdStatus,
    Member,
    Outbox,
    OutboxStatus,
    ReminderSetting,
    ReviewStatus,
    Role,
    User,
    Visit,
)

_COLUMNS = ["dedupe_key", "kind", "user_id", "chat_id", "payload", "not_before", "status", "attempts", "created_at"]


class json_object(FunctionElement[Any]):
    """``json_object`` (SQLite) / ``jsonb_build_object`` (PostgreSQL) with constant keys: per-row parameters."""

    type = JSON()
    inherit_cache = True
    name = "json_object"


@compiles(json_object, "sqlite")
def _json_object_sqlite(element: json_object, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


@compiles(json_object, "postgresql")
def _json_object_pg(element: json_object, compiler: SQLCompiler, **kw: Any) -> str:
    return f"jsonb_build_object({compiler.process(element.clauses, **kw)})"


def params(**values: Any) -> json_object:
    args: list[Any] = []
    for key, value in values.items():
        args += [literal_column(f"'{key}'"), value]
    return json_object(*args)


@dataclass(frozen=True, slots=True)
class SendAt:
    """When today's reminders go out: each person's digest hour → UTC instant, for the hours still open.

    ``open_hours`` leaves out hours whose catch-up window has passed, so a planner started at 15:00 does not send
    the 07:00 digest in the afternoon.
    """

    instants: Mapping[int, datetime]
    default_hour: int

    @property
    def open_hours(self) -> list[int]:
        return sorted(self.instants)


def send_time(send_at: SendAt) -> ColumnElement[datetime]:
    hour = func.coalesce(ReminderSetting.digest_hour, send_at.default_hour)
    whens = {h: literal(t, UtcDateTime()) for h, t in send_at.instants.items()}
    return case(whens, value=hour, else_=literal(next(iter(send_at.instants.values())), UtcDateTime()))


def dedupe_key(kind: str, *parts: Any) -> ColumnElement[str]:
    """``kind:`` + parts, where a part is a Python string or a SQL column (cast to text)."""
    expr: ColumnElement[str] = literal(f"{kind}:", String())
    for part in parts:
        expr = expr + (literal(part, String()) if isinstance(part, str) else sql_cast(part, String()))
    return expr


def reachable(role: Role, *, send_at: SendAt | None = None, events: bool = False) -> ColumnElement[bool]:
    """Active, linked people of ``role`` whom Telegram has not refused; for event kinds, who did not mute them;
    with ``send_at``, whose digest hour is still open today.

    The settings are tested in NOT EXISTS / EXISTS on their own alias, not as filters on the LEFT JOIN that feeds
    the send time: filters on a left-joined, mostly empty table make PostgreSQL expect one recipient and walk
    every household from there (4 s instead of 0.1 s for the birth reminders at province scale).
    """
    refused = aliased(ReminderSetting)
    reasons: list[ColumnElement[bool]] = [refused.unreachable_since.is_not(None)]
    conditions: list[ColumnElement[bool]] = [User.role == role, User.active.is_(True), User.telegram_id.is_not(None)]
    if events:
        reasons.append(refused.mute_events.is_(True))
    if send_at is not None:
        if send_at.default_hour in send_at.open_hours:
            reasons.append(and_(refused.digest_hour.is_not(None), refused.digest_hour.not_in(send_at.open_hours)))
        else:
            chosen = aliased(ReminderSetting)
            conditions.append(exists().where(chosen.user_id == User.id, chosen.digest_hour.in_(send_at.open_hours)))
    conditions.append(~exists().where(refused.user_id == User.id, or_(*reasons)))
    return and_(*conditions)


def recipient_rows(
    key: ColumnElement[str], kind: Kind, payload: ColumnElement[Any], not_before: ColumnElement[datetime], now: datetime
) -> Select[Any]:
    return (
        select(
            key,
            literal(kind.value, String()),
            User.id,
            User.telegram_id,
            payload,
            not_before,
            literal(OutboxStatus.QUEUED.value, String()),
            literal(0),
            literal(now, UtcDateTime()),
        )
        .select_from(User)
        .outerjoin(ReminderSetting, ReminderSetting.user_id == User.id)
    )


def constant(value: dict[str, Any]) -> ColumnElement[Any]:
    return literal(value, JsonDoc)


async def insert_ignoring_duplicates(session: AsyncSession, rows: Select[Any]) -> int:
    """``INSERT INTO outbox … SELECT …`` where an existing dedupe key wins; returns how many rows were new."""
    table = cast(Table, Outbox.__table__)
    if session.get_bind().dialect.name == "postgresql":
        stmt: Any = pg_insert(table).from_select(_COLUMNS, rows).on_conflict_do_nothing(index_elements=["dedupe_key"])
    else:
        stmt = sqlite_insert(table).from_select(_COLUMNS, rows).on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = await session.execute(stmt)
    return max(0, int(getattr(result, "rowcount", 0) or 0))


def unvisited(period: Period) -> ColumnElement[bool]:
    return ~exists().where(Visit.household_id == Household.id, Visit.period == str(period))


def active_household() -> ColumnElement[bool]:
    return Household.status == HouseholdStatus.AKTIF


# --- pendamping: digest and deadlines --------------------------------------------------------------------------


def returned_in_open_periods(period: Period) -> Select[Any]:
    """Pendamping with a report of this or the previous period sent back for correction (small, distinct)."""
    return (
        select(Visit.pendamping_id)
        .where(
            Visit.period.in_([str(period), str(period.previous())]),
            Visit.review_status == ReviewStatus.RETURNED,
            Visit.pendamping_id.is_not(None),
        )
        .distinct()
    )


async def plan_digests(session: AsyncSession, *, day: date, period: Period, send_at: SendAt, now: datetime) -> int:
    """Morning digest to each pendamping with anything to do: unvisited households, drafts, reports sent back."""
    if not send_at.instants:
        return 0
    # Correlated EXISTS per pendamping: each stops at the first unvisited household (an index probe or two),
    # where a set of all unvisited households would be built from the whole registry first.
    has_unvisited = exists().where(Household.pendamping_id == User.id, active_household(), unvisited(period))
    has_draft = exists().where(FormSession.user_id == User.id, FormSession.status == FormStatus.DRAFT.value)
    has_returned = User.id.in_(returned_in_open_periods(period))
    rows = recipient_rows(
        dedupe_key(Kind.DIGEST, User.id, f":-:{day.isoformat()}"),
        Kind.DIGEST,
        constant({"period": str(period), "day": day.isoformat()}),
        send_time(send_at),
        now,
    ).where(reachable(Role.PENDAMPING, send_at=send_at), or_(has_unvisited, has_draft, has_returned))
    return await insert_ignoring_duplicates(session, rows)


async def plan_deadline(
    session: AsyncSession,
    *,
    programme: str,
    period: Period,
    deadline: date,
    working_days_left: int,
    day: date,
    send_at: SendAt,
    now: datetime,
) -> int:
    """``working_days_left`` before ``period`` closes: pendamping with unreported households of ``programme``."""
    if not send_at.instants:
        return 0
    unreported = exists().where(
        Household.pendamping_id == User.id, Household.programme_code == programme, active_household(), unvisited(period)
    )
    subject = f"{programme}.{period}.h{working_days_left}"
    payload = {
        "programme": programme,
        "period": str(period),
        "deadline": deadline.isoformat(),
        "working_days_left": working_days_left,
    }
    rows = recipient_rows(
        dedupe_key(Kind.DEADLINE, User.id, f":{subject}:{day.isoformat()}"),
        Kind.DEADLINE,
        constant(payload),
        send_time(send_at),
        now,
    ).where(reachable(Role.PENDAMPING, send_at=send_at), unreported)
    return await insert_ignoring_duplicates(session, rows)


# --- koordinator: escalations and the weekly digest ------------------------------------------------------------


async def koordinator_area_lengths(session: AsyncSession) -> list[int]:
    """Lengths of the koordinators' area codes (2 provinsi, 5 kabupaten, 8 kecamatan …): one statement per level."""
    rows = await session.scalars(
        select(func.length(User.area_code)).where(User.role == Role.KOORDINATOR, User.active.is_(True)).distinct()
    )
    return sorted(int(n) for n in rows if n)


def _koordinator_rows(
    kind: Kind,
    subject: str,
    window: date,
    payload: dict[str, Any],
    not_before: datetime,
    now: datetime,
    length: int,
    prefixes: Select[Any],
) -> Select[Any]:
    return recipient_rows(
        dedupe_key(kind, User.id, f":{subject}:{window.isoformat()}"),
        kind,
        constant(payload),
        literal(not_before, UtcDateTime()),
        now,
    ).where(reachable(Role.KOORDINATOR), func.length(User.area_code) == length, User.area_code.in_(prefixes))


def not_visited_for_two(closed: Period, registered_before: datetime) -> ColumnElement[bool]:
    """No visit in ``closed`` nor in the period before it, though the household was in the registry for both.

    ``registered_before`` is the instant the earlier period began: a household imported since then has not had
    two periods to be visited in, so a first import does not escalate the whole registry at the next close."""
    return and_(
        active_household(),
        Household.created_at < registered_before,
        ~exists().where(Visit.household_id == Household.id, Visit.period.in_([str(closed), str(closed.previous())])),
    )


async def plan_visit_escalation(
    session: AsyncSession,
    *,
    closed: Period,
    registered_before: datetime,
    window: date,
    not_before: datetime,
    now: datetime,
) -> int:
    """After ``closed``'s deadline: each koordinator whose area has households unvisited for two periods."""
    in_area = exists().where(
        or_(Household.desa_code == User.area_code, area_range(Household.desa_code, User.area_code)),
        not_visited_for_two(closed, registered_before),
    )
    payload = {"period": str(closed), "since": str(closed.previous())}
    rows = recipient_rows(
        dedupe_key(Kind.ESCALATION_VISIT, User.id, f":{closed}:{window.isoformat()}"),
        Kind.ESCALATION_VISIT,
        constant(payload),
        literal(not_before, UtcDateTime()),
        now,
    ).where(reachable(Role.KOORDINATOR), in_area)
    return await insert_ignoring_duplicates(session, rows)


def _earlier_misses(closed: Period, runs: int) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    period = closed
    for _ in range(runs - 1):
        period = period.previous()
        earlier = aliased(CommitmentCheck)
        conditions.append(
            exists().where(
                earlier.member_id == CommitmentCheck.member_id,
                earlier.commitment == CommitmentCheck.commitment,
                earlier.period == str(period),
                earlier.result == CheckResult.NOT_MET,
            )
        )
    return conditions


def _households_missing(closed: Period, runs: int, column: Any) -> Select[Any]:
    """``column`` (of household) for every household with a member missing in ``closed`` ``runs`` times running.

    Starts from the partial index of misses (``ix_commitment_check_missed``): a few percent of all checks.
    """
    return (
        select(column)
        .select_from(CommitmentCheck)
        .join(Member, Member.id == CommitmentCheck.member_id)
        .join(Household, Household.id == Member.household_id)
        .where(
            CommitmentCheck.period == str(closed),
            CommitmentCheck.result == CheckResult.NOT_MET,
            active_household(),
            *_earlier_misses(closed, runs),
        )
        .distinct()
    )


async def plan_commitment_escalation(
    session: AsyncSession, *, closed: Period, window: date, not_before: datetime, now: datetime
) -> int:
    """After ``closed``'s deadline: pendamping get their level 1–3 misses, koordinators levels 2–3 of their area."""
    payload = {"period": str(closed)}
    subject = f":{closed}:{window.isoformat()}"
    kind = Kind.ESCALATION_COMMITMENT
    rows = recipient_rows(
        dedupe_key(kind, User.id, subject), kind, constant(payload), literal(not_before, UtcDateTime()), now
    ).where(reachable(Role.PENDAMPING), User.id.in_(_households_missing(closed, 1, Household.pendamping_id)))
    total = await insert_ignoring_duplicates(session, rows)
    for length in await koordinator_area_lengths(session):
        prefixes = _households_missing(closed, 2, func.substr(Household.desa_code, 1, length))
        total += await insert_ignoring_duplicates(
            session, _koordinator_rows(kind, str(closed), window, payload, not_before, now, length, prefixes)
        )
    return total


def area_range(column: Any, area: Any) -> ColumnElement[bool]:
    """``column`` lies inside region ``area`` (a code column): a range both databases answer from an index."""
    return and_(column > area + literal(".", String()), column < area + literal("/", String()))


async def plan_weekly(session: AsyncSession, *, week: str, monday: date, not_before: datetime, now: datetime) -> int:
    """The koordinator's weekly digest, once per ISO week, to each koordinator whose area has households."""
    has_households = exists().where(
        or_(Household.desa_code == User.area_code, area_range(Household.desa_code, User.area_code)),
        active_household(),
    )
    rows = recipient_rows(
        dedupe_key(Kind.WEEKLY, User.id, f":{week}:{monday.isoformat()}"),
        Kind.WEEKLY,
        constant({"week": week, "monday": monday.isoformat()}),
        literal(not_before, UtcDateTime()),
        now,
    ).where(reachable(Role.KOORDINATOR), has_households)
    return await insert_ignoring_duplicates(session, rows)


def iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


async def plan_unreachable_note(
    session: AsyncSession, *, user_id: int, area_code: str, day: date, not_before: datetime, now: datetime
) -> int:
    """Tell the koordinators whose area covers ``area_code`` that ``user_id`` cannot be reached (admins if none)."""
    covering = or_(User.area_code == area_code, literal(area_code, String()).startswith(User.area_code + "."))
    payload = params(user_id=literal(user_id))
    key = dedupe_key(Kind.UNREACHABLE, User.id, f":u{user_id}:{day.isoformat()}")
    rows = recipient_rows(key, Kind.UNREACHABLE, payload, literal(not_before, UtcDateTime()), now).where(
        reachable(Role.KOORDINATOR), covering, User.id != user_id
    )
    added = await insert_ignoring_duplicates(session, rows)
    if added:
        return added
    admins = recipient_rows(key, Kind.UNREACHABLE, payload, literal(not_before, UtcDateTime()), now).where(
        reachable(Role.ADMIN), User.id != user_id
    )
    return await insert_ignoring_duplicates(session, admins)
