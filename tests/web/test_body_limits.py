"""Request bodies are bounded and read only after the caller is known (issue 17 item 4).

A real uvicorn server and a raw socket, so that a client can announce (or stream) far more than it sends and the
test can see whether the server waited for it: an answer that arrives while most of the body is still unsent
proves the body was not consumed. A server that reads the body before checking the key never answers here; the
guard timeout turns that into a failure instead of a hang.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bot.web.server import serving
from models.db import Database
from models.tables import Inbox, Referral
from tests.web.conftest import SECRET, World, new_key

GUARD_SECONDS = 30  # only against a hang; nothing here is timed
HUGE = 400 * 1024 * 1024


@pytest.fixture
async def port(app: FastAPI) -> AsyncIterator[int]:
    async with serving(app, "127.0.0.1", 0) as bound:
        yield bound


async def _answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], Any]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, json.loads(body) if body else None


async def _send_part(
    port: int, method: str, path: str, headers: dict[str, str], chunks: int, chunk: bytes
) -> tuple[int, dict[str, str], Any, int]:
    """Send the head and ``chunks`` pieces of a body that is announced (or streamed) as much larger; then read the
    answer without sending the rest. Returns status, headers, JSON body and the bytes of body sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: jsika.test\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        writer.write(head.encode() + b"\r\n")
        sent = 0
        chunked = headers.get("Transfer-Encoding") == "chunked"
        for _ in range(chunks):
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk)
            sent += len(chunk)
            try:
                await writer.drain()
            except ConnectionError:  # the server answered and closed: it wants no more
                break
        async with asyncio.timeout(GUARD_SECONDS):
            status, answer_headers, body = await _answer(reader)
        return status, answer_headers, body, sent
    finally:
        writer.close()


async def test_a_huge_patch_without_a_key_gets_401_and_its_body_is_never_read(port: int, world: World) -> None:
    path = f"/api/v1/referrals/{world.referrals['pendidikan_pandeglang']}"
    headers = {"Content-Type": "application/json", "Content-Length": str(HUGE)}
    status, answer_headers, body, sent = await _send_part(port, "PATCH", path, headers, 4, b"x" * 65536)
    assert status == 401
    assert body["error"]["code"] == "missing_key"
    assert sent < HUGE // 100
    assert answer_headers.get("connection") == "close"  # the rest is dropped with the connection, not read


async def test_an_announced_oversized_patch_with_a_key_gets_413_before_its_body(
    port: int, db: Database, world: World
) -> None:
    _, plain = await new_key(db, "pendidikan")
    path = f"/api/v1/referrals/{world.referrals['pendidikan_pandeglang']}"
    headers = {"Authorization": f"Bearer {plain}", "Content-Type": "application/json", "Content-Length": str(HUGE)}
    status, answer_headers, body, sent = await _send_part(port, "PATCH", path, headers, 4, b"x" * 65536)
    assert status == 413
    assert body["error"]["code"] == "body_too_large"
    assert "65536" in body["error"]["message"]
    assert sent < HUGE // 100
    assert answer_headers.get("connection") == "close"
    async with db.session() as s:
        referral = await s.get(Referral, world.referrals["pendidikan_pandeglang"])
        assert referral is not None and referral.status == "baru"


async def test_a_streamed_body_over_the_api_limit_is_cut_off_at_the_limit(
    port: int, db: Database, world: World
) -> None:
    _, plain = await new_key(db, "pendidikan")
    path = f"/api/v1/referrals/{world.referrals['pendidikan_pandeglang']}"
    headers = {"Authorization": f"Bearer {plain}", "Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    # Three 64 KiB pieces and never the last chunk: a server that wanted the whole body would still be waiting.
    status, _, body, sent = await _send_part(port, "PATCH", path, headers, 3, b" " * 65536)
    assert status == 413
    assert body["error"]["code"] == "body_too_large"


async def test_webhook_checks_the_secret_before_the_body_and_bounds_it(port: int, db: Database) -> None:
    path = "/telegram/webhook"
    unsigned = {"Content-Type": "application/json", "Content-Length": str(HUGE)}
    status, _, body, sent = await _send_part(port, "POST", path, unsigned, 4, b"x" * 65536)
    assert (status, body["error"]["code"]) == (401, "unauthorized_webhook")
    assert sent < HUGE // 100
    signed = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    status, _, body, _ = await _send_part(
        port, "POST", path, {**signed, "Transfer-Encoding": "chunked"}, 18, b" " * 65536
    )
    assert (status, body["error"]["code"]) == (413, "body_too_large")
    async with db.session() as s:
        assert (await s.scalars(select(Inbox))).all() == []


async def test_bodies_within_the_limits_still_work(port: int, db: Database, world: World) -> None:
    _, plain = await new_key(db, "pendidikan")
    referral = world.referrals["pendidikan_pandeglang"]
    note = "Dijadwalkan asesmen " + "x" * 900
    payload = json.dumps({"status": "diterima", "note": note}).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            (
                f"PATCH /api/v1/referrals/{referral} HTTP/1.1\r\nHost: jsika.test\r\nAuthorization: Bearer {plain}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
            ).encode()
            + payload
        )
        async with asyncio.timeout(GUARD_SECONDS):
            status, headers, body = await _answer(reader)
    finally:
        writer.close()
    assert status == 200, body
    assert body["status"] == "diterima" and body["note"] == note
    assert headers.get("connection") != "close"
    # A webhook update of 600 KB (well under its 1 MB) is stored.
    update = {"update_id": 5, "message": {"message_id": 5, "date": 0, "chat": {"id": 9, "type": "private"}}}
    update["message"]["text"] = "a" * 600_000  # type: ignore[index]
    raw = json.dumps(update).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            (
                f"POST /telegram/webhook HTTP/1.1\r\nHost: jsika.test\r\nX-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(raw)}\r\n\r\n"
            ).encode()
            + raw
        )
        async with asyncio.timeout(GUARD_SECONDS):
            status, _, body = await _answer(reader)
    finally:
        writer.close()
    assert status == 200, body
