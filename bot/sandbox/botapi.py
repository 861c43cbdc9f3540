"""The Bot API over HTTP: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>``.

Served by a small ASGI middleware in front of FastAPI's router rather than by FastAPI routes: every update a
bot handles costs at least two calls here (getUpdates and a send), and FastAPI's route matching and exception
layers cost more than the call itself. The path is one regex, one token check, one body parse, one validation
and one dict dispatch. Every call, successful or not, goes into the calls log the control API serves.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.sandbox.apispec import ApiSpec, Upload
from bot.sandbox.errors import NOT_SUPPORTED, ApiError, bad_request, not_found, unauthorized
from bot.sandbox.methods import HANDLERS
from bot.sandbox.state import SandboxState

_TOKEN = re.compile(r"(\d{1,19}):\S+\Z")
_METHOD_PATH = re.compile(r"/bot([^/]+)/([^/]+)/?\Z")
_FILE_PATH = re.compile(r"/file/bot([^/]+)/(.+)\Z")


def json_response(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        status_code=status,
        media_type="application/json",
    )


class BotApi:
    """Turns HTTP requests into validated method calls on the shared :class:`SandboxState`."""

    def __init__(self, state: SandboxState, spec: ApiSpec) -> None:
        self.state = state
        self.spec = spec

    def check_token(self, token: str) -> None:
        """Accept ``<digits>:<secret>`` (or only the configured token) and learn the bot's id from it."""
        match = _TOKEN.match(token)
        expected = self.state.config.bot_token
        if match is None or (expected is not None and token != expected):
            raise unauthorized()
        self.state.bot_id = int(match.group(1))

    async def handle(self, request: Request, token: str, name: str) -> Response:
        started = time.time()
        try:
            self.check_token(token)
        except ApiError as error:
            return json_response(error.payload(), error.error_code)
        method = self.spec.method(name)
        if method is None:
            missing = not_found().payload()
            self.state.log_call(name, {}, missing, started)
            return json_response(missing, 404)
        raw: dict[str, Any] = {}
        logged: dict[str, Any] = {}
        try:
            raw = await read_params(request)
            logged = raw
            params = self.spec.validate(method, raw)
            logged = params
            handler = HANDLERS.get(method.name)
            if handler is None:
                raise bad_request(NOT_SUPPORTED)
            outcome: dict[str, Any] = {"ok": True, "result": await handler(self.state, params)}
            status = 200
        except ApiError as error:
            outcome, status = error.payload(), error.error_code
        self.state.log_call(method.name, _describe_uploads(logged), outcome, started)
        return json_response(outcome, status)

    async def download(self, token: str, file_path: str) -> Response:
        """Serve a file by the ``file_path`` getFile returned, as ``api.telegram.org/file/bot…`` does."""
        try:
            self.check_token(token)
        except ApiError as error:
            return json_response(error.payload(), error.error_code)
        stored = self.state.files.by_path(file_path)
        if stored is None:
            return json_response(not_found().payload(), 404)
        return Response(stored.data, media_type=stored.mime_type)


class BotApiRouter:
    """ASGI middleware: Bot API and file paths go straight to :class:`BotApi`, the rest on to FastAPI."""

    def __init__(self, app: ASGIApp, api: BotApi) -> None:
        self.app = app
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            response: Response | None = None
            if path.startswith("/bot"):
                match = _METHOD_PATH.match(path)
                if match is not None:
                    response = await self.api.handle(Request(scope, receive), match.group(1), match.group(2))
            elif path.startswith("/file/bot"):
                match = _FILE_PATH.match(path)
                if match is not None:
                    response = await self.api.download(match.group(1), match.group(2))
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def read_params(request: Request) -> dict[str, Any]:
    """Merge the query string with a JSON, urlencoded or multipart body, as Telegram accepts all of them."""
    params: dict[str, Any] = dict(request.query_params) if request.url.query else {}
    if request.method != "POST":
        return params
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        body = await request.body()
        if body:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif content_type.startswith("application/json"):
        body = await request.body()
        if body:
            try:
                decoded = json.loads(body)
            except ValueError:
                raise bad_request("can't parse request JSON object") from None
            if not isinstance(decoded, dict):
                raise bad_request("can't parse request JSON object")
            params.update(decoded)
    elif content_type.startswith("multipart/form-data"):
        params.update(await _read_multipart(request))
    return params


async def _read_multipart(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = {}
    uploads: dict[str, Upload] = {}
    async with request.form(max_files=100, max_fields=1000) as form:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                uploads[key] = Upload(
                    filename=value.filename or key,
                    content_type=value.content_type or "",
                    data=await value.read(),
                )
            else:
                params[key] = value
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            params[key] = upload
    for key, upload in uploads.items():
        params.setdefault(key, upload)
    return params


def _describe_uploads(params: dict[str, Any]) -> dict[str, Any]:
    if not any(isinstance(value, Upload) for value in params.values()):
        return params
    return {key: value.describe() if isinstance(value, Upload) else value for key, value in params.items()}
