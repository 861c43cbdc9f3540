"""Refusals after authentication are audited too: a key's 429s, bad cursors, 422s and 413s leave a row.

``docs/api.md`` promises that every call made with a valid key is in the audit trail, refused ones included, so
Dinas Sosial can see a key probing or hammering the API. Successful calls and the OPD query refusals are recorded
by ``bot.web.opd._call``; everything refused elsewhere (FastAPI's parameter validation, the rate limit, the body
limit, a cursor check before the query) reaches the error handlers, which call :func:`refused` here.
"""

from __future__ import annotations

import logging

from fastapi import Request

from bot.web.context import web_context
from models import api_keys
from models.api_keys import KeyScope

log = logging.getLogger(__name__)


def authenticated(request: Request, scope: KeyScope) -> None:
    """Remember the verified key of this request, for auditing whatever answer it gets."""
    request.state.api_key = scope


def mark_audited(request: Request) -> None:
    request.state.api_audited = True


async def refused(request: Request, status: int, code: str) -> None:
    """Audit a refusal of an authenticated call, once; a call without a valid key has nobody to attribute it to."""
    scope: KeyScope | None = getattr(request.state, "api_key", None)
    if scope is None or getattr(request.state, "api_audited", False):
        return
    mark_audited(request)
    context = web_context(request)
    asked = f"{request.method} {request.url.path}" + (f"?{request.url.query}" if request.url.query else "")
    try:
        async with context.db.session() as session:
            await api_keys.record_call(
                session, scope, action="api.refused", detail=f"{asked} → {status} {code}", now=context.clock()
            )
    except Exception as error:  # the refusal is still answered; the missing row is logged for the operator
        log.warning("audit of a refused API call failed: %s", type(error).__name__)
