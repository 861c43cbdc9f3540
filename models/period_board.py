"""/penyaluran's side of the period close: which period is the latest closed one, keeping an area's stored list
fresh when its koordinator opens it, and the reason an override or an adjustment waits for.

Opening the list closes the period for the reader's kabupaten/kota (``period_close.close_area``): it is
idempotent — decided rows stay, a signed list is not touched — so the koordinator never waits for the admin's
``jsika period close``, and a late report approved since the last close counts until the list is signed, as the
rule says. A recomputation that changed something is audited (``period.close``, by the person).

"Batalkan" (override) and "Sesuaikan" (adjust after signing) need a reason in a few words: the person's next text
message. That wait is a ``form_session`` row like /tinjau's "kembalikan" note, so a restart loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, forms
from models.actor import Actor
from models.calendar import WorkCalendar
from models.period import Period
from models.period_close import PeriodCloseError, close_area, closing_day, programme_rules
from models.regions import level_of
from models.tables import FormSession, FormStatus, User

KABUPATEN_LEVEL = 2
REASON_FORM = "penyaluran"
REASON_TTL = timedelta(hours=24)  # an override left without its reason is forgotten after a day
REASON_MIN, REASON_MAX = 3, 200

ReasonAction = Literal["override", "adjust"]


def kabupaten_of(area_code: str) -> str | None:
    """The kabupaten/kota whose list ``area_code`` belongs to (``None`` for the province)."""
    return area_code[:5] if level_of(area_code) >= KABUPATEN_LEVEL else None


async def closes_on(session: AsyncSession, period: Period, calendar: WorkCalendar) -> date:
    """The first day ``period`` is closed for every programme."""
    return closing_day(period, (await programme_rules(session)).values(), calendar)


async def latest_closed(session: AsyncSession, calendar: WorkCalendar, today: date) -> Period:
    """The most recent period whose close has come (the one a koordinator signs now)."""
    rules = (await programme_rules(session)).values()
    period = Period.of(today).previous()
    while closing_day(period, rules, calendar) > today:
        period = period.previous()
    return period


async def refresh_area(
    session: AsyncSession, actor: Actor, area_code: str, period: Period, calendar: WorkCalendar, now: datetime
) -> None:
    """Bring the stored list of ``area_code``'s kabupaten/kota up to date (nothing for the province, nothing once
    signed). Raises ``PeriodCloseError("not_closed", <first day>)`` before the period has closed."""
    opens = await closes_on(session, period, calendar)
    if calendar.today(now) < opens:
        raise PeriodCloseError("not_closed", opens.isoformat())
    kabupaten = kabupaten_of(area_code)
    if kabupaten is None:
        return
    stored = await close_area(session, period, kabupaten, calendar, now)
    if stored is not None and (stored.removed or stored.added):
        await audit.record(
            session,
            **audit.who(actor),
            action="period.close",
            entity="period",
            entity_id=f"{period}:{kabupaten}",
            after={"removed": stored.removed, "added": stored.added, "areas": [kabupaten]},
            at=now,
        )


@dataclass(frozen=True, slots=True)
class PendingReason:
    action: ReasonAction
    verdict_id: int
    area_code: str
    page: int


def _reason_id(user_id: int) -> str:
    return f"penyaluran:{user_id}"


async def begin_reason(
    session: AsyncSession, actor: Actor, action: ReasonAction, verdict_id: int, area_code: str, page: int,
    now: datetime,
) -> None:  # fmt: skip
    """Remember that ``actor``'s next text message is the reason for overriding or adjusting ``verdict_id``."""
    await forms.put_pending(
        session,
        row_id=_reason_id(actor.id),
        user_id=actor.id,
        form=REASON_FORM,
        step=action,
        answers={"verdict_id": verdict_id, "area": area_code, "page": page},
        now=now,
    )


async def pending_reason(session: AsyncSession, telegram_id: int, now: datetime) -> PendingReason | None:
    """The decision waiting for this Telegram account's reason, if any (one indexed look-up per text message)."""
    row = await session.scalar(
        select(FormSession)
        .join(User, User.id == FormSession.user_id)
        .where(
            User.telegram_id == telegram_id,
            FormSession.form == REASON_FORM,
            FormSession.status == FormStatus.DRAFT.value,
        )
    )
    if row is None or row.updated_at < now - REASON_TTL or row.step not in ("override", "adjust"):
        return None
    answers = row.answers
    return PendingReason(row.step, int(answers["verdict_id"]), str(answers["area"]), int(answers.get("page", 0)))  # type: ignore[arg-type]


async def clear_reason(session: AsyncSession, actor: Actor, now: datetime, *, done: bool = True) -> None:
    row = await session.get(FormSession, _reason_id(actor.id))
    if row is not None and row.status == FormStatus.DRAFT.value:
        row.status = (FormStatus.SUBMITTED if done else FormStatus.CANCELLED).value
        row.version, row.updated_at = row.version + 1, now
