"""The control API under ``/sandbox``: how tests, the demo page and benchmarks play the users' side.

Paths are a contract other tools rely on (see ``docs/sandbox.md``). Everything answers JSON except file
downloads; mistakes a real client could not make (unknown user, pressing a button that does not exist) are
refused with a 4xx and a ``detail`` so a broken test says what it did wrong.

Endpoints a load test calls once per message (post, wait, history, calls) return a ready ``Response``: FastAPI's
own serialisation walks every nested message dict through ``jsonable_encoder`` and would cost more than the
sandbox's actual work.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import UploadFile

from bot.sandbox.apispec import Upload
from bot.sandbox.botapi import json_response
from bot.sandbox.methods.account import resolve_commands
from bot.sandbox.objects import ChatState, SimUser, stored_view
from bot.sandbox.simulate import (
    SimulationError,
    UserContent,
    inject_update,
    press_button,
    send_user_message,
    set_blocked,
)
from bot.sandbox.state import SandboxState


class UserIn(BaseModel):
    id: int = Field(gt=0)
    first_name: str = Field(min_length=1)
    last_name: str | None = None
    username: str | None = None
    phone: str | None = None
    language_code: str | None = None


class ContactIn(BaseModel):
    phone_number: str
    first_name: str
    last_name: str | None = None
    user_id: int | None = None


class LocationIn(BaseModel):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class MessageIn(BaseModel):
    from_id: int | None = None
    text: str | None = None
    contact: ContactIn | None = None
    location: LocationIn | None = None
    reply_to: int | None = None


class BatchMessageIn(MessageIn):
    chat_id: int


class BatchIn(BaseModel):
    messages: list[BatchMessageIn]


class CallbackIn(BaseModel):
    from_id: int | None = None
    message_id: int
    data: str
    force: bool = False


class RawUpdateIn(BaseModel):
    kind: str
    payload: dict[str, Any]
    force: bool = False


class RateLimitsIn(BaseModel):
    enabled: bool


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def _fail(error: SimulationError) -> HTTPException:
    return HTTPException(status_code=error.status, detail=error.detail)


def _chat(state: SandboxState, chat_id: int) -> ChatState:
    chat = state.chats.get(chat_id)
    if chat is None:
        raise HTTPException(status_code=404, detail=f"unknown chat {chat_id}")
    return chat


router = APIRouter(prefix="/sandbox", tags=["sandbox control"])


@router.get("/health")
async def health(request: Request) -> dict[str, Any]:
    state = _state(request)
    return {
        "ok": True,
        "bot_id": state.bot_id,
        "cursor": state.cursor,
        "users": len(state.users),
        "calls": state.calls_total,
    }


@router.post("/users")
async def create_user(body: UserIn, request: Request) -> dict[str, Any]:
    """Create or update a simulated user; their private chat has the same id."""
    return _state(request).upsert_user(SimUser(**body.model_dump())).describe()


@router.get("/users")
async def list_users(request: Request) -> dict[str, Any]:
    return {"users": [user.describe() for user in _state(request).users.values()]}


@router.post("/users/{user_id}/block")
async def block(user_id: int, request: Request) -> dict[str, Any]:
    try:
        return set_blocked(_state(request), user_id, True)
    except SimulationError as error:
        raise _fail(error) from None


@router.post("/users/{user_id}/unblock")
async def unblock(user_id: int, request: Request) -> dict[str, Any]:
    try:
        return set_blocked(_state(request), user_id, False)
    except SimulationError as error:
        raise _fail(error) from None


@router.post("/chats/{chat_id}/messages")
async def post_message(chat_id: int, request: Request) -> Response:
    """A user message: JSON ``{from_id, text | contact | location, reply_to?}`` or multipart with a file."""
    content_type = request.headers.get("content-type", "")
    from_id: int | None
    if content_type.startswith("multipart/form-data"):
        from_id, content = await _multipart_content(request)
    else:
        try:
            body = MessageIn.model_validate(json.loads(await request.body() or b"{}"))
        except (ValueError, ValidationError) as error:
            raise HTTPException(status_code=422, detail=str(error)) from None
        from_id, content = body.from_id, _content_of(body)
    try:
        return json_response(send_user_message(_state(request), chat_id, from_id, content))
    except SimulationError as error:
        raise _fail(error) from None


def _content_of(body: MessageIn) -> UserContent:
    return UserContent(
        text=body.text,
        contact=body.contact.model_dump() if body.contact else None,
        location=body.location.model_dump() if body.location else None,
        reply_to=body.reply_to,
    )


@router.post("/messages")
async def post_messages(body: BatchIn, request: Request) -> Response:
    """Many user messages in one request, in order (load tests: one HTTP round trip for a whole tick).

    Each result is what the single-message endpoint returns, or ``{"error", "status"}`` for that item alone.
    """
    state = _state(request)
    results: list[dict[str, Any]] = []
    for item in body.messages:
        try:
            results.append(send_user_message(state, item.chat_id, item.from_id, _content_of(item)))
        except SimulationError as error:
            results.append({"error": error.detail, "status": error.status})
    return json_response({"results": results})


async def _multipart_content(request: Request) -> tuple[int | None, UserContent]:
    content = UserContent()
    from_id: int | None = None
    async with request.form() as form:
        for key in ("photo", "document"):
            value = form.get(key)
            if isinstance(value, UploadFile):
                upload = Upload(value.filename or key, value.content_type or "", await value.read())
                setattr(content, key, upload)
        caption = form.get("caption")
        content.caption = caption if isinstance(caption, str) and caption else None
        raw_from = form.get("from_id")
        raw_reply = form.get("reply_to")
        try:
            from_id = int(raw_from) if isinstance(raw_from, str) and raw_from else None
            content.reply_to = int(raw_reply) if isinstance(raw_reply, str) and raw_reply else None
        except ValueError:
            raise HTTPException(status_code=422, detail="from_id and reply_to must be integers") from None
    if content.photo is None and content.document is None:
        raise HTTPException(status_code=400, detail="multipart messages need a photo or document file")
    return from_id, content


@router.post("/chats/{chat_id}/callback")
async def post_callback(chat_id: int, body: CallbackIn, request: Request) -> Response:
    try:
        return json_response(
            press_button(_state(request), chat_id, body.from_id, body.message_id, body.data, force=body.force)
        )
    except SimulationError as error:
        raise _fail(error) from None


@router.post("/updates")
async def post_update(body: RawUpdateIn, request: Request) -> Response:
    """A raw update, queued as given (bad-input tests): ``{kind, payload, force?}`` → ``{update_id, cursor}``."""
    try:
        return json_response(inject_update(_state(request), body.kind, body.payload, force=body.force))
    except SimulationError as error:
        raise _fail(error) from None


@router.get("/callbacks/{callback_id}")
async def get_callback(callback_id: str, request: Request, timeout: float = 0.0) -> Response:  # noqa: ASYNC109
    """A press and the bot's answerCallbackQuery; with ``timeout`` waits for the answer to arrive."""
    record = _state(request).callbacks.get(callback_id)
    if record is None:
        raise HTTPException(status_code=404, detail=f"unknown callback query {callback_id}")
    if not record.answered and timeout > 0:
        await record.notifier.wait(min(timeout, _state(request).config.max_wait))
    return json_response(record.describe())


