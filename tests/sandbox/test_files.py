"""Files: uploads in both directions, file_id reuse, getFile and downloads."""

from __future__ import annotations

import json

from bot.sandbox.client import SandboxClient
from tests.sandbox.conftest import BotApiCaller, png_bytes


async def test_bot_uploads_a_photo_then_downloads_it(api: BotApiCaller, client: SandboxClient, user: int) -> None:
    picture = png_bytes(4, 3)
    markup = json.dumps({"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]})
    status, body = await api.form(
        "sendPhoto",
        {"chat_id": str(user), "caption": "<b>Foto</b> kunjungan", "parse_mode": "HTML", "reply_markup": markup},
        files={"photo": ("visit.png", picture, "image/png")},
    )
    assert status == 200, body
    message = body["result"]
    assert message["caption"] == "Foto kunjungan"
    assert message["caption_entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    size = message["photo"][-1]
    assert (size["width"], size["height"], size["file_size"]) == (4, 3, len(picture))
    file = await api.ok("getFile", file_id=size["file_id"])
    assert file["file_id"] == size["file_id"] and file["file_size"] == len(picture)
    download = await api.http.get(f"{api.base.replace('/bot', '/file/bot', 1)}/{file['file_path']}")
    assert download.status_code == 200 and download.content == picture
    assert download.headers["content-type"] == "image/png"
    assert await client.file(size["file_id"]) == picture
    # the file_id can be sent again without uploading
    again = await api.ok("sendPhoto", chat_id=user, photo=size["file_id"])
    assert again["photo"][-1]["file_id"] == size["file_id"]
    view = (await client.messages(user, after=again["message_id"] - 1))["messages"][0]
    assert view["photo"] == size["file_id"] and view["from_bot"] is True


async def test_attach_uri_uploads_work_too(api: BotApiCaller, user: int) -> None:
    status, body = await api.form(
        "sendDocument",
        {"chat_id": str(user), "document": "attach://report"},
        files={"report": ("laporan.csv", b"a,b\n1,2\n", "text/csv")},
    )
    assert status == 200, body
    document = body["result"]["document"]
    assert (document["file_name"], document["mime_type"], document["file_size"]) == ("laporan.csv", "text/csv", 8)


async def test_file_errors(api: BotApiCaller, user: int) -> None:
    status, body = await api.form(
        "sendPhoto", {"chat_id": str(user)}, files={"photo": ("x.jpg", b"not a picture", "image/jpeg")}
    )
    assert (status, body["description"]) == (400, "Bad Request: IMAGE_PROCESS_FAILED")
    _, description = await api.error("sendPhoto", chat_id=user, photo="no-such-file-id")
    assert description == "Bad Request: wrong file identifier/HTTP URL specified"
    _, description = await api.error("sendPhoto", chat_id=user, photo="https://example.org/a.jpg")
    assert description == "Bad Request: failed to get HTTP URL content"
    _, description = await api.error("getFile", file_id="nope")
    assert description == "Bad Request: invalid file_id"
    status, body = await api.form(
        "sendDocument", {"chat_id": str(user)}, files={"document": ("a.txt", b"x", "text/plain")}
    )
    _, description = await api.error("sendPhoto", chat_id=user, photo=body["result"]["document"]["file_id"])
    assert description == "Bad Request: type of file mismatch"
    missing = await api.http.get(f"{api.base.replace('/bot', '/file/bot', 1)}/photos/none.jpg")
    assert missing.status_code == 404


async def test_user_photo_and_document_reach_the_bot(api: BotApiCaller, client: SandboxClient, user: int) -> None:
    picture = png_bytes(8, 6)
    sent = await client.send_photo(user, picture, caption="rumah KPM", filename="rumah.png", mime_type="image/png")
    assert sent["message"]["caption"] == "rumah KPM"
    updates = await api.ok("getUpdates")
    photo = updates[-1]["message"]["photo"][-1]
    assert (photo["width"], photo["height"]) == (8, 6)
    file = await api.ok("getFile", file_id=photo["file_id"])
    download = await api.http.get(f"{api.base.replace('/bot', '/file/bot', 1)}/{file['file_path']}")
    assert download.content == picture
    document = await client.send_document(user, b"%PDF-1.4 x", filename="kk.pdf", mime_type="application/pdf")
    assert document["message"]["document"]["file_name"] == "kk.pdf"
    assert await client.file(document["message"]["document"]["file_id"]) == b"%PDF-1.4 x"
