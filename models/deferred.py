"""Bookkeeping writes an update may leave to the inbox's next transaction instead of opening one of its own.

After a form step has committed and shown its next question, it still has to remember which message carries
that question (``forms.remember_message``). That write changes no answer and guards nothing; what matters is
only that it lands before the chat's *next* update is read. The inbox gives exactly that for free: a chat's next
update cannot be claimed until this one is recorded as finished, and the worker records it in a transaction it
runs anyway (the next store's or its own pass, ``bot/inbox_pass.py``). So the write rides that transaction —
finished first, then claimed, in the same commit — instead of costing every such step a transaction of its own
(``docs/performance.md``).

Outside an inbox worker (a handler called directly, the CLI) there is no collector and ``defer`` says so: the
caller then writes at once, as before. A process killed after sending but before the ride commits loses the
write *and* the finish together, so the update is retried as it always was (handlers are idempotent).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncSession

Write = Callable[[AsyncSession], Awaitable[None]]

_collector: ContextVar[list[Write] | None] = ContextVar("jsika_deferred_writes", default=None)


@contextmanager
def collecting() -> Iterator[list[Write]]:
    """Collect the writes deferred while the block runs (the inbox worker wraps each update's handling in it)."""
    writes: list[Write] = []
    token = _collector.set(writes)
    try:
        yield writes
    finally:
        _collector.reset(token)


def defer(write: Write) -> bool:
    """Hand ``write`` to the enclosing collector; False when there is none (the caller writes it itself)."""
    writes = _collector.get()
    if writes is None:
        return False
    writes.append(write)
    return True
