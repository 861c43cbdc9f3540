"""No input makes the OPD API answer 5xx: property-based requests for every operation in its OpenAPI document.

Schemathesis would do this from the schema directly; it is not in the lock file, so this test draws the same kind
of requests with Hypothesis: every path and method the schema lists, random path and query values (valid enum
values mixed with arbitrary text and numbers), random JSON bodies, with a valid, a bogus or no key.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.web import WebContext, create_app
from models import api_keys
from models.db import Database
from tests.conftest import _empty_tables
from tests.web.conftest import NOW, FixedClock

TEXT = st.text(max_size=40)
NUMBERS = st.one_of(st.integers(-(2**70), 2**70), st.floats(allow_nan=True)).map(str)


EDGES = ["0", "1", "-1", str(2**31), str(2**63 - 1), str(2**63), str(2**64), "9" * 30, "1e3", "NaN"]


def _values(schema: dict[str, Any], in_path: bool = False) -> st.SearchStrategy[str]:
    """Valid-looking values from the schema, edge numbers, and anything at all."""
    if in_path:
        return st.one_of(st.sampled_from(EDGES), NUMBERS, TEXT)
    known: list[str] = []
    for option in [schema, *schema.get("anyOf", [])]:
        known += [str(v) for v in option.get("enum", [])]
        if option.get("type") == "boolean":
            known += ["true", "false", "1", "no"]
    known += ["36", "36.01", "3601", "36.02.01", "usia_sekolah", "ibu_hamil", "balita", "dirujuk", "aGo6MQ", ""]
    return st.one_of(st.sampled_from(known), st.sampled_from(EDGES), TEXT, NUMBERS)


def _operations(app: FastAPI) -> list[tuple[str, str, list[dict[str, Any]], bool]]:
    found = []
    for path, methods in app.openapi()["paths"].items():
        for method, operation in methods.items():
            found.append((method.upper(), path, operation.get("parameters", []), "requestBody" in operation))
    return found


async def _prepare(db: Database) -> tuple[FastAPI, str]:
    from tests.factories import make_household

    async with db.session() as s:
        await make_household(s, desa="36.01.02.2001")
        _, plain = await api_keys.create_key(
            s,
            name="Dinas Uji",
            sector="pendidikan",
            area="36.01",
            can_see_nik=False,
            rate_limit_per_minute=100_000,
            now=NOW,
        )
    return create_app(WebContext(db=db, clock=FixedClock(NOW))), plain


def test_no_generated_request_gets_a_server_error(database_url: str) -> None:
    loop = asyncio.new_event_loop()
    db = Database(database_url)
    try:
        app, key = loop.run_until_complete(_prepare(db))
        operations = _operations(app)
        assert {path for _, path, _, _ in operations} >= {
            "/api/v1/households",
            "/api/v1/members",
            "/api/v1/referrals",
            "/api/v1/referrals/{referral_id}",
            "/api/v1/stats",
            "/api/v1/me",
        }
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://jsika.test"
        )
        bodies = st.one_of(
            st.none(),
            st.dictionaries(
                st.sampled_from(["status", "note", "extra"]),
                st.one_of(st.sampled_from(["diterima", "ditangani", "baru"]), TEXT, st.integers(), st.none()),
            ),
            st.lists(st.integers(), max_size=3),
        )

        @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(data=st.data())
        def check(data: st.DataObject) -> None:
            method, path, parameters, has_body = data.draw(st.sampled_from(operations))
            query: dict[str, str] = {}
            for parameter in parameters:
                value = data.draw(_values(parameter.get("schema", {}), parameter["in"] == "path"))
                if parameter["in"] == "path":
                    path = path.replace("{" + parameter["name"] + "}", quote(value, safe="") or "0")
                elif parameter["in"] == "query" and data.draw(st.booleans()):
                    query[parameter["name"]] = value
            headers = data.draw(
                st.sampled_from(
                    [
                        {"Authorization": f"Bearer {key}"},
                        {"X-API-Key": key},
                        {"X-API-Key": key},
                        {"Authorization": f"Bearer {key}"},
                        {"X-API-Key": "jsk_x"},
                        {},
                    ]
                )
            )
            body = data.draw(bodies) if has_body else None
            response = loop.run_until_complete(client.request(method, path, params=query, headers=headers, json=body))
            assert response.status_code < 500, (method, path, query, body, response.text)
            if response.status_code >= 400:
                error = response.json()["error"]
                assert error["code"] and error["message"]

        check()
        loop.run_until_complete(client.aclose())
    finally:
        loop.run_until_complete(_empty_tables(db))
        loop.run_until_complete(db.dispose())
        loop.close()
