"""/lapor on the form engine: picking the household, the report's context, submitting, correcting.

Entry points other features use: the ``lapor`` button opens the picker, ``lapor:<household_id>`` starts a report
for that household (reminders, the household card). Both are scoped: a household outside the pendamping's scope
reads as "not found".
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import TelegramError

from handlers import render
from handlers.form_runner import FormRunner, Show, Turn
from handlers.forms import Action, Input, PhotoInput, Question, callback
from handlers.render import forms as form_texts
from handlers.render import report_summary
from handlers.report.convert import answers_from, forget_other_period_commitments, report_from
from handlers.report.form import PICK, VISIT_FORM
from handlers.report_context import ReportCtx
from handlers.types import callback_int
from models import forms, visits
from models.calendar import WorkCalendar
from models.forms import Draft, DraftMeta
from models.period import Period
from models.queries.households import search_households
from models.queries.visits import load_report
from models.queries.worklist import reported_in_period, worklist
from models.tables import Role
from models.visit_facts import HouseholdFacts, cached_programme_rules, load_household_facts, programme_rules

log = logging.getLogger(__name__)


def work_calendar(turn: Turn) -> WorkCalendar:
    return turn.context.services.calendar


def reporting_window_start(calendar: WorkCalendar, today: date, deadline_days: int) -> date:
    """The earliest visit date still reportable: last month's first day while last month is still open
    (until its deadline, the n-th working day of this month), else this month's first day."""
    current = Period.of(today)
    previous = current.previous()
    return previous.start if calendar.period_is_open(previous, today, deadline_days) else current.start


