"""The Telegram webhook: check the secret, store the raw update in the inbox, answer 200 at once.

Nothing is handled here. Telegram waits for our answer before sending this bot's next update, so the endpoint
only does what makes the update safe (one committed INSERT) and leaves the work to the inbox workers. A
duplicate (Telegram retrying after a lost answer) is acknowledged and ignored; if the database is away the
answer is 503, and Telegram keeps the update and retries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from fastapi import FastAPI, Request
from fastapi.responses import Response

from bot import metrics
from bot.inbox import Inbox, UpdateIdBusy
from bot.web.context import web_context
from bot.web.errors import error_response
from models.inbox import MalformedUpdate, check_update

log = logging.getLogger(__name__)

SECRET_HEADER = "x-telegram-bot-api-secret-token"
_OK = b'{"ok":true}'


def _refuse_constant(name: str) -> object:
    raise MalformedUpdate(f"{name} is not JSON Telegram sends")


def derived_secret(token: str) -> str:
    """A webhook secret every process of one bot agrees on without configuration (Telegram allows A-Za-z0-9_-)."""
    return hmac.new(token.encode(), b"jsika-webhook-secret", hashlib.sha256).hexdigest()


def install(app: FastAPI, path: str) -> None:
    async def webhook(request: Request) -> Response:
        context = web_context(request)
        expected = context.webhook_secret
        given = request.headers.get(SECRET_HEADER)
        if not expected or given is None or not hmac.compare_digest(given.encode(), expected.encode()):
            metrics.WEBHOOK_REJECTED.labels("secret").inc()
            return error_response(request, 401, "unauthorized_webhook")
        inbox: Inbox | None = context.inbox
        if inbox is None:
            return error_response(request, 404, "not_found")
        raw = await request.body()  # only now that the secret matched; bounded by bot.web.limits
        try:
            payload = check_update(json.loads(raw, parse_constant=_refuse_constant))
        except (ValueError, RecursionError, MalformedUpdate):  # JSONDecodeError and MalformedUpdate are ValueErrors
            metrics.WEBHOOK_REJECTED.labels("malformed").inc()
            return error_response(request, 400, "malformed_update")
        try:
            await inbox.accept([payload], "webhook")
        except MalformedUpdate:
            metrics.WEBHOOK_REJECTED.labels("malformed").inc()
            return error_response(request, 400, "malformed_update")
        except UpdateIdBusy as busy:  # an id reused while its earlier update still waits: Telegram resends it later
            log.warning("%s", busy)
            metrics.WEBHOOK_REJECTED.labels("id_busy").inc()
            return error_response(request, 503, "unavailable", headers={"Retry-After": "5"})
        return Response(_OK, media_type="application/json")

    app.add_api_route(path, webhook, methods=["POST"], include_in_schema=False)
