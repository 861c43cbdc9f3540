"""A home visit (kunjungan) from draft to submitted report, and what it changes: commitment checks, proposed data
changes, referrals, evidence flags.

The form that collects a visit lives in ``handlers/report``; this module only knows the finished answer set
(``VisitReport``) and the rules around it. Submitting is idempotent because the form session's id *is* the visit's
id: the session is claimed (draft → submitted, version-checked) and the visit inserted in one transaction, so a
double tap, a duplicated update or two bot processes racing can only ever produce one visit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, forms
from models.actor import Actor
from models.base import utcnow
from models.forms import Draft, DraftMeta, StaleSession
from models.scope import households_of
from models.tables import (
    ChangeStatus,
    CommitmentCheck,
    DataChange,
    FormSession,
    FormStatus,
    Household,
    Referral,
    ReferralStatus,
    ReviewStatus,
    Visit,
)
from models.visit_facts import HouseholdFacts
from models.visit_report import (  # noqa: F401 - re-exported: the vocabulary and the report belong to visits
    CHANGE_KINDS,
    CONDITION_ITEMS,
    FORM_NAME,
    LOCATION_SKIP_REASONS,
    MISSED_REASONS,
    NOT_MET_REASONS,
    PHOTO_SKIP_REASONS,
    REFERRAL_SECTORS,
    REVIEW_STEP,
    SCHOOL_LEVELS,
    SECTIONS,
    WELFARE_ITEMS,
    Change,
    Check,
    ReferralInput,
    Submitted,
    VisitReport,
    deprivation_score,
    distance_km,
    location_check,
)

_CHANGE_FIELDS = {
    "kelahiran": "member",
    "kematian": "status",
    "pindah_keluar": "status",
    "pindah_masuk": "member",
    "telepon_baru": "phone",
    "alamat_baru": "address",
    "kehamilan": "pregnancy_edd",
    "jenjang_sekolah": "school_level",
    "graduasi_mandiri": "status",
}


class VisitError(Exception):
    """A request the caller must not repeat as is; ``code`` says which (for the person's message)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def submit(
    session: AsyncSession,
    actor: Actor,
    draft: Draft,
    report: VisitReport,
    *,
    late: bool,
    now: datetime,
    facts: HouseholdFacts | None = None,
) -> Submitted:
    """Turn the draft into a visit, exactly once.

    ``draft.version`` is the version the person saw on the review screen; if the session moved since (a second
    tap, another process) this raises ``StaleSession`` — unless the visit already exists, which is reported as
    ``already=True`` so the person is told "sudah terkirim" rather than "try again".
    """
    in_scope = await session.scalar(
        select(Household.id).where(Household.id == report.household_id, households_of(actor))
    )
    if in_scope is None:
        raise VisitError("out_of_scope")
    existing = await session.get(Visit, draft.id)
    correcting = existing is not None and existing.review_status is ReviewStatus.RETURNED
    try:
        await forms.finish(session, draft, FormStatus.SUBMITTED, now)
    except StaleSession:
        # Another transaction may have submitted it between our read and our claim: look again.
        done = await session.execute(
            select(Visit.id, Visit.late, Visit.location_flagged, Visit.review_status).where(Visit.id == draft.id)
        )
        row = done.first()
        if row is not None and row.review_status is not ReviewStatus.RETURNED:
            return Submitted(row.id, forms.short_id(row.id), row.late, row.location_flagged, already=True)
        raise
    if existing is not None and not correcting:  # a visit with this id but the session was a draft: impossible
        raise VisitError("conflict")
    values = _visit_values(report, actor)
    if correcting:
        assert existing is not None
        for key, value in values.items():
            setattr(existing, key, value)
        existing.review_status = ReviewStatus.PENDING
        existing.submitted_at = now
        await session.execute(delete(CommitmentCheck).where(CommitmentCheck.visit_id == existing.id))
        await session.execute(
            delete(DataChange).where(DataChange.visit_id == existing.id, DataChange.status == ChangeStatus.PROPOSED)
        )
        await session.execute(
            delete(Referral).where(Referral.visit_id == existing.id, Referral.status == ReferralStatus.NEW)
        )
        await session.flush()
        late_flag = existing.late
    else:
        inserted = await session.execute(
            _insert(session, Visit)
            .values(id=draft.id, late=late, submitted_at=now, review_status=ReviewStatus.PENDING.value, **values)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        if inserted.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleSession(draft.id)
        late_flag = late
    await _write_checks(session, draft.id, report)
    _write_changes(session, draft.id, report, actor, facts, now)
    _write_referrals(session, draft.id, report, now)
    await audit.record(
        session,
        actor_type="user",
        actor_id=str(actor.id),
        action="visit.resubmit" if correcting else "visit.submit",
        entity="visit",
        entity_id=draft.id,
        after={
            "household_id": report.household_id,
            "period": str(report.period),
            "met": report.met,
            "late": late_flag,
            "location_flagged": report.location_flagged,
        },
        at=now,
    )
    return Submitted(draft.id, forms.short_id(draft.id), late_flag, report.location_flagged, corrected=correcting)


def _visit_values(report: VisitReport, actor: Actor) -> dict[str, Any]:
    return {
        "household_id": report.household_id,
        "pendamping_id": actor.id,
        "period": str(report.period),
        "visited_on": report.visited_on,
        "met": report.met,
        "not_met_reason": report.not_met_reason,
        "condition": dict(report.condition),
        "welfare": dict(report.welfare),
        "deprivation_score": report.deprivation_score,
        "latitude": report.latitude,
        "longitude": report.longitude,
        "location_flagged": report.location_flagged,
        "photo_file_id": report.photo_file_id,
        "photo_hash": report.photo_hash,
        "evidence_note": report.evidence_note,
        "notes": report.notes,
        "other_reasons": dict(report.other_reasons) or None,
    }


def _insert(session: AsyncSession, table: type[Any]) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_nothing``/``_update`` on both SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


async def _write_checks(session: AsyncSession, visit_id: str, report: VisitReport) -> None:
    """One verification per member, commitment and period: a follow-up visit in the same period overrides."""
    if not report.checks:
        return
    period = str(report.period)
    rows = [
        {
            "visit_id": visit_id,
            "member_id": c.member_id,
            "period": period,
            "commitment": c.commitment,
            "result": c.result.value,
            "reason": c.reason,
            "reason_note": c.reason_note,
        }
        for c in report.checks
    ]
    stmt = _insert(session, CommitmentCheck).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["member_id", "commitment", "period"],
        set_={
            "visit_id": stmt.excluded.visit_id,
            "result": stmt.excluded.result,
            "reason": stmt.excluded.reason,
            "reason_note": stmt.excluded.reason_note,
        },
    )
    await session.execute(stmt)