class ReportRunner(FormRunner):
    form = VISIT_FORM
    roles = frozenset({Role.PENDAMPING})

    async def judging_context(self, session: AsyncSession, turn: Turn, draft: Draft) -> ReportCtx:
        """While the household is not picked, the picker's list is only needed to *show* the picker: a press or
        a search on it becomes an action that reads the list afresh (or picks), so it is not read twice."""
        return await self.context(session, turn, draft, picker=False)

    async def showing_context(self, session: AsyncSession, turn: Turn, draft: Draft, ctx: Any) -> ReportCtx:
        picker_left_out = PICK not in draft.answers and ctx.worklist is None and ctx.hits is None
        return await self.context(session, turn, draft) if picker_left_out else ctx

    async def context(self, session: AsyncSession, turn: Turn, draft: Draft, *, picker: bool = True) -> ReportCtx:
        answers, meta = draft.answers, draft.meta
        today = turn.context.local_now().date()
        facts = HouseholdFacts.from_json(meta.household) if meta.household is not None else None
        rules = None
        if facts is not None:
            key = draft.programme_rules_key  # read with the draft: the rules as stored now, by their hash
            if key is not None and key[0] == facts.programme:
                rules = cached_programme_rules(*key)
            rules = rules or await programme_rules(session, facts.programme)
        deadline_days = rules.period.deadline_working_days if rules is not None else 5
        earliest = reporting_window_start(work_calendar(turn), today, deadline_days)
        if meta.original_date:  # a correction keeps the period it was reported for
            earliest = min(earliest, Period.of(date.fromisoformat(meta.original_date)).start)
        ctx = ReportCtx(today=today, earliest=earliest, facts=facts, rules=rules)
        if PICK not in answers and picker:
            search = meta.search
            if search:
                ctx.search = search
                ctx.hits = await search_households(session, turn.actor, search)
            else:
                ctx.worklist = await worklist(session, turn.actor, Period.of(today), page=meta.page)
        return ctx

    async def advance(
        self, session: AsyncSession, turn: Turn, draft: Draft, ctx: Any, *, edit: bool, ack: bool = False
    ) -> Show:
        forget_other_period_commitments(draft.answers)
        return await super().advance(session, turn, draft, ctx, edit=edit, ack=ack)

    def needs_preparing(self, given: Input, draft: Draft) -> bool:
        return isinstance(given, PhotoInput) and given.sha256 is None and draft.step == "foto"

    async def prepare(self, turn: Turn, given: Input, draft: Draft) -> Input:
        """A photo is stored as Telegram's file id plus a hash of its bytes (decision 7 in docs/design.md); fetched
        between transactions so no database lock is held while the file downloads."""
        if not isinstance(given, PhotoInput):
            return given
        try:
            file = await turn.context.bot.get_file(given.file_id)
            content = await file.download_as_bytearray()
        except TelegramError:
            log.warning("could not fetch photo %s to hash it; stored without hash", given.file_id, exc_info=True)
            return given
        return replace(given, sha256=hashlib.sha256(bytes(content)).hexdigest())

    async def action(
        self, session: AsyncSession, turn: Turn, draft: Draft, ctx: Any, question: Question, action: Action
    ) -> Show:
        meta = draft.meta
        if action.name == "submit":
            return await self.submit(session, turn, draft, ctx)
        if action.name == "text":
            meta.set_picker(search=action.arg.strip()[:60])
            return await self.advance(session, turn, draft, await self.context(session, turn, draft), edit=False)
        value = action.arg
        picked = callback_int(value.split(":", 1)[1]) if value.startswith(("h:", "h!:")) else None
        if picked is not None:
            return await self.pick(session, turn, draft, picked, force=value.startswith("h!"), edit=True)
        if value.startswith("p:") and (page := callback_int(value[2:])) is not None:
            meta.set_page(page)
        elif value == "all":
            meta.set_picker()
        else:
            return Show(toast=form_texts.stale(turn.lang))
        return await self.advance(session, turn, draft, await self.context(session, turn, draft), edit=True)

    async def pick(
        self, session: AsyncSession, turn: Turn, draft: Draft, household_id: int, *, force: bool, edit: bool
    ) -> Show:
        facts = await load_household_facts(session, turn.actor, household_id)
        if facts is None:
            return Show(reply=render.not_found_or_out_of_scope(turn.lang))
        if not force:
            found = await reported_in_period(
                session, turn.actor, household_id, Period.of(turn.context.local_now().date())
            )
            if found is not None:
                reply = report_summary.already_reported(
                    turn.lang,
                    facts.head_name,
                    found,
                    callback(draft.short_id, draft.version, f"h!:{household_id}"),
                    callback(draft.short_id, draft.version, "all"),
                )
                return Show(reply=reply, edit=edit, draft=draft)
        draft.meta.clear_picker()
        draft.answers[PICK] = household_id
        draft.meta.household = facts.to_json()
        draft.household_id = household_id
        return await self.advance(session, turn, draft, await self.context(session, turn, draft), edit=edit)

    async def submit(self, session: AsyncSession, turn: Turn, draft: Draft, ctx: ReportCtx) -> Show:
        report = report_from(draft.answers, ctx)
        deadline_days = ctx.rules.period.deadline_working_days if ctx.rules else 5
        late = not work_calendar(turn).period_is_open(report.period, ctx.today, deadline_days)
        try:
            result = await visits.submit(session, turn.actor, draft, report, late=late, now=turn.now, facts=ctx.facts)
        except visits.VisitError:
            return Show(reply=render.not_found_or_out_of_scope(turn.lang))
        return Show(reply=report_summary.submitted(result, turn.lang), edit=True)

    # --- entry points ---------------------------------------------------------------------------------------

    async def start(self, turn: Turn, *, search: str | None = None, household_id: int | None = None) -> None:
        """/lapor, the ``lapor`` button, ``lapor:<id>``: resume or offer the open draft, else start afresh."""
        async with turn.context.db() as session:
            draft = await forms.load_draft(session, turn.actor.id, self.form.name)
            if draft is not None and PICK in draft.answers:
                if household_id is not None and household_id == draft.household_id:
                    show = await self.current_view(session, turn, draft)
                else:  # the offer stands in for the question until it is answered: the older copy goes stale
                    offer = self.resume_offer(turn, draft, str(household_id or ""))
                    show = Show(reply=offer, draft=draft, clear=(draft.message_id,))
            else:
                if draft is None:
                    draft = await forms.create(
                        session, user_id=turn.actor.id, form=self.form.name, step=PICK, now=turn.now
                    )
                draft.meta.clear_picker()
                if search:
                    draft.meta.set_picker(search=search[:60])
                if household_id is not None:
                    show = await self.pick(session, turn, draft, household_id, force=False, edit=False)
                else:
                    show = await self.advance(
                        session, turn, draft, await self.context(session, turn, draft), edit=False
                    )
        await self.display(turn, show)

    def resume_offer(self, turn: Turn, draft: Draft, drop_arg: str) -> render.Reply:
        head = (draft.meta.household or {}).get("head_name", "")
        answered = sum(1 for key in draft.answers if not DraftMeta.is_meta(key) and key != PICK)
        return form_texts.resume_offer(turn.lang, draft.short_id, draft.version, head, answered, drop_arg)

    async def dropped(self, session: AsyncSession, turn: Turn, arg: str) -> Show:
        """After "buang": start what the person asked for (a household, a correction, or the picker)."""
        if arg.startswith("v"):
            return await self.correction(session, turn, arg[1:])
        draft = await forms.create(session, user_id=turn.actor.id, form=self.form.name, step=PICK, now=turn.now)
        if (household_id := callback_int(arg)) is not None:
            return await self.pick(session, turn, draft, household_id, force=False, edit=True)
        return await self.advance(session, turn, draft, await self.context(session, turn, draft), edit=True)

    async def start_correction(self, turn: Turn, visit_id: str) -> None:
        async with turn.context.db() as session:
            other = await forms.load_draft(session, turn.actor.id, self.form.name)
            if other is not None and other.id != visit_id and PICK in other.answers:
                offer = self.resume_offer(turn, other, f"v{visit_id}")
                show = Show(reply=offer, draft=other, clear=(other.message_id,))
            else:
                if other is not None and other.id != visit_id:
                    await forms.cancel(session, other, turn.now)
                show = await self.correction(session, turn, visit_id)
        await self.display(turn, show)

    async def correction(self, session: AsyncSession, turn: Turn, visit_id: str) -> Show:
        """Reopen a report sent back by a supervisor at the section to correct (same visit id on resubmit)."""
        current = await forms.load_draft(session, turn.actor.id, self.form.name)
        if current is not None and current.id == visit_id:  # already reopened: carry on
            return await self.current_view(session, turn, current)
        stored = await visits.returned_session(session, turn.actor, visit_id)
        if stored is None:
            return Show(reply=render.not_found_or_out_of_scope(turn.lang))
        answers = dict(stored.answers)
        meta = DraftMeta(answers)
        marker = meta.returned or {}
        if meta.take_rebuild():
            report = await load_report(session, turn.actor, visit_id)
            if report is None:
                return Show(reply=render.not_found_or_out_of_scope(turn.lang))
            answers.update(answers_from(report))
        if meta.household is None:
            facts = await load_household_facts(session, turn.actor, int(answers["kpm"]))
            if facts is None:
                return Show(reply=render.not_found_or_out_of_scope(turn.lang))
            meta.household = facts.to_json()
        meta.take_edit()
        meta.original_date = answers.get("tanggal")
        if marker.get("section"):
            self.form.start_edit(answers, str(marker["section"]))
        await forms.reopen(session, visit_id, step=self.form.review.key, answers=answers, now=turn.now)
        draft = await forms.load(session, visit_id, turn.actor.id)
        assert draft is not None
        return await self.advance(session, turn, draft, await self.context(session, turn, draft), edit=False)


RUNNER = ReportRunner()
