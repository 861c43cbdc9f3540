"""How the bot's long-running processes run: on uvloop's event loop, with the garbage collector tuned.

The bot spends its CPU in the event loop's machinery as much as in its own code — socket callbacks for every
Bot API call, database round trips, timers — and uvloop does that part in C (the report bench's CPU per update
in ``docs/report.md``). Everything the bot uses (PTB, aiohttp, asyncpg, aiosqlite, APScheduler, uvicorn) runs
on it unchanged; tests keep pytest's standard loop, so both loops are exercised.

Each update makes thousands of short-lived objects (PTB's Telegram objects, SQLAlchemy's rows and statements'
state), so with Python's default threshold (a young-generation collection every 700 allocations) the cyclic
collector ran every few updates: 7.7% of the bot's CPU at saturation (py-spy, 1,000 pendamping). The young
generation is collected ten times less often, and what start-up made (modules, handlers, caches) is frozen out
of every collection. Short-lived garbage without cycles is freed by reference counting as before; only cycles
wait a little longer.
"""

from __future__ import annotations

import gc
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")

GC_YOUNG_THRESHOLD = 7_000  # Python's default: 700


def tune_gc() -> None:
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on uvloop, after ``tune_gc``."""
    tune_gc()
    return uvloop.run(main)
