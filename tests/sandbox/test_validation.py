"""Every call is checked against the vendored Bot API spec and refused the way Telegram refuses it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.sandbox.apispec import load_spec
from bot.sandbox.errors import NOT_MODIFIED, ApiError
from bot.sandbox.methods import HANDLERS
from tests.sandbox.conftest import BotApiCaller

CHAT = 1001

# A valid call for every implemented method that has required parameters.
VALID: dict[str, dict[str, Any]] = {
    "sendMessage": {"chat_id": CHAT, "text": "hi"},
    "sendPhoto": {"chat_id": CHAT, "photo": "x"},
    "sendDocument": {"chat_id": CHAT, "document": "x"},
    "sendLocation": {"chat_id": CHAT, "latitude": -6.1, "longitude": 106.1},
    "sendChatAction": {"chat_id": CHAT, "action": "typing"},
    "editMessageText": {"chat_id": CHAT, "message_id": 1, "text": "x"},
    "deleteMessage": {"chat_id": CHAT, "message_id": 1},
    "answerCallbackQuery": {"callback_query_id": "1"},
    "setWebhook": {"url": "https://example.org/hook"},
    "setMyCommands": {"commands": [{"command": "start", "description": "Mulai"}]},
    "getFile": {"file_id": "x"},
    "getChat": {"chat_id": CHAT},
}


def test_spec_is_vendored_and_knows_every_implemented_method() -> None:
    spec = load_spec()
    assert spec.version.startswith("Bot API")
    for name in HANDLERS:
        method = spec.method(name)
        assert method is not None and method.name == name
    assert set(spec.methods["sendmessage"].required) == {"chat_id", "text"}
    send = spec.method("sendMessage")
    assert send is not None
    spec.check_result(send, {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}})
    with pytest.raises(ApiError, match="chat"):
        spec.check_result(send, {"message_id": 1, "date": 0})
    with pytest.raises(ApiError, match="Integer"):
        spec.check_result(send, {"message_id": "one", "date": 0, "chat": {"id": 1, "type": "private"}})


@pytest.mark.parametrize(
    ("method", "missing"),
    [(method, name) for method, params in VALID.items() for name in load_spec().method(method).required],  # type: ignore[union-attr]
)
async def test_missing_required_parameter_is_400(api: BotApiCaller, user: int, method: str, missing: str) -> None:
    params = {key: value for key, value in VALID[method].items() if key != missing}
    status, description = await api.error(method, **params)
    assert status == 400
    assert description.startswith("Bad Request: ")
    expected = {
        "text": "Bad Request: message text is empty",
        "chat_id": "Bad Request: chat_id is empty",
    }.get(missing)
    if expected and method != "sendChatAction":
        assert description == expected
    else:
        assert missing in description or description in (
            "Bad Request: invalid file_id",
            "Bad Request: QUERY_ID_INVALID",
        )


async def test_wrong_types_are_400(api: BotApiCaller, user: int) -> None:
    _, description = await api.error("sendMessage", chat_id=CHAT, text="x", disable_notification="maybe")
    assert description == 'Bad Request: field "disable_notification" must be of type Boolean'
    _, description = await api.error("editMessageText", chat_id=CHAT, message_id="abc", text="x")
    assert "message_id" in description and "Integer" in description
    _, description = await api.error("sendLocation", chat_id=CHAT, latitude="north", longitude=1)
    assert "latitude" in description
    _, description = await api.error("sendMessage", chat_id=CHAT, text="x", reply_markup="{not json")
    assert description == "Bad Request: can't parse reply keyboard markup JSON object"
    _, description = await api.error("sendMessage", chat_id=CHAT, text="x", reply_markup={"foo": 1})
    assert description == "Bad Request: can't parse reply keyboard markup JSON object"
    _, description = await api.error(
        "sendMessage", chat_id=CHAT, text="x", reply_markup={"inline_keyboard": [[{"text": 5, "url": []}]]}
    )
    assert description.startswith("Bad Request:")
    _, description = await api.error("setMyCommands", commands=[{"command": "x"}])
    assert "description" in description


async def test_strings_from_forms_are_coerced(api: BotApiCaller, user: int) -> None:
    markup = json.dumps({"inline_keyboard": [[{"text": "Ya", "callback_data": "y"}]]})
    status, body = await api.form(
        "sendMessage", {"chat_id": str(CHAT), "text": "form", "disable_notification": "true", "reply_markup": markup}
    )
    assert status == 200, body
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "y"
    response = await api.http.get(f"{api.base}/sendMessage", params={"chat_id": CHAT, "text": "query"})
    assert response.json()["result"]["text"] == "query"
    status, body = await api.form("sendMessage", {"chat_id": "@nobody", "text": "x"})
    assert (status, body["description"]) == (400, "Bad Request: chat not found")


async def test_unknown_method_is_404_and_known_but_unimplemented_is_400(api: BotApiCaller, user: int) -> None:
    status, body = await api("sendTelepathy", chat_id=CHAT)
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    _, description = await api.error("sendPoll", chat_id=CHAT, question="q", options=[{"text": "a"}])
    assert description == "Bad Request: method not supported by the sandbox"
    # still validated first
    _, description = await api.error("sendPoll", chat_id=CHAT)
    assert "question" in description
    # method names are case-insensitive, as in Telegram
    assert (await api.ok("SENDMESSAGE", chat_id=CHAT, text="loud"))["text"] == "loud"


async def test_bad_token_is_401(api: BotApiCaller) -> None:
    for token in ("nonsense", "abc:def", ":x", "123456:"):
        response = await api.http.post(f"{api.base.rsplit('/bot', 1)[0]}/bot{token}/getMe")
        assert response.status_code == 401
        assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_get_me_uses_token_digits_and_configured_username(api: BotApiCaller) -> None:
    me = await api.ok("getMe")
    assert (me["id"], me["is_bot"], me["username"]) == (123456, True, "jsika_sandbox_bot")


async def test_text_limits(api: BotApiCaller, user: int) -> None:
    assert len((await api.ok("sendMessage", chat_id=CHAT, text="a" * 4096))["text"]) == 4096
    _, description = await api.error("sendMessage", chat_id=CHAT, text="a" * 4097)
    assert description == "Bad Request: message is too long"
    _, description = await api.error("sendMessage", chat_id=CHAT, text="   ")
    assert description == "Bad Request: message text is empty"
    # the limit applies after entity parsing: markup does not count
    html = "<b>" + "a" * 4096 + "</b>"
    assert (await api.ok("sendMessage", chat_id=CHAT, text=html, parse_mode="HTML"))["entities"][0]["length"] == 4096
    _, description = await api.error("sendMessage", chat_id=CHAT, text="<b></b>", parse_mode="HTML")
    assert description == "Bad Request: message text is empty"


async def test_caption_limit(api: BotApiCaller, user: int) -> None:
    photo = "https://example.org/x.png"
    _, description = await api.error("sendPhoto", chat_id=CHAT, photo=photo, caption="a" * 1025)
    assert description == "Bad Request: message caption is too long"


async def test_more_than_100_inline_buttons_is_refused(api: BotApiCaller, user: int) -> None:
    def keyboard(count: int) -> dict[str, Any]:
        buttons = [{"text": str(i), "callback_data": str(i)} for i in range(count)]
        return {"inline_keyboard": [buttons[i : i + 5] for i in range(0, count, 5)]}

    await api.ok("sendMessage", chat_id=CHAT, text="ok", reply_markup=keyboard(100))
    _, description = await api.error("sendMessage", chat_id=CHAT, text="x", reply_markup=keyboard(101))
    assert description == "Bad Request: reply markup is too long"
    sent = await api.ok("sendMessage", chat_id=CHAT, text="edit me")
    _, description = await api.error(
        "editMessageReplyMarkup", chat_id=CHAT, message_id=sent["message_id"], reply_markup=keyboard(101)
    )
    assert description == "Bad Request: reply markup is too long"


async def test_callback_data_over_64_bytes(api: BotApiCaller, user: int) -> None:
    def markup(data: str) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": "x", "callback_data": data}]]}

    await api.ok("sendMessage", chat_id=CHAT, text="ok", reply_markup=markup("a" * 64))
    _, description = await api.error("sendMessage", chat_id=CHAT, text="x", reply_markup=markup("a" * 65))
    assert description == "Bad Request: BUTTON_DATA_INVALID"
    # bytes, not characters: 22 three-byte characters are 66 bytes
    _, description = await api.error("sendMessage", chat_id=CHAT, text="x", reply_markup=markup("€" * 22))
    assert description == "Bad Request: BUTTON_DATA_INVALID"
    _, description = await api.error(
        "sendMessage", chat_id=CHAT, text="x", reply_markup={"inline_keyboard": [[{"text": "bare"}]]}
    )
    assert "Text buttons are unallowed" in description


async def test_bad_parse_mode_entities(api: BotApiCaller, user: int) -> None:
    _, description = await api.error("sendMessage", chat_id=CHAT, text="<b>x", parse_mode="HTML")
    assert description == "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    _, description = await api.error("sendMessage", chat_id=CHAT, text="Rp 1.000", parse_mode="MarkdownV2")
    assert description.startswith("Bad Request: can't parse entities: Character '.' is reserved")
    _, description = await api.error("sendMessage", chat_id=CHAT, text="x", parse_mode="BBCode")
    assert description == "Bad Request: unsupported parse_mode BBCode"
    result = await api.ok("sendMessage", chat_id=CHAT, text="*Rp* 1\\.000", parse_mode="MarkdownV2")
    assert result["text"] == "Rp 1.000"
    assert result["entities"] == [{"type": "bold", "offset": 0, "length": 2}]


async def test_editing_checks(api: BotApiCaller, user: int) -> None:
    keyboard = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    sent = await api.ok("sendMessage", chat_id=CHAT, text="same", reply_markup=keyboard)
    mid = sent["message_id"]
    _, description = await api.error(
        "editMessageText", chat_id=CHAT, message_id=mid, text="same", reply_markup=keyboard
    )
    assert description == f"Bad Request: {NOT_MODIFIED}"
    _, description = await api.error("editMessageReplyMarkup", chat_id=CHAT, message_id=mid, reply_markup=keyboard)
    assert description == f"Bad Request: {NOT_MODIFIED}"
    # same text but dropping the keyboard is a change (Telegram removes the keyboard when none is given)
    edited = await api.ok("editMessageText", chat_id=CHAT, message_id=mid, text="same")
    assert "reply_markup" not in edited and edited["edit_date"] >= edited["date"]
    _, description = await api.error("editMessageText", chat_id=CHAT, message_id=999, text="x")
    assert description == "Bad Request: message to edit not found"
    _, description = await api.error("editMessageText", chat_id=CHAT, message_id=1, text="x")
    assert description == "Bad Request: message can't be edited"  # message 1 is the user's /start
    assert await api.ok("deleteMessage", chat_id=CHAT, message_id=mid) is True
    _, description = await api.error("editMessageText", chat_id=CHAT, message_id=mid, text="later")
    assert description == "Bad Request: message to edit not found"
    _, description = await api.error("deleteMessage", chat_id=CHAT, message_id=mid)
    assert description == "Bad Request: message to delete not found"


async def test_reply_parameters_and_chat_action(api: BotApiCaller, user: int) -> None:
    reply = await api.ok("sendMessage", chat_id=CHAT, text="re", reply_parameters={"message_id": 1})
    assert reply["reply_to_message"]["text"] == "/start"
    _, description = await api.error("sendMessage", chat_id=CHAT, text="re", reply_parameters={"message_id": 77})
    assert description == "Bad Request: message to be replied not found"
    assert await api.ok("sendChatAction", chat_id=CHAT, action="typing") is True
    _, description = await api.error("sendChatAction", chat_id=CHAT, action="dancing")
    assert description == "Bad Request: wrong parameter action in request"


async def test_unknown_parameters_are_ignored_like_telegram(api: BotApiCaller, user: int) -> None:
    result = await api.ok("sendMessage", chat_id=CHAT, text="x", some_future_flag=True)
    assert result["text"] == "x"
