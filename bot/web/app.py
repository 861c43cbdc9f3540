"""The FastAPI application of a JSiKa process: Telegram webhook, health, metrics and the OPD API v1.

One app for all of it, served by uvicorn on ``JSIKA_LISTEN_HOST:JSIKA_LISTEN_PORT`` (``bot/service.py``). The
OpenAPI document covers the OPD API only (``/api/openapi.json``, browsable at ``/api/docs``); the webhook, health
and metrics routes are for Telegram and the operator, not for API clients.
"""

from __future__ import annotations

from fastapi import FastAPI

from bot.metrics import HttpMetrics
from bot.web import docs, errors, health, opd, telegram
from bot.web.context import WebContext
from bot.web.limits import BodyLimit

DESCRIPTION = """\
Read-only access for other agencies (OPD) to the Jamsosratu households, members and referrals of **their sector**
in **their area**. Every call needs an API key (`Authorization: Bearer jsk_…`), created by Dinas Sosial with
`jsika apikey create`. NIK and KK are masked unless the key may see them. Lists are cursor-paginated: pass
`next_cursor` back as `cursor`. Errors are JSON: `{"error": {"code": "...", "message": "..."}}`.
"""


def create_app(context: WebContext) -> FastAPI:
    app = FastAPI(
        title="JSiKa OPD API",
        version="1.0",
        description=DESCRIPTION,
        docs_url=None,  # bot.web.docs serves the page with Swagger UI from the package, not a CDN
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.web = context
    errors.install(app)
    telegram.install(app, context.webhook_path)
    health.install(app, context)
    app.include_router(opd.router)
    docs.install(app)
    app.add_middleware(BodyLimit, limit_for=context.max_body_bytes)
    app.add_middleware(HttpMetrics)
    return app
