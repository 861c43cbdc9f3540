"""A typed async client for the sandbox's control API, for tests and benchmarks.

It plays the users' side (``say``, ``press``, ``share_contact`` …) and reads what the bot did (``messages``,
``wait``, ``calls``). The conversation helper used by e2e tests is built on top of it. Every method maps to one
HTTP call; failures raise :class:`SandboxError` with the server's explanation.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, NotRequired, TypedDict, cast

import httpx


class SandboxError(Exception):
    """The control API refused a request (unknown user, button that does not exist, …)."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


class UserView(TypedDict):
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    phone: str | None
    language_code: str | None
    blocked: bool


class MessageView(TypedDict, total=False):
    """A message as the control API shows it; ``telegram`` is the raw Bot API ``Message``."""

    message_id: int
    chat_id: int
    from_bot: bool
    from_id: int
    date: int
    text: str | None
    caption: str | None
    entities: list[dict[str, Any]] | None
    reply_markup: dict[str, Any] | None
    edit_date: int | None
    deleted: bool
    photo: str | None
    document: dict[str, Any] | None
    location: dict[str, Any] | None
    contact: dict[str, Any] | None
    reply_to_message_id: int | None
    edits: list[dict[str, Any]]
    event_id: int
    telegram: dict[str, Any]


class SentUpdate(TypedDict):
    """What a user action produced: the Message, its update id and the event cursor right after it."""

    message: dict[str, Any]
    update_id: int | None
    cursor: int


class CallbackSent(TypedDict):
    callback_query_id: str
    update_id: int | None


class CallbackView(TypedDict):
    id: str
    chat_id: int
    from_id: int
    message_id: int
    data: str
    answered: bool
    answer: dict[str, Any] | None


class EventView(TypedDict):
    """One numbered event; ``kind`` is bot_message, edited, deleted (or user_message when asked for)."""

    event_id: int
    kind: str
    chat_id: int
    message_id: int
    from_bot: bool
    time: NotRequired[float]
    message: NotRequired[MessageView]
    """The message as it was at that event (absent in compact events)."""
    text: NotRequired[str | None]
    """Compact events only: the message's text or caption."""


class WaitResult(TypedDict):
    events: list[EventView]
    cursor: int


class MessagesResult(TypedDict):
    messages: list[MessageView]
    cursor: int


class CallsResult(TypedDict):
    calls: list[dict[str, Any]]
    cursor: int


