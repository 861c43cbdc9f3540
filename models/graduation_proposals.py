"""Graduation (graduasi in docs/glossary.md): a koordinator (or admin) proposes a household, only an admin confirms
or rejects, and the admins are told through the outbox. Every target is found through the actor's scope and every
change writes an audit row, as in ``models.review``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import announcements, audit
from models.actor import Actor
from models.review import ReviewError
from models.scope import households_of
from models.tables import GraduationProposal, Household, HouseholdStatus, ProposalStatus, Role, User


async def propose_graduation(
    session: AsyncSession, reviewer: Actor, household_id: int, reasons: list[str], now: datetime
) -> int:
    """A koordinator (or admin) proposes; returns the proposal id (the existing one if already proposed)."""
    household = await session.scalar(select(Household).where(Household.id == household_id, households_of(reviewer)))
    if household is None:
        raise ReviewError("not_found")
    if household.status is not HouseholdStatus.AKTIF:
        raise ReviewError("already_decided")
    existing = await session.scalar(
        select(GraduationProposal).where(
            GraduationProposal.household_id == household_id, GraduationProposal.status == ProposalStatus.PROPOSED
        )
    )
    if existing is not None:
        return existing.id
    proposal = GraduationProposal(
        household_id=household_id,
        reasons=list(reasons),
        status=ProposalStatus.PROPOSED,
        proposed_by=reviewer.id,
        proposed_at=now,
    )
    session.add(proposal)
    await session.flush()
    await audit.record(
        session,
        **audit.who(reviewer),
        action="graduation.propose",
        entity="household",
        entity_id=str(household_id),
        after={"proposal": proposal.id, "reasons": list(reasons)},
        at=now,
    )
    return proposal.id


async def pending_proposal(session: AsyncSession, household_id: int) -> int | None:
    """The graduation proposal of this household still waiting for an admin, if any."""
    found = await session.scalar(
        select(GraduationProposal.id).where(
            GraduationProposal.household_id == household_id, GraduationProposal.status == ProposalStatus.PROPOSED
        )
    )
    return int(found) if found is not None else None


async def waiting_proposal(session: AsyncSession, admin: Actor, proposal_id: int) -> tuple[int, list[str]] | None:
    """A proposal still waiting for an admin, in the actor's scope: (household id, reasons); None otherwise (decided,
    unknown or out of scope) — what the admin is asked about before deciding."""
    row = (
        await session.execute(
            select(GraduationProposal.household_id, GraduationProposal.reasons)
            .join(Household, Household.id == GraduationProposal.household_id)
            .where(
                GraduationProposal.id == proposal_id,
                GraduationProposal.status == ProposalStatus.PROPOSED,
                households_of(admin),
            )
        )
    ).first()
    return (int(row[0]), [str(r) for r in row[1] or []]) if row else None


async def decide_graduation(
    session: AsyncSession, admin: Actor, proposal_id: int, confirm: bool, now: datetime, note: str | None = None
) -> int:
    """Only an admin confirms (household → graduasi) or rejects; returns the household id."""
    if not admin.is_admin:
        raise ReviewError("not_allowed")
    row = (
        await session.execute(
            select(GraduationProposal, Household)
            .join(Household, Household.id == GraduationProposal.household_id)
            .where(GraduationProposal.id == proposal_id, households_of(admin))
        )
    ).first()
    if row is None:
        raise ReviewError("not_found")
    proposal, household = row
    if proposal.status is not ProposalStatus.PROPOSED:
        raise ReviewError("already_decided")
    proposal.status = ProposalStatus.CONFIRMED if confirm else ProposalStatus.REJECTED
    proposal.decided_by, proposal.decided_at, proposal.note = admin.id, now, note
    if confirm:
        before = {"status": household.status.value}
        household.status = HouseholdStatus.GRADUASI
        await audit.record(
            session,
            **audit.who(admin),
            action="graduation.confirm",
            entity="household",
            entity_id=str(household.id),
            before=before,
            after={"status": HouseholdStatus.GRADUASI.value, "proposal": proposal.id},
            at=now,
        )
    else:
        await audit.record(
            session,
            **audit.who(admin),
            action="graduation.reject",
            entity="household",
            entity_id=str(household.id),
            after={"proposal": proposal.id, "note": note},
            at=now,
        )
    return household.id


async def notify_admins(session: AsyncSession, proposal_id: int, message_html: str, now: datetime) -> int:
    """Tell every active, linked admin that a graduation waits for them (through the outbox); returns how many."""
    admins = (
        await session.execute(
            select(User.id, User.telegram_id).where(
                User.role == Role.ADMIN, User.active.is_(True), User.telegram_id.is_not(None)
            )
        )
    ).all()
    queued = 0
    for user_id, chat in admins:
        if chat is None:
            continue
        queued += await announcements.enqueue(
            session,
            kind="graduation_proposal",
            user_id=user_id,
            chat_id=chat,
            dedupe_key=f"graduation_proposal:{user_id}:{proposal_id}:{now:%Y-%m-%d}",
            text=message_html,
            now=now,
        )
    return queued
