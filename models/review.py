"""What a supervisor decides about the field's work: approve or return a report, verify or reject a proposed data
change, close a referral (graduations: ``models/graduation_proposals.py``).

Every function takes the acting supervisor and finds its target *through their scope*, so a forged button for a
household in another kabupaten finds nothing (``ReviewError("not_found")``). Every change to the registry writes
an audit row in the same transaction. Approving a report does *not* apply its proposed data changes: the
pendamping was told they are verified first (pemutakhiran data in docs/glossary.md: "the registry updated from
verified field changes"), so each one is accepted or rejected by its own decision (``decide_change``), on the
report's card or later in the data-change queue. Returning a report goes through the report's own
``models.visits.reopen_for_correction`` so the pendamping reopens it at the section the note is about.

Data change values (``DataChange.new_value``) are read with a few accepted key names per kind — see
``APPLIERS`` and docs/supervisor.md; a change that cannot be applied as given stays "diajukan" and is reported
as needing a manual look, never half-applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import announcements, audit, forms, registry_changes, visits
from models.actor import Actor
from models.scope import households_of
from models.tables import (
    ChangeStatus,
    DataChange,
    FormSession,
    FormStatus,
    Household,
    Referral,
    ReferralStatus,
    ReviewStatus,
    User,
    Visit,
)

SECTIONS = visits.SECTIONS
NOTE_FORM = "tinjau"
NOTE_TTL = timedelta(hours=24)  # a "kembalikan" left without its note is forgotten after a day


class ReviewError(Exception):
    """``code``: not_found, not_pending, already_decided, not_allowed, bad_section."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    change_id: int
    kind: str
    applied: bool
    problem: str | None = None  # why it could not be applied (kept "diajukan" for a manual look)
    visit_id: str | None = None  # the report that proposed it


@dataclass(frozen=True, slots=True)
class ApprovedVisit:
    visit_id: str
    head_name: str
    period: str
    pendamping_id: int | None
    pending_changes: int  # data changes of this report still waiting for their own decision
    pendamping_name: str | None = None
    pendamping_chat: int | None = None
    pendamping_language: str = "id"


@dataclass(frozen=True, slots=True)
class ReturnedVisit:
    visit_id: str
    household_id: int
    head_name: str
    period: str
    pendamping_id: int | None
    section: str | None
    note: str
    pendamping_name: str | None = None
    pendamping_chat: int | None = None  # Telegram id, when the pendamping has linked an account
    pendamping_language: str = "id"


async def _visit_in_scope(session: AsyncSession, actor: Actor, visit_id: str) -> tuple[Visit, Household]:
    row = (
        await session.execute(
            select(Visit, Household)
            .join(Household, Household.id == Visit.household_id)
            .where(Visit.id == visit_id, households_of(actor))
        )
    ).first()
    if row is None:
        raise ReviewError("not_found")
    return row[0], row[1]


# --- reports ------------------------------------------------------------------------------------------------


async def approve_visit(session: AsyncSession, reviewer: Actor, visit_id: str, now: datetime) -> ApprovedVisit:
    """Approve a report awaiting review. Its proposed data changes stay "diajukan" for their own decisions."""
    visit, household = await _visit_in_scope(session, reviewer, visit_id)
    if visit.review_status is not ReviewStatus.PENDING:
        raise ReviewError("not_pending")
    before = {"review_status": visit.review_status.value}
    visit.review_status = ReviewStatus.APPROVED
    visit.reviewer_id = reviewer.id
    visit.reviewed_at = now
    await audit.record(
        session,
        **audit.who(reviewer),
        action="visit.approve",
        entity="visit",
        entity_id=visit.id,
        before=before,
        after={"review_status": ReviewStatus.APPROVED.value},
        at=now,
    )
    pending = await session.scalar(
        select(func.count())
        .select_from(DataChange)
        .where(DataChange.visit_id == visit.id, DataChange.status == ChangeStatus.PROPOSED)
    )
    person = await session.get(User, visit.pendamping_id) if visit.pendamping_id is not None else None
    return ApprovedVisit(
        visit.id,
        household.head_name,
        visit.period,
        visit.pendamping_id,
        int(pending or 0),
        pendamping_name=person.name if person else None,
        pendamping_chat=person.telegram_id if person and person.active else None,
        pendamping_language=person.language if person else "id",
    )


