"""The event loop the bot's long-running processes run on: uvloop's.

The bot spends its CPU in the event loop's machinery as much as in its own code — socket callbacks for every
Bot API call, database round trips, timers — and uvloop does that part in C (the report bench's CPU per update
in ``docs/report.md``). Everything the bot uses (PTB, aiohttp, asyncpg, aiosqlite, APScheduler, uvicorn) runs
on it unchanged; tests keep pytest's standard loop, so both loops are exercised.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on uvloop."""
    return uvloop.run(main)