@router.get("/chats/{chat_id}")
async def get_chat(chat_id: int, request: Request) -> dict[str, Any]:
    """What the user's screen shows besides messages: reply keyboard, menu button, commands, last action."""
    state = _state(request)
    chat = _chat(state, chat_id)
    return {
        "user": chat.user.describe(),
        "keyboard": chat.keyboard,
        "last_action": chat.last_action,
        "menu_button": chat.menu_button or state.default_menu_button or {"type": "commands"},
        "commands": resolve_commands(state, chat_id, chat.user.language_code),
        "cursor": chat.events[-1].event_id if chat.events else 0,
    }


@router.get("/chats/{chat_id}/messages")
async def list_messages(chat_id: int, request: Request, after: int = 0) -> Response:
    """Both sides of the chat with message_id > ``after``, each in its current state (deleted ones flagged)."""
    chat = _chat(_state(request), chat_id)
    messages = [stored_view(stored) for message_id, stored in chat.messages.items() if message_id > after]
    return json_response({"messages": messages, "cursor": chat.events[-1].event_id if chat.events else 0})


@router.get("/chats/{chat_id}/wait")
async def wait_chat(
    chat_id: int,
    request: Request,
    after: int = 0,
    timeout: float = 10.0,  # noqa: ASYNC109 - the long poll's documented query parameter
    include_user: bool = False,
    compact: bool = False,
) -> Response:
    """Long-poll until the bot sends, edits or deletes a message here with an event id above ``after``."""
    state = _state(request)
    events, cursor = await state.wait_chat(_chat(state, chat_id), after, timeout, bot_only=not include_user)
    return json_response({"events": [event.view(compact=compact) for event in events], "cursor": cursor})


@router.get("/wait")
async def wait_all(
    request: Request,
    after: int = 0,
    timeout: float = 10.0,  # noqa: ASYNC109 - the long poll's documented query parameter
    limit: int = 1000,
    compact: bool = False,
) -> Response:
    """The same for every chat at once: one connection can watch a thousand simulated users."""
    events, cursor = await _state(request).wait_all(after, timeout, max(1, limit))
    return json_response({"events": [event.view(compact=compact) for event in events], "cursor": cursor})


@router.get("/files/{file_id}")
async def download_file(file_id: str, request: Request) -> Response:
    stored = _state(request).files.get(file_id)
    if stored is None:
        raise HTTPException(status_code=404, detail=f"unknown file {file_id}")
    headers = {"Content-Disposition": f'inline; filename="{stored.file_name}"', "X-File-Kind": stored.kind}
    return Response(stored.data, media_type=stored.mime_type, headers=headers)


@router.get("/files/{file_id}/info")
async def file_info(file_id: str, request: Request) -> dict[str, Any]:
    stored = _state(request).files.get(file_id)
    if stored is None:
        raise HTTPException(status_code=404, detail=f"unknown file {file_id}")
    return stored.describe()


@router.get("/calls")
async def list_calls(request: Request, after: int = 0, method: str | None = None, limit: int = 1000) -> Response:
    """Every Bot API call with its parameters and result or error, oldest first."""
    state = _state(request)
    limit = max(1, limit)
    calls = state.calls_after(after, method, limit)
    newest = state.calls[-1]["id"] if state.calls else 0
    cursor = calls[-1]["id"] if len(calls) == limit else max(after, newest)
    return json_response({"calls": calls, "cursor": cursor})


@router.get("/webhook")
async def webhook_state(request: Request) -> dict[str, Any]:
    state = _state(request)
    return {
        **state.webhook.info(),
        "secret_token_set": bool(state.webhook.secret_token),
        "delivered": state.webhook.delivered,
    }


@router.post("/rate-limits")
async def set_rate_limits(body: RateLimitsIn, request: Request) -> dict[str, Any]:
    """Switch Telegram's flood limits on or off at run time (the demo turns them off for a live audience)."""
    limiter = _state(request).limiter
    limiter.enabled = body.enabled
    return {"enabled": limiter.enabled}


@router.post("/reset")
async def reset(request: Request) -> dict[str, Any]:
    """Forget users, chats, files, calls, webhook and pending updates; ids keep increasing."""
    await _state(request).reset()
    return {"ok": True}