def _write_changes(
    session: AsyncSession,
    visit_id: str,
    report: VisitReport,
    actor: Actor,
    facts: HouseholdFacts | None,
    now: datetime,
) -> None:
    """Proposed, never applied: the registry changes only after someone verifies (pemutakhiran data in docs/glossary.md)."""
    for change in report.changes:
        session.add(
            DataChange(
                visit_id=visit_id,
                household_id=report.household_id,
                member_id=change.member_id,
                kind=change.kind,
                field=_CHANGE_FIELDS.get(change.kind),
                old_value=_old_value(change, facts),
                new_value=dict(change.values),
                status=ChangeStatus.PROPOSED,
                proposed_by=actor.id,
                created_at=now,
            )
        )


def _old_value(change: Change, facts: HouseholdFacts | None) -> str | None:
    if facts is None:
        return None
    if change.kind == "telepon_baru":
        return facts.phone
    if change.kind == "alamat_baru":
        return facts.address
    member = facts.member(change.member_id) if change.member_id else None
    if member is None:
        return None
    if change.kind == "jenjang_sekolah":
        return member.school_level
    if change.kind == "kehamilan":
        return member.pregnancy_edd
    return None


def _write_referrals(session: AsyncSession, visit_id: str, report: VisitReport, now: datetime) -> None:
    for referral in report.referrals:
        session.add(
            Referral(
                household_id=report.household_id,
                member_id=referral.member_id,
                visit_id=visit_id,
                sector=referral.sector,
                need=referral.need,
                status=ReferralStatus.NEW,
                created_at=now,
                updated_at=now,
            )
        )


# --- sent back for correction ------------------------------------------------------------------------------


async def reopen_for_correction(
    session: AsyncSession,
    visit_id: str,
    section: str | None,
    note: str,
    reviewer: Actor,
    *,
    now: datetime | None = None,
) -> Visit:
    """A supervisor sends a report back: it becomes "dikembalikan" with ``note``, and its pendamping can reopen it
    from /riwayat at ``section`` (one of ``SECTIONS``; ``None`` opens the review screen), correct it and resubmit
    it under the same visit id (review status back to "menunggu").

    The reviewer's scope decides: a visit outside it raises ``VisitError("not_found")``.
    """
    if section is not None and section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}; one of {', '.join(SECTIONS)}")
    at = now or utcnow()
    visit = await session.scalar(
        select(Visit)
        .join(Household, Household.id == Visit.household_id)
        .where(Visit.id == visit_id, households_of(reviewer))
    )
    if visit is None:
        raise VisitError("not_found")
    before = {"review_status": visit.review_status.value, "review_note": visit.review_note}
    visit.review_status = ReviewStatus.RETURNED
    visit.review_note = note
    visit.reviewer_id = reviewer.id
    visit.reviewed_at = at
    marker = {"section": section, "note": note}
    row = await session.get(FormSession, visit_id)
    if row is None:  # a visit that did not come from a form (imported, seeded): rebuilt from the visit when opened
        if visit.pendamping_id is not None:
            session.add(
                FormSession(
                    id=visit_id,
                    user_id=visit.pendamping_id,
                    form=FORM_NAME,
                    household_id=visit.household_id,
                    step=REVIEW_STEP,
                    answers=_returned_answers({}, marker, rebuild=True),
                    status=FormStatus.SUBMITTED.value,
                    version=0,
                    created_at=at,
                    updated_at=at,
                )
            )
    else:
        row.answers = _returned_answers(dict(row.answers or {}), marker, rebuild=False)
        row.updated_at = at
    await audit.record(
        session,
        actor_type="user",
        actor_id=str(reviewer.id),
        action="visit.return",
        entity="visit",
        entity_id=visit_id,
        before=before,
        after={"review_status": ReviewStatus.RETURNED.value, "review_note": note, "section": section},
        at=at,
    )
    await session.flush()
    return visit


async def returned_session(session: AsyncSession, actor: Actor, visit_id: str) -> Draft | None:
    """The form session of a sent-back visit the actor may correct (their own, in scope, still "dikembalikan")."""
    visit = await session.scalar(
        select(Visit)
        .join(Household, Household.id == Visit.household_id)
        .where(Visit.id == visit_id, households_of(actor), Visit.review_status == ReviewStatus.RETURNED)
    )
    if visit is None:
        return None
    return await forms.load(session, visit_id, actor.id)


def _returned_answers(answers: dict[str, Any], marker: dict[str, Any], *, rebuild: bool) -> dict[str, Any]:
    """``answers`` with the supervisor's return note; ``rebuild`` when there is no stored draft to reopen."""
    meta = DraftMeta(answers)
    meta.returned = marker
    if rebuild:
        meta.mark_rebuild()
    return meta.answers
