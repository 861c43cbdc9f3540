"""Request bodies are bounded, and read only by the code that needs them, after it has authenticated the caller.

An unbounded body read before the key check let anyone on the network make a process hold hundreds of megabytes
(a 400 MB PATCH without a key). Here nothing reads a body eagerly: a route reads it after its own check (the
webhook after the secret, the referral PATCH after the key), through a ``receive`` that refuses more than the
route's limit — at once when ``Content-Length`` already says so, otherwise as soon as the count passes it. What
is not read stays in the socket: uvicorn stops reading a connection whose buffered body nobody takes, so memory
stays bounded by its flow-control window, not by what the client sends; the answer to such a request says
``Connection: close``, so the server drops the rest instead of reading it to reuse the connection.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]


class BodyTooLarge(Exception):
    """Raised by ``receive`` when a request body passes its route's limit; answered 413 by ``bot.web.errors``."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


def _declared_length(scope: MutableMapping[str, Any]) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _has_body(scope: MutableMapping[str, Any], declared: int | None) -> bool:
    if declared is not None:
        return declared > 0
    return any(name == b"transfer-encoding" for name, _ in scope.get("headers", ()))


class BodyLimit:
    """Pure ASGI middleware: every HTTP request's ``receive`` counts the body against ``limit_for(path)``."""

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(str(scope.get("path", "")))
        declared = _declared_length(scope)
        seen = 0
        unread = _has_body(scope, declared)

        async def limited() -> Message:
            nonlocal seen, unread
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)  # refused before a byte of it is read
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
                unread = bool(message.get("more_body", False))
            return message

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start" and unread:
                message["headers"] = [*message.get("headers", ()), (b"connection", b"close")]
            await send(message)

        await self.app(scope, limited, closing)
