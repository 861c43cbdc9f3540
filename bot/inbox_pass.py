"""One pass of an inbox worker's database work: record finished updates, claim the next ones (``Ride``).

A pass runs inside a transaction someone else opened — the worker's own, or the store's when the receiver runs in
the same process (``bot/inbox.py``) — and hands its results back to the worker only after that commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from models import deferred
from models import inbox_upkeep as queries
from models.inbox import InboxItem, claim_heads, finish_done
from models.tables import InboxStatus

WallClock = Callable[[], datetime]


class RideOwner(Protocol):
    """The worker a ride serves, as the ride and the store see it: whether it takes new updates, and how to wake
    it when the store's transaction has claimed some for it."""

    @property
    def accepting(self) -> bool: ...

    def wake(self) -> None: ...


@dataclass(slots=True)
class Outcome:
    """How one handled update ended, waiting to be recorded by the worker's next pass.

    ``recorded`` resolves once the pass commits: True when this worker still held the update, False when its
    lease was lost meanwhile, None when recording failed ``FINISH_TRIES`` times (the lease then lapses and the
    update is retried — handlers are idempotent).
    """

    update_id: int
    status: InboxStatus
    error: str | None
    recorded: asyncio.Future[bool | None]
    writes: list[deferred.Write] = field(default_factory=list)  # run with the finish, same transaction
    tries: int = 0

    @property
    def plain(self) -> bool:
        """Done without an error: recorded in bulk by ``finish_done``; the others one by one."""
        return self.status is InboxStatus.DONE and self.error is None


FINISH_TRIES = 5
FINISH_WAIT = 0.025  # seconds finished updates may wait for a store to record them in its transaction


@dataclass(frozen=True, slots=True)
class ClaimTerms:
    """What a pass may claim, fixed when it starts: by whom, how many, for how long."""

    worker: str
    free: int  # 0: record outcomes only (stopping, or no free slot)
    lease: timedelta
    max_attempts: int


class Ride:
    """One transaction's share of a worker's bookkeeping: record waiting outcomes, then claim what fits.

    ``run`` goes inside a transaction someone else opened (the store's, or the worker's own); only after that
    transaction commits does ``committed`` hand the claimed updates and the recorded outcomes back to the worker;
    ``failed`` hands the outcomes back to be tried again. The worker's lock is held from ``InboxWorker.ride`` to
    ``committed``/``failed``, so no two claims of one worker overlap and its free capacity is counted right.
    A ride knows nothing of the worker's insides: it gets its outcomes and terms, and reports through ``settle``.
    """

    def __init__(
        self,
        owner: RideOwner,
        outcomes: list[Outcome],
        terms: ClaimTerms,
        clock: WallClock,
        settle: Callable[[Ride, bool], None],
    ) -> None:
        self.owner = owner
        self.outcomes = outcomes
        self.terms = terms
        self._clock = clock
        self._settle = settle
        self.held: set[int] = set()
        self.items: list[InboxItem] = []
        self.full = False  # claimed as many as fitted: more may be waiting

    async def run(self, session: Any) -> None:
        terms, now = self.terms, self._clock()
        plain = [o.update_id for o in self.outcomes if o.plain]
        self.held = await finish_done(session, plain, terms.worker, now)
        for outcome in self.outcomes:
            if not outcome.plain and await queries.finish(
                session, outcome.update_id, terms.worker, outcome.status, now, outcome.error
            ):
                self.held.add(outcome.update_id)
        for outcome in self.outcomes:  # before the claim: the chat's next update must see them
            for write in outcome.writes:
                await write(session)
        if terms.free > 0 and self.owner.accepting:
            self.items = await claim_heads(session, terms.worker, now, terms.lease, terms.free, terms.max_attempts)
        self.full = bool(self.items) and len(self.items) >= terms.free

    def committed(self) -> None:
        for outcome in self.outcomes:
            if not outcome.recorded.done():
                outcome.recorded.set_result(outcome.update_id in self.held)
        self._settle(self, True)

    def failed(self) -> None:
        self._settle(self, False)