class SandboxClient:
    """``async with SandboxClient(handle.url) as sandbox: await sandbox.say(42, "/start")``.

    ``timeout`` arguments of the waiting methods are how long the *server* long-polls (then it answers with
    nothing new), not client-side cancellation; the HTTP timeout is set above them automatically.
    """

    def __init__(self, base_url: str, *, timeout: float = 30.0, client: httpx.AsyncClient | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._owns_client = client is None
        self._http = client or httpx.AsyncClient(base_url=self.base_url, timeout=timeout)

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_client:
            await self._http.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._http.request(method, f"{self.base_url}/sandbox{path}", **kwargs)
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise SandboxError(response.status_code, detail)
        return response.json()

    # -- users ---------------------------------------------------------------------------------------------

    async def create_user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        phone: str | None = None,
        language_code: str | None = None,
    ) -> UserView:
        body = {
            "id": user_id,
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "phone": phone,
            "language_code": language_code,
        }
        return cast(UserView, await self._request("POST", "/users", json=body))

    async def users(self) -> list[UserView]:
        return cast(list[UserView], (await self._request("GET", "/users"))["users"])

    async def block(self, user_id: int) -> UserView:
        return cast(UserView, await self._request("POST", f"/users/{user_id}/block"))

    async def unblock(self, user_id: int) -> UserView:
        return cast(UserView, await self._request("POST", f"/users/{user_id}/unblock"))

    # -- what users do -------------------------------------------------------------------------------------

    async def _post_message(self, chat_id: int, body: dict[str, Any]) -> SentUpdate:
        return cast(SentUpdate, await self._request("POST", f"/chats/{chat_id}/messages", json=body))

    async def say_many(self, messages: list[tuple[int, str]]) -> list[dict[str, Any]]:
        """Several users type at once: ``[(chat_id, text), …]`` in one request; results in the same order.

        An item that cannot happen (unknown chat, blocked user) comes back as ``{"error", "status"}``.
        """
        body = {"messages": [{"chat_id": chat_id, "text": text} for chat_id, text in messages]}
        return cast(list[dict[str, Any]], (await self._request("POST", "/messages", json=body))["results"])

    async def say(
        self, chat_id: int, text: str, from_id: int | None = None, *, reply_to: int | None = None
    ) -> SentUpdate:
        """The user types ``text`` (a leading ``/command`` gets its bot_command entity)."""
        return await self._post_message(chat_id, {"from_id": from_id, "text": text, "reply_to": reply_to})

    async def share_contact(
        self,
        chat_id: int,
        phone_number: str,
        first_name: str,
        *,
        last_name: str | None = None,
        user_id: int | None = None,
        from_id: int | None = None,
    ) -> SentUpdate:
        """The user presses a ``request_contact`` button (pass their own id as ``user_id`` for that)."""
        contact = {"phone_number": phone_number, "first_name": first_name, "last_name": last_name, "user_id": user_id}
        return await self._post_message(chat_id, {"from_id": from_id, "contact": contact})

    async def send_location(
        self, chat_id: int, latitude: float, longitude: float, *, from_id: int | None = None
    ) -> SentUpdate:
        location = {"latitude": latitude, "longitude": longitude}
        return await self._post_message(chat_id, {"from_id": from_id, "location": location})

    async def _upload(
        self,
        chat_id: int,
        field: str,
        data: bytes,
        filename: str,
        mime_type: str,
        caption: str | None,
        from_id: int | None,
    ) -> SentUpdate:
        form = {key: str(value) for key, value in (("caption", caption), ("from_id", from_id)) if value is not None}
        files = {field: (filename, data, mime_type)}
        return cast(SentUpdate, await self._request("POST", f"/chats/{chat_id}/messages", data=form, files=files))

    async def send_photo(
        self,
        chat_id: int,
        data: bytes,
        *,
        caption: str | None = None,
        filename: str = "photo.jpg",
        mime_type: str = "image/jpeg",
        from_id: int | None = None,
    ) -> SentUpdate:
        return await self._upload(chat_id, "photo", data, filename, mime_type, caption, from_id)

    async def send_document(
        self,
        chat_id: int,
        data: bytes,
        *,
        filename: str,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        from_id: int | None = None,
    ) -> SentUpdate:
        return await self._upload(chat_id, "document", data, filename, mime_type, caption, from_id)

    async def press(
        self, chat_id: int, message_id: int, data: str, *, from_id: int | None = None, force: bool = False
    ) -> CallbackSent:
        """Press the inline button carrying ``data`` on bot message ``message_id``."""
        body = {"from_id": from_id, "message_id": message_id, "data": data, "force": force}
        return cast(CallbackSent, await self._request("POST", f"/chats/{chat_id}/callback", json=body))

    async def inject(self, kind: str, payload: dict[str, Any], *, force: bool = False) -> dict[str, Any]:
        """Queue a raw update (``kind`` is its Update field, e.g. ``edited_message``); returns ``{update_id, cursor}``."""
        body = {"kind": kind, "payload": payload, "force": force}
        return cast(dict[str, Any], await self._request("POST", "/updates", json=body))

    async def callback(self, callback_query_id: str, *, timeout: float = 0.0) -> CallbackView:  # noqa: ASYNC109
        """The press and, once given, the bot's answer (waits up to ``timeout`` seconds for it)."""
        return cast(
            CallbackView,
            await self._request("GET", f"/callbacks/{callback_query_id}", params={"timeout": timeout}),
        )

    # -- what the bot did ----------------------------------------------------------------------------------

    async def messages(self, chat_id: int, after: int = 0) -> MessagesResult:
        """Both sides of the chat with message_id > ``after``, in their current state."""
        return cast(MessagesResult, await self._request("GET", f"/chats/{chat_id}/messages", params={"after": after}))

    async def chat(self, chat_id: int) -> dict[str, Any]:
        """Reply keyboard, menu button, resolved commands and last chat action of a chat."""
        return cast(dict[str, Any], await self._request("GET", f"/chats/{chat_id}"))

    async def wait(self, chat_id: int, after: int = 0, timeout: float = 5.0) -> WaitResult:  # noqa: ASYNC109
        """Bot events (sent, edited, deleted) in ``chat_id`` after cursor ``after``; empty after ``timeout``."""
        params = {"after": after, "timeout": timeout}
        return cast(
            WaitResult,
            await self._request("GET", f"/chats/{chat_id}/wait", params=params, timeout=timeout + 10),
        )

    async def wait_all(
        self,
        after: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 - a server-side long-poll duration, not a cancellation
        limit: int = 1000,
        *,
        compact: bool = False,
    ) -> WaitResult:
        """Bot events in every chat after ``after`` (one long poll for many users).

        ``compact`` events carry ids, kind and text only, instead of the full message view.
        """
        params = {"after": after, "timeout": timeout, "limit": limit, "compact": compact}
        return cast(WaitResult, await self._request("GET", "/wait", params=params, timeout=timeout + 10))

    async def calls(self, after: int = 0, method: str | None = None, limit: int = 1000) -> CallsResult:
        params: dict[str, Any] = {"after": after, "limit": limit}
        if method:
            params["method"] = method
        return cast(CallsResult, await self._request("GET", "/calls", params=params))

    async def file(self, file_id: str) -> bytes:
        response = await self._http.get(f"{self.base_url}/sandbox/files/{file_id}")
        if response.status_code >= 400:
            raise SandboxError(response.status_code, response.text)
        return response.content

    async def webhook(self) -> dict[str, Any]:
        return cast(dict[str, Any], await self._request("GET", "/webhook"))

    async def set_rate_limits(self, enabled: bool) -> None:
        await self._request("POST", "/rate-limits", json={"enabled": enabled})

    async def reset(self) -> None:
        await self._request("POST", "/reset")

    async def health(self) -> dict[str, Any]:
        return cast(dict[str, Any], await self._request("GET", "/health"))
