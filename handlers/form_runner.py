"""The form engine's Telegram side: a button press or a message in, the answer saved, the next question out.

Order of work for every update, which is what makes the conversation durable:
1. read the person's draft (``models.forms``) and check the button's session id and version;
2. let the current step judge the input, apply the outcome to the answers;
3. save with the version check and **commit** — only then
4. show the next question: the pressed message is edited in place where it can be (fewer messages on a cheap
   phone); a typed answer, a photo or a location get the next question as a new message.

A stale button (older version, other session) changes nothing: the person is told, and shown the current question.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import BadRequest

from handlers import render
from handlers.access import answer
from handlers.context import AppContext
from handlers.forms.engine import CANCEL, DROP, UNDO, Form, Pressed, Question
from handlers.forms.steps import Action, Answer, Ignore, Input, Invalid, LocationInput, Stay, TextInput
from handlers.i18n import normalize_language
from handlers.render import Reply
from handlers.render import forms as texts
from models import deferred, forms
from models.actor import Actor
from models.forms import Draft, StaleSession
from models.tables import Role

log = logging.getLogger(__name__)


@dataclass
class Turn:
    """One update being handled: who, in which chat, with which services."""

    update: Update
    context: AppContext
    actor: Actor

    @property
    def lang(self) -> str:
        return self.actor.language

    @property
    def now(self) -> datetime:
        return self.context.now()

    @property
    def chat_id(self) -> int:
        assert self.update.effective_chat is not None
        return self.update.effective_chat.id

    @property
    def pressed_message_id(self) -> int | None:
        query = self.update.callback_query
        return query.message.message_id if query is not None and query.message is not None else None


@dataclass
class Show:
    """What to display once the transaction has committed."""

    reply: Reply | None = None
    edit: bool = False  # edit the pressed message instead of sending a new one
    toast: str | None = None
    draft: Draft | None = None  # the draft whose current question ``reply`` is (its message id is remembered)
    before: list[Reply] = field(default_factory=list)  # sent first (e.g. the reply keyboard's removal)
    # Messages whose buttons are now stale — the question this one replaces, a "lanjutkan / buang" offer, the
    # pressed message — lose them (the one edited into the new question keeps its new buttons).
    clear: tuple[int | None, ...] = ()


class FormRunner(ABC):
    form: Form
    roles: frozenset[Role] = frozenset(Role)  # who may fill this form in

    # --- what the form's owner provides ---------------------------------------------------------------------

    @abstractmethod
    async def context(self, session: AsyncSession, turn: Turn, draft: Draft) -> Any:
        """The form's context for this draft (the household snapshot, rules, today …)."""

    @abstractmethod
    async def action(
        self, session: AsyncSession, turn: Turn, draft: Draft, ctx: Any, question: Question, action: Action
    ) -> Show:
        """Handle an ``Action`` a step returned (custom steps, submit)."""

    async def judging_context(self, session: AsyncSession, turn: Turn, draft: Draft) -> Any:
        """The context a press or an input is judged in; an owner may leave out what only *showing* the current
        question needs (``showing_context`` completes it when the question is shown again as it is)."""
        return await self.context(session, turn, draft)

    async def showing_context(self, session: AsyncSession, turn: Turn, draft: Draft, ctx: Any) -> Any:
        return ctx

    async def prepare(self, turn: Turn, given: Input, draft: Draft) -> Input:
        """Work to do outside the transaction before an input is judged (fetching a photo to hash it)."""
        return given

    def after_cancel(self, turn: Turn) -> Reply:
        return texts.cancelled(turn.lang)

    # --- questions ------------------------------------------------------------------------------------------

    def view(
        self,
        draft: Draft,
        ctx: Any,
        lang: str,
        *,
        problem: Invalid | None = None,
        hint: bool = False,
        question: Question | None = None,
    ) -> Reply:
        """The current question as a message; ``question`` when the caller has just computed it from these answers
        (walking the form again costs as much as the rest of a step's Python)."""
        question = question or self.form.current(draft.answers, ctx, lang)
        return texts.question(
            question,
            draft.short_id,
            draft.version,
            lang,
            problem=problem,
            hint=hint,
            editing=self.form.editing(draft.answers) is not None,
        )

    async def current_view(self, session: AsyncSession, turn: Turn, draft: Draft, *, notice: str | None = None) -> Show:
        ctx = await self.context(session, turn, draft)
        reply = self.view(draft, ctx, turn.lang)
        before = [texts.notice(notice)] if notice else []
        return Show(reply=reply, draft=draft, before=before, clear=(draft.message_id,))

    async def advance(
        self, session: AsyncSession, turn: Turn, draft: Draft, ctx: Any, *, edit: bool, ack: bool = False
    ) -> Show:
        """Save the answers (version-checked) and show the question that is now current."""
        edit = edit and turn.pressed_message_id is not None  # a typed answer gets the next question as a new message
        question = self.form.current(draft.answers, ctx, turn.lang)
        if question.step is self.form.review:  # ending a change alters the answers: the review is built afresh
            self.form.finish_edit(draft.answers, keep=True)
        draft.step = question.key
        await forms.save(session, draft, turn.now)
        reply = self.view(draft, ctx, turn.lang, question=None if question.step is self.form.review else question)
        before = [texts.received(turn.lang, ReplyKeyboardRemove())] if ack else []
        can_edit = edit and not before and _inline_or_none(reply)
        # The question being replaced loses its buttons: the pressed form message, and the last one sent. A message
        # that is not the form's (a /jadwal list, a household card, a reminder) keeps its buttons.
        stale = (turn.pressed_message_id if edit else None, draft.message_id)
        return Show(reply=reply, edit=can_edit, draft=draft, before=before, clear=stale)

    # --- updates --------------------------------------------------------------------------------------------

    async def who(self, session: AsyncSession, update: Update) -> tuple[Actor | None, Reply | None, Draft | None]:
        """The person and their draft of this form — or the polite refusal for someone unregistered, deactivated
        or in another role. One statement, in the same transaction the step is then saved in."""
        user = update.effective_user
        actor, draft = await forms.actor_and_draft(session, user.id, self.form.name) if user else (None, None)
        lang = actor.language if actor else normalize_language(user.language_code if user else None)
        if actor is None:
            return None, render.must_register(lang), None
        if not actor.active:
            return None, render.deactivated(lang), None
        if actor.role not in self.roles:
            return None, render.not_allowed(lang), None
        return actor, None, draft

    async def on_press(self, update: Update, context: AppContext, pressed: Pressed) -> None:
        for attempt in (1, 2):
            try:
                async with context.db() as session:
                    actor, refusal, draft = await self.who(session, update)
                    if actor is None:
                        break
                    turn = Turn(update, context, actor)
                    show = await self._press(session, turn, pressed, draft)
                await self.display(turn, show)
                return
            except StaleSession:
                # Someone else (a second tap, another process) moved the draft first. Judging the press again
                # against the fresh row answers it as stale — or as "already sent" when the other one submitted.
                if attempt == 2:
                    raise
        assert refusal is not None
        await answer(update, refusal)

    async def _press(self, session: AsyncSession, turn: Turn, pressed: Pressed, draft: Draft | None) -> Show:
        if draft is None or draft.short_id != pressed.short_id:
            gone = await forms.find_by_short_id(session, turn.actor.id, pressed.short_id)
            toast = texts.gone(turn.lang, gone.status if gone is not None else None)
            if draft is None:  # the pressed message may since show something else (the confirmation): leave it
                return Show(toast=toast)
            show = await self.current_view(session, turn, draft)
            show.toast = toast
            return show
        if pressed.version != draft.version:
            if turn.pressed_message_id == draft.message_id:
                return Show(toast=texts.stale(turn.lang))
            show = await self.current_view(session, turn, draft)
            show.toast = texts.stale(turn.lang)
            return show
        value = pressed.value
        if value.startswith("!"):
            return await self._meta(session, turn, draft, value)
        ctx = await self.judging_context(session, turn, draft)
        question = self.form.current(draft.answers, ctx, turn.lang)
        outcome = question.step.on_press(value, question.scope)
        return await self._outcome(session, turn, draft, ctx, question, outcome, edit=True)

    async def _outcome(
        self, session: AsyncSession, turn: Turn, draft: Draft, ctx: Any, question: Question, outcome: Any, *, edit: bool
    ) -> Show:
        if isinstance(outcome, Action):
            if outcome.name == "edit":
                self.form.start_edit(draft.answers, outcome.arg)
                return await self.advance(session, turn, draft, ctx, edit=edit)
            return await self.action(session, turn, draft, ctx, question, outcome)
        if isinstance(outcome, (Answer, Stay)):
            self.form.apply(draft.answers, question, outcome)
            return await self.advance(
                session, turn, draft, ctx, edit=edit, ack=question.kind == "location" and not isinstance(outcome, Stay)
            )
        problem = outcome if isinstance(outcome, Invalid) else None
        if edit and problem is None:  # a button that does not belong to this question (forged data)
            return Show(toast=texts.stale(turn.lang))
        ctx = await self.showing_context(session, turn, draft, ctx)
        reply = self.view(draft, ctx, turn.lang, problem=problem, hint=isinstance(outcome, Ignore))
        return Show(reply=reply, draft=draft, clear=(draft.message_id,))

    async def _meta(self, session: AsyncSession, turn: Turn, draft: Draft, value: str) -> Show:
        name, _, arg = value.partition(":")
        if name == CANCEL:  # the question, or the "lanjutkan / buang" offer standing in for it, goes stale too
            await forms.cancel(session, draft, turn.now)
            return Show(reply=self.after_cancel(turn), clear=(turn.pressed_message_id, draft.message_id))
        if name == UNDO:
            self.form.finish_edit(draft.answers, keep=False)
            ctx = await self.context(session, turn, draft)
            return await self.advance(session, turn, draft, ctx, edit=True)
        if name == DROP:
            await forms.cancel(session, draft, turn.now)
            show = await self.dropped(session, turn, arg)
            show.clear = (*show.clear, draft.message_id)
            return show
        # RESUME, KEEP: the pressed offer becomes the question; any older copy of it loses its buttons
        show = await self.current_view(session, turn, draft)
        show.edit = show.reply is not None and _inline_or_none(show.reply)
        show.clear = (turn.pressed_message_id, *show.clear)
        return show

    async def dropped(self, session: AsyncSession, turn: Turn, arg: str) -> Show:
        """After "buang": the owner may start afresh (``arg`` is what the person originally asked for)."""
        return Show(reply=self.after_cancel(turn), clear=(turn.pressed_message_id,))

    def needs_preparing(self, given: Input, draft: Draft) -> bool:
        """Whether ``prepare`` has work to do for this input (then it runs between two transactions)."""
        return False

    async def on_input(self, update: Update, context: AppContext, given: Input) -> bool:
        """A typed text, photo or location. False when the person has no form open (not ours to answer)."""
        show: Show | None = None
        async with context.db() as session:
            actor, _, draft = await self.who(session, update)
            if actor is None:
                return False
            turn = Turn(update, context, actor)
            if draft is None:
                return False
            if not self.needs_preparing(given, draft):
                show = await self._judge(session, turn, given, draft)
        if show is None:
            given = await self.prepare(turn, given, draft)
            async with context.db() as session:  # the draft as read above: saving it is version-checked
                show = await self._judge(session, turn, given, draft)
        await self.display(turn, show)
        return True

    async def _judge(self, session: AsyncSession, turn: Turn, given: Input, draft: Draft | None = None) -> Show:
        draft = draft or await forms.load_draft(session, turn.actor.id, self.form.name)
        if draft is None:
            return Show()
        try:
            ctx = await self.judging_context(session, turn, draft)
            question = self.form.current(draft.answers, ctx, turn.lang)
            if isinstance(given, TextInput):  # a button's label typed instead of tapped: "kemarin", "ya", "Lanjut"
                editing = self.form.editing(draft.answers) is not None
                value = texts.typed_value(question, turn.lang, given.text, editing=editing)
                if value is not None and value.startswith("!"):
                    return await self._meta(session, turn, draft, value)
                if value is not None:
                    outcome = question.step.on_press(value, question.scope)
                    return await self._outcome(session, turn, draft, ctx, question, outcome, edit=False)
            outcome = question.step.on_input(given, question.scope)
            if isinstance(given, LocationInput) and question.kind != "location":
                outcome = Ignore()
            return await self._outcome(session, turn, draft, ctx, question, outcome, edit=False)
        except StaleSession:  # the version check wrote nothing, so this transaction can go on
            fresh = await forms.load_draft(session, turn.actor.id, self.form.name)
            if fresh is None:
                return Show()
            return await self.current_view(session, turn, fresh, notice=texts.stale(turn.lang))

    async def ask_cancel(self, turn: Turn) -> None:
        async with turn.context.db() as session:
            draft = await forms.load_draft(session, turn.actor.id, self.form.name)
        if draft is None:
            await self.send(turn, texts.nothing_to_cancel(turn.lang))
            return
        await self.send(turn, texts.confirm_cancel(turn.lang, draft.short_id, draft.version))

    # --- output ---------------------------------------------------------------------------------------------

    async def display(self, turn: Turn, show: Show) -> None:
        query = turn.update.callback_query
        answered: asyncio.Task[None] | None = None
        if query is not None:  # answering the press and showing the next question do not depend on each other
            answered = asyncio.ensure_future(_answer(query, show.toast))
        try:
            await self._show(turn, show)
        finally:
            if answered is not None:
                await answered

    async def _show(self, turn: Turn, show: Show) -> None:
        """Show the question, then take the buttons off the stale messages — together, not one call after
        another. Not before the question is up: a chat must never be left without the buttons that answer it
        (after a restart the old copy of the question is among the stale ones, and a person — or a test —
        pressing in that moment found no button at all)."""
        query = turn.update.callback_query
        pressed = query.message.message_id if query is not None and query.message is not None else None
        edit = pressed if show.reply is not None and show.edit else None  # the message that becomes the question
        message_id = await self._put(turn, show, edit)
        stale = [m for m in dict.fromkeys(show.clear) if m is not None and m != message_id]
        await asyncio.gather(*(_clear(turn, m) for m in stale))
        if show.draft is not None and message_id is not None and message_id != show.draft.message_id:
            write = forms.remember_message(show.draft, message_id)
            if not deferred.defer(write):  # no inbox worker to carry it: a transaction of its own
                async with turn.context.db() as session:
                    await write(session)

    async def _put(self, turn: Turn, show: Show, edit: int | None) -> int | None:
        """The messages sent before the question, then the question: edited into ``edit`` where it can be, else
        sent; the id of the message that carries it."""
        for extra in show.before:
            await self.send(turn, extra)
        if show.reply is None:
            return None
        if edit is not None:
            try:
                await _call(turn, "editmessagetext", message_id=edit, **show.reply)
                return edit
            except BadRequest as error:
                if "not modified" in str(error).lower():
                    return edit
                log.info("could not edit question message: %s", error)
        return await self.send(turn, show.reply)

    async def send(self, turn: Turn, reply: Reply) -> int:
        message = await _call(turn, "sendmessage", **reply)
        return int(message["message_id"])


