"""Prometheus metrics: what this process counted, plus what the database knows for every process at once.

Counters and histograms live in prometheus-client's default registry, so metrics any module defines with
prometheus-client show up too. With ``jsika run --workers N`` the supervisor sets ``PROMETHEUS_MULTIPROC_DIR``
and ``/metrics`` (served by worker 0) sums the files of all workers. Queue depths (inbox, outbox) are read from
the database at scrape time, because only the database sees every process's work.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

UPDATES_RECEIVED = Counter("jsika_updates_received", "Telegram updates stored in the inbox", ["source"])
UPDATES_DUPLICATE = Counter("jsika_updates_duplicate", "Updates received again and ignored", ["source"])
UPDATES_PROCESSED = Counter(
    "jsika_updates_processed", "Updates finished by this process", ["outcome"]
)  # outcome: done | failed | skipped | abandoned
UPDATES_FAILED = Counter(
    "jsika_updates_failed", "Updates given up on: the person got an apology", ["reason"]
)  # reason: database (a passing database error outlasted the retries) | error | timeout
UPDATES_RETRIED = Counter(
    "jsika_updates_retried", "Handler runs repeated after a passing database error", ["reason"]
)  # reason: connection | deadlock | serialization | starting | locked
UPDATE_SECONDS = Histogram(
    "jsika_update_seconds", "Time to handle one update", buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
)
UPDATE_WAIT_SECONDS = Histogram(
    "jsika_update_wait_seconds",
    "Time from receipt to the start of handling (inbox lag per update)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60),
)
WEBHOOK_REJECTED = Counter("jsika_webhook_rejected", "Webhook calls refused", ["reason"])
HTTP_SECONDS = Histogram(
    "jsika_http_request_seconds",
    "HTTP request latency by route",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
API_REQUESTS = Counter("jsika_api_requests", "OPD API calls by key and outcome", ["key", "status"])
REMINDER_PLANNING_SECONDS = Histogram(
    "jsika_reminder_planning_seconds",
    "Time to plan reminders for the whole registry",
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
JOB_SECONDS = Histogram(
    "jsika_job_seconds", "Scheduled job run time", ["job"], buckets=(0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
)
OUTBOX_DELIVERED = Counter(
    "jsika_outbox_delivered", "Outbox messages handled by this process's delivery passes", ["outcome"]
)  # outcome: sent | retried | rate_limited | failed | cancelled


@dataclass(frozen=True, slots=True)
class Gauge:
    """One value read from the database at scrape time."""

    name: str
    help: str
    value: float
    labels: dict[str, str]


GaugeSource = Callable[[], Awaitable[list[Gauge]]]


class _Snapshot(Collector):
    def __init__(self, gauges: list[Gauge]) -> None:
        self._gauges = gauges

    def collect(self) -> Iterable[Metric]:
        families: dict[str, GaugeMetricFamily] = {}
        for gauge in self._gauges:
            family = families.get(gauge.name)
            if family is None:
                family = GaugeMetricFamily(gauge.name, gauge.help, labels=sorted(gauge.labels))
                families[gauge.name] = family
            family.add_metric([gauge.labels[k] for k in sorted(gauge.labels)], gauge.value)
        return list(families.values())


class Exposition:
    """Renders ``/metrics``; database gauges are cached a few seconds so eager scrapers cost little."""

    def __init__(self, source: GaugeSource | None = None, *, cache_seconds: float = 5.0) -> None:
        self._source = source
        self._cache_seconds = cache_seconds
        self._cached: tuple[float, list[Gauge]] | None = None

    async def _gauges(self) -> list[Gauge]:
        if self._source is None:
            return []
        now = time.monotonic()
        if self._cached is not None and now - self._cached[0] < self._cache_seconds:
            return self._cached[1]
        gauges = await self._source()
        self._cached = (now, gauges)
        return gauges

    async def render(self) -> bytes:
        gauges = await self._gauges()
        snapshot = CollectorRegistry(auto_describe=False)
        snapshot.register(_Snapshot(gauges))
        return generate_latest(process_registry()) + generate_latest(snapshot)


def process_registry() -> Any:
    """This process's counters, or every worker's summed when running under the multi-process supervisor."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


class HttpMetrics:
    """Pure ASGI middleware: latency per route template (``/api/v1/referrals/{referral_id}``, not each id)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            HTTP_SECONDS.labels(scope.get("method", "?"), template, str(status["code"])).observe(
                time.perf_counter() - started
            )


def instrument_reminders(scheduler: Any) -> None:
    """Count the reminders' work without the scheduler importing ``bot``: time its jobs, tally its deliveries.

    ``scheduler`` is ``scheduler.jobs.Scheduler``: its APScheduler instance reports each job's start and end,
    and each delivery pass returns a ``DeliveryReport`` whose numbers become counters here.
    """
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED, JobEvent

    started: dict[str, float] = {}

    def on_event(event: JobEvent) -> None:
        if event.code == EVENT_JOB_SUBMITTED:
            started[event.job_id] = time.perf_counter()
            return
        began = started.pop(event.job_id, None)
        if began is None:
            return
        seconds = time.perf_counter() - began
        JOB_SECONDS.labels(event.job_id).observe(seconds)
        if event.job_id == "plan":
            REMINDER_PLANNING_SECONDS.observe(seconds)

    scheduler.aps.add_listener(on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    deliverer = scheduler.deliverer
    deliver_due = deliverer.deliver_due

    async def counted(*args: Any, **kwargs: Any) -> Any:
        report = await deliver_due(*args, **kwargs)
        for outcome in ("sent", "retried", "rate_limited", "failed", "cancelled"):
            count = int(getattr(report, outcome, 0) or 0)
            if count:
                OUTBOX_DELIVERED.labels(outcome).inc(count)
        return report

    deliverer.deliver_due = counted
