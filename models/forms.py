"""Durable form sessions (decision 1 in docs/design.md): a conversation's answers live in ``form_session``, not in memory.

A bot restart, a second bot process or a pendamping who comes back tomorrow all read the same row. Every write
is guarded by the row's ``version`` (optimistic locking): a double tap, a stale button or two processes racing on
one update can never apply two answers to one step — the second writer finds the version moved and is told so.
The session id doubles as the visit id on submit, which is what makes submitting idempotent.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.actor import Actor
from models.tables import FormSession, FormStatus, Household, Programme, User

SHORT_ID_LENGTH = 8


# -- the statements every form step runs, built once -----------------------------------------------------------
# Core statements on the tables, with bind parameters: a step runs them for every button press, and building an
# ORM statement afresh each time (its cache key, the ORM's compile and result machinery) costs the bot more CPU
# than SQLite running it. Same SQL as the ORM forms they replace.
_user, _form, _household, _programme = (cast(Table, t.__table__) for t in (User, FormSession, Household, Programme))
_is_draft = _form.c.status == FormStatus.DRAFT.value
_ACTOR_AND_DRAFT = (
    select(
        _user.c.id,
        _user.c.name,
        _user.c.role,
        _user.c.area_code,
        _user.c.language,
        _user.c.telegram_id,
        _user.c.active,
        *(column.label(f"f_{column.name}") for column in _form.c if column.name != "created_at"),
        _programme.c.code.label("programme_code"),
        _programme.c.rules_hash,
    )
    .select_from(
        _user.outerjoin(_form, (_form.c.user_id == _user.c.id) & _is_draft & (_form.c.form == bindparam("form")))
        .outerjoin(_household, _household.c.id == _form.c.household_id)
        .outerjoin(_programme, _programme.c.code == _household.c.programme_code)
    )
    .where(_user.c.telegram_id == bindparam("telegram_id"))
    .order_by(_form.c.updated_at.desc())
    .limit(1)
)
_this_version = (_form.c.id == bindparam("b_id")) & (_form.c.version == bindparam("b_version"))
# The UPDATEs take their SET columns from the execution parameters (Core's own way), the row from ``b_*``.
_SAVE = _FINISH = update(_form).where(_this_version & _is_draft)
_SET_MESSAGE = update(_form).where(_this_version)


class StaleSession(Exception):
    """The row moved on (another answer, a submit, a cancel) since the caller read it."""


class DraftMeta:
    """The form's own bookkeeping, kept in the draft's ``answers`` beside the answers themselves.

    It lives in the same JSON column so that it is saved in the same write as the answer it goes with, and so
    that drafts written before this class existed read the same. Its keys start with ``_``, which no step key
    does; this class is the only place that names them, and gives each a type.
    """

    __slots__ = ("answers",)

    HOUSEHOLD = "_hh"  # the picked household's facts (HouseholdFacts.to_json), read once when it is picked
    SEARCH = "_search"  # the picker's search text
    PAGE = "_page"  # the picker's page
    ORIGINAL_DATE = "_orig"  # a correction's first visit date: it keeps the period it was reported for
    RETURNED = "_return"  # a supervisor's "kembalikan" note: {"section", "note", ...}
    REBUILD = "_rebuild"  # a returned visit with no stored draft (imported): rebuild the answers from the visit
    EDIT = "_edit"  # a section being changed: {"section", "saved": the answers set aside for undo/prefill}

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers

    @staticmethod
    def is_meta(key: str) -> bool:
        return key.startswith("_")

    @property
    def household(self) -> dict[str, Any] | None:
        return cast("dict[str, Any] | None", self.answers.get(self.HOUSEHOLD))

    @household.setter
    def household(self, facts: dict[str, Any]) -> None:
        self.answers[self.HOUSEHOLD] = facts

    @property
    def search(self) -> str | None:
        return cast("str | None", self.answers.get(self.SEARCH)) or None

    @property
    def page(self) -> int:
        return int(self.answers.get(self.PAGE, 0))

    def set_picker(self, *, search: str | None = None, page: int = 0) -> None:
        """Show the picker at ``page``, filtered by ``search`` (or the whole list)."""
        if search:
            self.answers[self.SEARCH] = search
        else:
            self.answers.pop(self.SEARCH, None)
        self.answers[self.PAGE] = page

    def set_page(self, page: int) -> None:
        self.answers[self.PAGE] = page

    def clear_picker(self) -> None:
        self.answers.pop(self.PAGE, None)
        self.answers.pop(self.SEARCH, None)

    @property
    def original_date(self) -> str | None:
        return cast("str | None", self.answers.get(self.ORIGINAL_DATE)) or None

    @original_date.setter
    def original_date(self, value: str | None) -> None:
        self.answers[self.ORIGINAL_DATE] = value

    @property
    def returned(self) -> dict[str, Any] | None:
        return cast("dict[str, Any] | None", self.answers.get(self.RETURNED)) or None

    @returned.setter
    def returned(self, marker: dict[str, Any]) -> None:
        self.answers[self.RETURNED] = marker

    def mark_rebuild(self) -> None:
        self.answers[self.REBUILD] = True

    def take_rebuild(self) -> bool:
        """Whether the answers must be rebuilt from the visit; asked once."""
        return bool(self.answers.pop(self.REBUILD, False))

    @property
    def edit(self) -> dict[str, Any] | None:
        return cast("dict[str, Any] | None", self.answers.get(self.EDIT)) or None

    def start_edit(self, section: str, saved: dict[str, Any]) -> None:
        self.answers[self.EDIT] = {"section": section, "saved": saved}

    def take_edit(self) -> dict[str, Any] | None:
        return cast("dict[str, Any] | None", self.answers.pop(self.EDIT, None)) or None

    def saved(self, key: str) -> Any:
        """The answer a section had before the person chose to change it."""
        return ((self.edit or {}).get("saved") or {}).get(key)


@dataclass
class Draft:
    """A plain copy of a ``form_session`` row; the engine edits ``answers``/``step`` and saves it back."""

    id: str
    user_id: int
    form: str
    household_id: int | None
    step: str
    answers: dict[str, Any] = field(default_factory=dict)
    message_id: int | None = None
    status: str = FormStatus.DRAFT.value
    version: int = 0
    updated_at: datetime | None = None
    # Read along with the draft by ``actor_and_draft`` (not stored): the household's programme and the hash of
    # its rules as stored, so a step can take the parsed rules from the process cache without another query.
    programme_rules_key: tuple[str, str] | None = None

    @property
    def meta(self) -> DraftMeta:
        """The form's bookkeeping in ``answers``, typed."""
        return DraftMeta(self.answers)

    @property
    def short_id(self) -> str:
        return short_id(self.id)

    @classmethod
    def of(cls, row: FormSession | Row[*tuple[Any, ...]], prefix: str = "") -> Draft:
        """From an ORM row, or from a Core row whose ``form_session`` columns carry ``prefix``."""

        def column(name: str) -> Any:
            return getattr(row, prefix + name)

        return cls(
            id=column("id"),
            user_id=column("user_id"),
            form=column("form"),
            household_id=column("household_id"),
            step=column("step"),
            answers=dict(column("answers") or {}),
            message_id=column("message_id"),
            status=column("status"),
            version=column("version"),
            updated_at=column("updated_at"),
        )