async def _call(turn: Turn, endpoint: str, **params: Any) -> Any:
    """A Bot API call in the person's chat, its answer left as the JSON it came in: a step needs at most the sent
    message's id, and PTB turning every answer into a ``Message`` (each nested object built and frozen) was a
    visible share of the bot's CPU per step. Errors are PTB's own (``BadRequest`` …); the guard's limits apply
    (``bot/guard.py``: every call passes ``_do_post``). Method names are case-insensitive; the lower-case spelling
    keeps PTB from suggesting its parsing method on every call (as ``bot/polling.py`` does for getUpdates)."""
    return await turn.context.bot.do_api_request(endpoint, api_kwargs={"chat_id": turn.chat_id, **params})


async def _clear(turn: Turn, message_id: int) -> None:
    """Take the buttons off a message whose question is no longer current."""
    with contextlib.suppress(BadRequest):  # too old to edit, deleted, or already without them
        await _call(turn, "editmessagereplymarkup", message_id=message_id)


async def _answer(query: CallbackQuery, toast: str | None) -> None:
    with contextlib.suppress(BadRequest):  # a too-old query cannot be answered any more
        await query.answer(toast)


def _inline_or_none(reply: Reply) -> bool:
    markup = reply.get("reply_markup")
    return markup is None or isinstance(markup, InlineKeyboardMarkup)
