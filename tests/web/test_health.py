"""Health, readiness and metrics tell an operator (or a load balancer) what they need, in one look."""

from __future__ import annotations

import os
import socket

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import make_url

from bot.inbox import Inbox
from bot.web import WebContext, create_app
from models.db import Database
from tests.web.conftest import NOW, FixedClock


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nobody listens once the socket is closed


async def _get(app: FastAPI, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://jsika.test") as http:
        return await http.get(path)


async def test_ready_when_database_migrations_and_telegram_answer(client: httpx.AsyncClient, app: FastAPI) -> None:
    calls: list[str] = []

    async def get_me() -> dict[str, str]:
        calls.append("getMe")
        return {"username": "jsika_bot"}

    app.state.web.telegram_probe = get_me
    health = await client.get("/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok", "telegram": "ok"}}
    assert calls == ["getMe"]


async def test_not_ready_when_the_database_is_unreachable(clock: FixedClock) -> None:
    port = _closed_port()
    unreachable = Database(f"postgresql+asyncpg://jsika@127.0.0.1:{port}/jsika")
    try:
        app = create_app(WebContext(db=unreachable, clock=clock))
        health = await _get(app, "/healthz")
        ready = await _get(app, "/readyz")
        metrics = await _get(app, "/metrics")
    finally:
        await unreachable.dispose()
    assert health.status_code == 200  # the process itself is fine
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["database"].startswith("gagal")
    assert "Traceback" not in ready.text
    assert metrics.status_code == 200
    assert "jsika_database_up 0.0" in metrics.text


async def test_not_ready_when_telegram_does_not_answer(client: httpx.AsyncClient, app: FastAPI) -> None:
    async def unreachable() -> None:
        raise ConnectionRefusedError("api.telegram.org refused the connection")

    app.state.web.telegram_probe = unreachable
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == "ok"
    assert "ConnectionRefusedError" in ready.json()["checks"]["telegram"]


async def test_metrics_show_updates_queues_and_http_latency(client: httpx.AsyncClient) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": "rahasia-webhook-uji"}
    payload = {"update_id": 99, "message": {"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}}}
    assert (await client.post("/telegram/webhook", json=payload, headers=headers)).status_code == 200
    text = (await client.get("/metrics")).text
    assert 'jsika_updates_received_total{source="webhook"}' in text
    assert 'jsika_inbox_updates{state="new"} 1.0' in text
    assert "jsika_inbox_lag_seconds" in text
    assert 'jsika_outbox_messages{state="queued"} 0.0' in text
    assert 'jsika_http_request_seconds_count{method="POST",route="/telegram/webhook",status="200"}' in text


async def test_metrics_can_require_a_bearer_token(db: Database) -> None:
    app = create_app(WebContext(db=db, clock=FixedClock(NOW), metrics_token="rahasia-metrik"))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://jsika.test") as http:
        missing = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer rahasia-metri"})
        right = await http.get("/metrics", headers={"Authorization": "Bearer rahasia-metrik"})
    assert missing.status_code == wrong.status_code == 401
    assert missing.json()["error"]["code"] == "metrics_token"
    assert "jsika_inbox_updates" not in missing.text + wrong.text
    assert right.status_code == 200 and "jsika_inbox_updates" in right.text


async def test_api_docs_load_swagger_ui_from_this_server_not_a_cdn(client: httpx.AsyncClient) -> None:
    page = await client.get("/api/docs")
    assert page.status_code == 200
    assert "/api/openapi.json" in page.text
    assert "cdn." not in page.text and "https://" not in page.text
    script = await client.get("/api/docs/static/swagger-ui-bundle.js")
    css = await client.get("/api/docs/static/swagger-ui.css")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    assert css.status_code == 200 and ".swagger-ui" in css.text
    assert 'version="5.' in script.text  # Swagger UI 5 renders the OpenAPI 3.1 document FastAPI writes


def _unreachable_databases() -> list[str]:
    urls = [
        f"postgresql+asyncpg://jsika@127.0.0.1:{_closed_port()}/jsika",  # nobody listens
        "postgresql+asyncpg://jsika@db.invalid:5432/jsika",  # a host that does not resolve
        "sqlite+aiosqlite:////nonexistent-jsika-dir/jsika.db",  # a file that cannot be opened
    ]
    configured = os.environ.get("JSIKA_TEST_DATABASE_URL", "")
    if configured.startswith("postgresql"):
        urls.append(make_url(configured).set(database="jsika_no_such_db").render_as_string(hide_password=False))
    return urls


@pytest.mark.parametrize("url", _unreachable_databases())
async def test_api_and_webhook_answer_503_when_the_database_is_unreachable(url: str) -> None:
    away = Database(url)
    app = create_app(WebContext(db=away, clock=FixedClock(NOW), inbox=Inbox(away), webhook_secret="rahasia"))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://jsika.test") as http:
            api = await http.get("/api/v1/me", headers={"Authorization": "Bearer jsk_abcd1234_tidakada"})
            webhook = await http.post(
                "/telegram/webhook",
                json={"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}}},
                headers={"X-Telegram-Bot-Api-Secret-Token": "rahasia"},
            )
    finally:
        await away.dispose()
    for answer in (api, webhook):
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "unavailable"
        assert answer.headers["Retry-After"]
