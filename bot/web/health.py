"""``/healthz`` (the process answers), ``/readyz`` (it can do its job) and ``/metrics`` (Prometheus).

Readiness asks the three things the bot cannot work without: the database answers, its schema is at the
migrations' head, and Telegram (or the sandbox) answers ``getMe``. A load balancer or systemd watchdog sends
traffic only to a ready process; each failing check says which one and why, in one line.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select, text

from bot import metrics
from bot.web.context import WebContext
from bot.web.errors import error_response
from models import inbox_upkeep as inbox_queries
from models import migrate
from models.period import Period
from models.tables import Visit

log = logging.getLogger(__name__)

TELEGRAM_OK_CACHE_SECONDS = 30.0


async def _check(name: str, seconds: float, probe: object) -> tuple[str, str]:
    try:
        async with asyncio.timeout(seconds):
            result = await probe  # type: ignore[misc]
    except TimeoutError:
        return name, f"gagal: tidak menjawab dalam {seconds:g} detik"
    except Exception as error:  # any failure is "not ready"; the reason is for the operator, not a traceback
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        return name, f"gagal: {type(error).__name__}: {reason}"
    return name, "ok" if result is not False else "gagal: skema belum mutakhir (jalankan: jsika db upgrade)"


class Readiness:
    def __init__(self, context: WebContext) -> None:
        self.context = context
        self._telegram_ok_at = 0.0

    async def _database(self) -> bool:
        async with self.context.db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    async def _telegram(self) -> bool:
        probe = self.context.telegram_probe
        if probe is None or time.monotonic() - self._telegram_ok_at < TELEGRAM_OK_CACHE_SECONDS:
            return True
        await probe()
        self._telegram_ok_at = time.monotonic()
        return True

    async def check(self) -> tuple[bool, dict[str, str]]:
        timeout = self.context.probe_timeout
        name, database = await _check("database", timeout, self._database())
        results = {name: database}
        if database == "ok":
            results.update([await _check("migrations", timeout, migrate.is_current(self.context.db))])
        else:
            results["migrations"] = "tidak diperiksa: basis data tidak terjangkau"
        if self.context.telegram_probe is not None:
            results.update([await _check("telegram", timeout, self._telegram())])
        return all(v == "ok" for v in results.values()), results


async def database_gauges(context: WebContext) -> list[metrics.Gauge]:
    """Queue depths and this period's reports, read at scrape time (all processes' work, not just this one's)."""
    now = context.clock()
    async with context.db.session() as session:
        stats = await inbox_queries.stats(session, now)
        outbox = await inbox_queries.outbox_counts(session)
        period = str(Period.of(now.astimezone(context.tz).date()))
        visits = int(await session.scalar(select(func.count()).where(Visit.period == period)) or 0)
    gauges = [
        metrics.Gauge("jsika_inbox_updates", "Updates in the inbox by state", stats.new, {"state": "new"}),
        metrics.Gauge(
            "jsika_inbox_updates", "Updates in the inbox by state", stats.processing, {"state": "processing"}
        ),
        metrics.Gauge("jsika_inbox_updates", "Updates in the inbox by state", stats.failed, {"state": "failed"}),
        metrics.Gauge(
            "jsika_inbox_lag_seconds", "Age of the oldest update not yet handled", stats.oldest_pending_seconds, {}
        ),
        metrics.Gauge(
            "jsika_visit_reports_period", "Visit reports submitted for the current period", visits, {"period": period}
        ),
    ]
    gauges += [
        metrics.Gauge(
            "jsika_outbox_messages", "Outbox messages by state (sent ones are not counted)", n, {"state": state}
        )
        for state, n in outbox.items()
    ]
    return gauges


def install(app: FastAPI, context: WebContext) -> None:
    readiness = Readiness(context)

    async def source() -> list[metrics.Gauge]:
        try:
            return await database_gauges(context)
        except Exception as error:
            log.warning("metrics: database gauges unavailable (%s)", type(error).__name__)
            return [metrics.Gauge("jsika_database_up", "Whether /metrics could read the database", 0, {})]

    exposition = metrics.Exposition(source)

    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    async def readyz() -> JSONResponse:
        ready, checks = await readiness.check()
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": checks}, status_code=200 if ready else 503
        )

    async def metrics_endpoint(request: Request) -> Response:
        # The queue depths and report counts are operational data; an operator who exposes the port beyond the
        # scraper can require a token (JSIKA_METRICS_TOKEN), compared in constant time.
        if context.metrics_token:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), context.metrics_token.encode()
            ):
                return error_response(request, 401, "metrics_token", headers={"WWW-Authenticate": "Bearer"})
        return Response(await exposition.render(), media_type=metrics.CONTENT_TYPE)

    app.add_api_route("/healthz", healthz, methods=["GET"], include_in_schema=False)
    app.add_api_route("/readyz", readyz, methods=["GET"], include_in_schema=False)
    app.add_api_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