async def return_visit(
    session: AsyncSession, reviewer: Actor, visit_id: str, section: str | None, note: str, now: datetime
) -> ReturnedVisit:
    """Send a report back with a note about one section; the pendamping corrects and resubmits it."""
    if section is not None and section not in SECTIONS:
        raise ReviewError("bad_section")
    visit, household = await _visit_in_scope(session, reviewer, visit_id)
    if visit.review_status is not ReviewStatus.PENDING:
        raise ReviewError("not_pending")
    await visits.reopen_for_correction(session, visit_id, section, note, reviewer, now=now)
    person = await session.get(User, visit.pendamping_id) if visit.pendamping_id is not None else None
    return ReturnedVisit(
        visit.id,
        household.id,
        household.head_name,
        visit.period,
        visit.pendamping_id,
        section,
        note,
        pendamping_name=person.name if person else None,
        pendamping_chat=person.telegram_id if person and person.active else None,
        pendamping_language=person.language if person else "id",
    )


async def notify_pendamping(
    session: AsyncSession, decided: ReturnedVisit | ApprovedVisit, kind: str, message_html: str, now: datetime
) -> bool:
    """Queue the pendamping's notice of a decision in the outbox (delivered under rate limits, once, and not in
    quiet hours); False if they cannot be reached."""
    if decided.pendamping_id is None or decided.pendamping_chat is None:
        return False
    key = f"{kind}:{decided.pendamping_id}:{decided.visit_id}:{now:%Y-%m-%dT%H:%M:%S}"
    await announcements.enqueue(
        session,
        kind=kind,
        user_id=decided.pendamping_id,
        chat_id=decided.pendamping_chat,
        dedupe_key=key,
        text=message_html,
        now=now,
    )
    return True


# --- the note a "kembalikan" waits for, kept in form_session so a restart loses nothing -----------------------


@dataclass(frozen=True, slots=True)
class PendingNote:
    visit_id: str
    section: str | None


def _note_id(user_id: int) -> str:
    return f"tinjau:{user_id}"


async def begin_return_note(
    session: AsyncSession, reviewer: Actor, visit_id: str, section: str | None, now: datetime
) -> None:
    """Remember that the reviewer's next text message is the note for returning ``visit_id``."""
    if section is not None and section not in SECTIONS:
        raise ReviewError("bad_section")
    visit, _ = await _visit_in_scope(session, reviewer, visit_id)
    if visit.review_status is not ReviewStatus.PENDING:
        raise ReviewError("not_pending")
    answers = {"visit_id": visit_id, "section": section}
    await forms.put_pending(
        session,
        row_id=_note_id(reviewer.id),
        user_id=reviewer.id,
        form=NOTE_FORM,
        step="catatan",
        answers=answers,
        now=now,
    )


async def pending_return_note(session: AsyncSession, telegram_id: int, now: datetime) -> PendingNote | None:
    """The return waiting for this Telegram account's note, if any (one indexed look-up per text message)."""
    row = await session.scalar(
        select(FormSession)
        .join(User, User.id == FormSession.user_id)
        .where(
            User.telegram_id == telegram_id,
            FormSession.form == NOTE_FORM,
            FormSession.status == FormStatus.DRAFT.value,
        )
    )
    if row is None or row.updated_at < now - NOTE_TTL:
        return None
    return PendingNote(str(row.answers.get("visit_id")), row.answers.get("section"))


