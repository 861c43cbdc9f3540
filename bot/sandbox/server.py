"""The sandbox as one ASGI application: Bot API, file downloads and the control API.

``create_sandbox_app`` is the only entry point; the runner, ``python -m bot.sandbox`` and ``jsika demo`` all
build the app through it so they behave the same.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from bot.sandbox.apispec import load_spec
from bot.sandbox.botapi import BotApi, BotApiRouter
from bot.sandbox.config import SandboxConfig
from bot.sandbox.control import router as control_router
from bot.sandbox.state import SandboxState


def create_sandbox_app(config: SandboxConfig | None = None) -> FastAPI:
    """Build a fresh sandbox with its own in-memory state (``app.state.sandbox``)."""
    config = config or SandboxConfig()
    spec = load_spec()
    state = SandboxState(config)
    api = BotApi(state, spec)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.updates.closing = False
        yield
        state.updates.close()
        await state.webhook.close()

    app = FastAPI(
        title="JSiKa Bot API sandbox",
        description=f"A local stand-in for the Telegram Bot API ({spec.version}).",
        lifespan=lifespan,
    )
    app.state.sandbox = state
    app.state.bot_api = api
    app.include_router(control_router)
    # The hot path bypasses FastAPI's router (see botapi.py); GET and POST both work, as in Telegram.
    app.add_middleware(BotApiRouter, api=api)
    return app