def short_id(session_id: str) -> str:
    """The 8 characters shown to people and carried in button data (``f:<short>:<version>:<value>``)."""
    return session_id[:SHORT_ID_LENGTH].upper()


def new_id() -> str:
    return uuid.uuid4().hex


async def create(
    session: AsyncSession,
    *,
    user_id: int,
    form: str,
    step: str,
    now: datetime,
    household_id: int | None = None,
    answers: dict[str, Any] | None = None,
    session_id: str | None = None,
) -> Draft:
    row = FormSession(
        id=session_id or new_id(),
        user_id=user_id,
        form=form,
        household_id=household_id,
        step=step,
        answers=answers or {},
        status=FormStatus.DRAFT.value,
        version=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return Draft.of(row)


async def load_draft(session: AsyncSession, user_id: int, form: str | None = None) -> Draft | None:
    """The person's form in progress (newest first, should two processes ever have opened one each)."""
    stmt = select(FormSession).where(FormSession.user_id == user_id, FormSession.status == FormStatus.DRAFT.value)
    if form is not None:
        stmt = stmt.where(FormSession.form == form)
    row = await session.scalar(stmt.order_by(FormSession.updated_at.desc()).limit(1))
    return Draft.of(row) if row is not None else None


async def actor_and_draft(session: AsyncSession, telegram_id: int, form: str) -> tuple[Actor | None, Draft | None]:
    """The person behind a Telegram account and their open ``form`` (the newest), in one round trip.

    Every step of a form needs both — who is answering (still active? still in the role?) and where their draft
    stands — so they come in one statement, not two; with them the draft's household's programme and rules hash
    (``Draft.programme_rules_key``), which is all a step needs to find the programme's parsed rules in memory.
    """
    row = (await session.execute(_ACTOR_AND_DRAFT, {"telegram_id": telegram_id, "form": form})).first()
    if row is None:
        return None, None
    actor = Actor.of(row)
    if row.f_id is None:
        return actor, None
    draft = Draft.of(row, prefix="f_")
    if row.programme_code is not None:
        draft.programme_rules_key = (row.programme_code, row.rules_hash or "")
    return actor, draft


async def load(session: AsyncSession, session_id: str, user_id: int) -> Draft | None:
    row = await session.scalar(select(FormSession).where(FormSession.id == session_id, FormSession.user_id == user_id))
    return Draft.of(row) if row is not None else None


async def find_by_short_id(session: AsyncSession, user_id: int, short: str) -> Draft | None:
    """A person's session whose id starts with ``short`` (any status) — to tell "already sent" from "stale"."""
    row = await session.scalar(
        select(FormSession)
        .where(FormSession.user_id == user_id, FormSession.id.startswith(short.lower()))
        .order_by(FormSession.updated_at.desc())
        .limit(1)
    )
    return Draft.of(row) if row is not None else None


async def save(session: AsyncSession, draft: Draft, now: datetime) -> Draft:
    """Write ``draft``'s step and answers if nobody else did since it was read; bumps the version.

    Raises ``StaleSession`` when the row is no longer at ``draft.version`` or no longer a draft.
    """
    result = await session.execute(
        _SAVE,
        {
            "b_id": draft.id,
            "b_version": draft.version,
            "step": draft.step,
            "answers": draft.answers,
            "household_id": draft.household_id,
            "version": draft.version + 1,
            "updated_at": now,
            "message_id": draft.message_id,
        },
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleSession(draft.id)
    draft.version += 1
    draft.updated_at = now
    return draft


def remember_message(draft: Draft, message_id: int) -> Callable[[AsyncSession], Awaitable[None]]:
    """The write that remembers which bot message carries the current question (no version bump: no answer
    changed), to run now or later (``models/deferred.py``). It names the draft at its version now: should the row
    have moved on by the time it runs, it changes nothing."""
    params = {"b_id": draft.id, "b_version": draft.version, "message_id": message_id}
    draft.message_id = message_id

    async def write(session: AsyncSession) -> None:
        await session.execute(_SET_MESSAGE, params)

    return write


async def finish(session: AsyncSession, draft: Draft, status: FormStatus, now: datetime) -> None:
    """Close a draft (submitted or cancelled) exactly once; ``StaleSession`` if it already moved on."""
    result = await session.execute(
        _FINISH,
        {
            "b_id": draft.id,
            "b_version": draft.version,
            "status": status.value,
            "version": draft.version + 1,
            "updated_at": now,
        },
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleSession(draft.id)
    draft.status = status.value
    draft.version += 1


async def cancel(session: AsyncSession, draft: Draft, now: datetime) -> None:
    await finish(session, draft, FormStatus.CANCELLED, now)


async def reopen(session: AsyncSession, session_id: str, *, step: str, answers: dict[str, Any], now: datetime) -> None:
    """Turn a submitted session back into a draft (a report sent back for correction)."""
    await session.execute(
        update(FormSession)
        .where(FormSession.id == session_id)
        .values(
            status=FormStatus.DRAFT.value, step=step, answers=answers, version=FormSession.version + 1, updated_at=now
        )
        .execution_options(synchronize_session=False)
    )


async def put_pending(
    session: AsyncSession, *, row_id: str, user_id: int, form: str, step: str, answers: dict[str, Any], now: datetime
) -> None:
    """Create or overwrite a one-per-person pending row (a supervisor's note, an announcement draft).

    Those wait for exactly one next message, so they live under a fixed id and bump the version on every write.
    """
    row = await session.get(FormSession, row_id)
    if row is None:
        session.add(
            FormSession(
                id=row_id,
                user_id=user_id,
                form=form,
                step=step,
                answers=answers,
                status=FormStatus.DRAFT.value,
                version=0,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        row.answers, row.status, row.step = answers, FormStatus.DRAFT.value, step
        row.version, row.updated_at = row.version + 1, now
    await session.flush()