async def clear_return_note(session: AsyncSession, reviewer: Actor, now: datetime, *, done: bool = True) -> None:
    row = await session.get(FormSession, _note_id(reviewer.id))
    if row is not None and row.status == FormStatus.DRAFT.value:
        row.status = (FormStatus.SUBMITTED if done else FormStatus.CANCELLED).value
        row.version, row.updated_at = row.version + 1, now


# --- data changes -------------------------------------------------------------------------------------------


async def decide_change(
    session: AsyncSession, reviewer: Actor, change_id: int, approve: bool, now: datetime
) -> ChangeOutcome:
    """Verify (apply) or reject one proposed data change."""
    change = await session.scalar(
        select(DataChange)
        .join(Household, Household.id == DataChange.household_id)
        .where(DataChange.id == change_id, households_of(reviewer))
    )
    if change is None:
        raise ReviewError("not_found")
    if change.status is not ChangeStatus.PROPOSED:
        raise ReviewError("already_decided")
    if approve:
        return await _apply(session, reviewer, change, now)
    change.status, change.decided_by, change.decided_at = ChangeStatus.REJECTED, reviewer.id, now
    await audit.record(
        session,
        **audit.who(reviewer),
        action="data_change.reject",
        entity="data_change",
        entity_id=str(change.id),
        before={"status": ChangeStatus.PROPOSED.value},
        after={"status": ChangeStatus.REJECTED.value},
        at=now,
    )
    return ChangeOutcome(change.id, change.kind, applied=False, visit_id=change.visit_id)


async def _apply(session: AsyncSession, reviewer: Actor, change: DataChange, now: datetime) -> ChangeOutcome:
    applier = registry_changes.APPLIERS.get(change.kind)
    if applier is None:
        return ChangeOutcome(
            change.id, change.kind, applied=False, problem="jenis perubahan tidak dikenal", visit_id=change.visit_id
        )
    try:
        async with session.begin_nested():  # a failed change rolls back alone; the others still apply
            entity, entity_id, before, after = await applier(registry_changes.Apply(session, change, now.date()))
    except ValueError as error:
        return ChangeOutcome(change.id, change.kind, applied=False, problem=str(error), visit_id=change.visit_id)
    change.status, change.decided_by, change.decided_at = ChangeStatus.APPROVED, reviewer.id, now
    await audit.record(
        session,
        **audit.who(reviewer),
        action="registry.update",
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
        detail=f"data_change {change.id} ({change.kind})",
        at=now,
    )
    await audit.record(
        session,
        **audit.who(reviewer),
        action="data_change.approve",
        entity="data_change",
        entity_id=str(change.id),
        before={"status": ChangeStatus.PROPOSED.value},
        after={"status": ChangeStatus.APPROVED.value},
        at=now,
    )
    return ChangeOutcome(change.id, change.kind, applied=True, visit_id=change.visit_id)


# --- referrals ----------------------------------------------------------------------------------------------


async def close_referral(
    session: AsyncSession, reviewer: Actor, referral_id: int, now: datetime, note: str | None = None
) -> str:
    """Mark a referral handled (ditangani); returns the household head's name for the reply."""
    row = (
        await session.execute(
            select(Referral, Household.head_name)
            .join(Household, Household.id == Referral.household_id)
            .where(Referral.id == referral_id, households_of(reviewer))
        )
    ).first()
    if row is None:
        raise ReviewError("not_found")
    referral, head_name = row
    if referral.status is ReferralStatus.HANDLED:
        raise ReviewError("already_decided")
    before = {"status": referral.status.value}
    referral.status, referral.updated_at = ReferralStatus.HANDLED, now
    if note:
        referral.status_note = note
    await audit.record(
        session,
        actor_type="user",
        actor_id=str(reviewer.id),
        action="referral.close",
        entity="referral",
        entity_id=str(referral.id),
        before=before,
        after={"status": ReferralStatus.HANDLED.value, "note": note},
        at=now,
    )
    return str(head_name)
