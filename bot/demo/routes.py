"""The demo page's own endpoints, mounted on the sandbox's FastAPI app (same origin, so no CORS).

``/`` is the page, ``/demo/static/*`` its files, ``/demo/people`` the roster a visitor picks from. Everything
else the page does goes through the sandbox's control API under ``/sandbox`` — the same API tests use.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from bot.demo.people import demo_people
from models.db import Database

STATIC_DIR = Path(str(resources.files("bot.demo").joinpath("static")))
NO_CACHE = {"Cache-Control": "no-cache"}


def page_configurer(db: Database) -> Callable[[FastAPI], None]:
    """``run_sandbox(configure=...)``: adds the page and its endpoints to the sandbox app before it starts."""

    def configure(app: FastAPI) -> None:
        @app.get("/", include_in_schema=False)
        async def index() -> FileResponse:
            return FileResponse(STATIC_DIR / "index.html", headers=NO_CACHE)

        @app.get("/demo/people", tags=["demo page"])
        async def people(request: Request) -> JSONResponse:
            """Roster people a visitor can be (admins, koordinator, up to 30 pendamping across the province)."""
            async with db.session() as session:
                found = await demo_people(session)
            bot: dict[str, Any] = request.app.state.sandbox.bot_user()
            return JSONResponse({"bot": bot, "people": [person.as_json() for person in found]}, headers=NO_CACHE)

        app.mount("/demo/static", StaticFiles(directory=STATIC_DIR), name="demo-static")

    return configure
