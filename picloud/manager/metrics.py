"""Prometheus metrics at ``/_picloud/metrics`` (docs/observability.md).

One :class:`Metrics` per process, with its own ``CollectorRegistry`` (never
prometheus-client's global one, so tests and embedders can run several):

- ``picloud_http_requests_total{route, method, status}``: every HTTP request,
  counted by :meth:`Metrics.measure`, a wrapper around the root ASGI app.
  ``route`` is a template, never the raw path, so the number of series stays
  bounded: the user route's template (the ingress puts it in
  ``scope["picloud.route"]``), a control-plane template such as
  ``/_picloud/api/v1/scripts/{name}``, ``/_picloud/health`` ... and
  ``unmatched`` for everything else (404s, 405s of user paths).
- ``picloud_executions_total{script, trigger, outcome}``,
  ``picloud_execution_duration_seconds{script, trigger}``,
  ``picloud_retries_total{script}``, ``picloud_dead_letters_total{script}``:
  fed by :mod:`picloud.shared.observe` when an attempt ends.
- ``picloud_executor_*`` gauges, read from the executor pool at scrape time.
- ``picloud_info{version}`` and the ``process_*`` metrics of the process.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily
# Text format 0.0.4: what every Prometheus (2.x included) reads; the output is the same.
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.registry import Collector

from picloud import __version__
from picloud.shared.http import ASGIApp, Receive, Scope, Send, send_error, send_response
from picloud.shared.observe import ExecutionFinished

METRICS_PATH = "/_picloud/metrics"
HEALTH_PATH = "/_picloud/health"
UNMATCHED = "unmatched"
DASHBOARD_PREFIX = "/_picloud/ui"
ROUTE_SCOPE_KEY = "picloud.route"
"""Set by whoever matched the request to a template (the ingress does)."""
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"})

# Scripts are request handlers: most runs take milliseconds, a few up to the 300 s ceiling.
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                    300.0)


class _PoolCollector(Collector):
    """Executor gauges computed from the pool when Prometheus scrapes."""

    def __init__(self, pool: Any):
        self._pool = pool

    def collect(self) -> Iterator[Any]:
        pool = self._pool
        busy = pool.busy
        limiter = getattr(pool, "_limiter", None)
        running = min(limiter.borrowed_tokens, busy) if limiter is not None else busy
        for name, documentation, value in (
            ("picloud_executor_workers", "Executor actors (scripts that can run at once).", pool.size),
            ("picloud_executor_capacity_slots", "Slots in the pool: workers times (1 + queue per worker).",
             pool.capacity),
            ("picloud_executor_busy_slots", "Slots taken now: scripts running or waiting for a worker.", busy),
            ("picloud_executor_running", "Scripts running in a worker thread now.", running),
            ("picloud_executor_queue_depth", "Scripts holding a slot but waiting for a worker.", busy - running),
            ("picloud_executor_draining", "1 while the node shuts down and refuses new work.",
             1 if pool.draining else 0),
        ):
            yield GaugeMetricFamily(name, documentation, value=value)


class _Metrics(Collector):
    def __init__(self, version: str):
        self._version = version

    def collect(self) -> Iterator[Any]:
        info = InfoMetricFamily("picloud", "PiCloud build information.")
        info.add_metric([], {"version": self._version})
        yield info


class Metrics:
    """The process's metrics; an observer of :mod:`picloud.shared.observe`."""

    def __init__(self, pool: Any | None = None, *, process: bool = True):
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "picloud_http_requests", "HTTP requests by route template, method and status.",
            ["route", "method", "status"], registry=self.registry)
        self.executions = Counter(
            "picloud_executions", "Finished execution attempts by script, trigger and outcome kind.",
            ["script", "trigger", "outcome"], registry=self.registry)
        self.duration = Histogram(
            "picloud_execution_duration_seconds", "Run time of execution attempts in the executor.",
            ["script", "trigger"], buckets=DURATION_BUCKETS, registry=self.registry)
        self.retries = Counter(
            "picloud_retries", "Failed attempts that were scheduled to run again.", ["script"],
            registry=self.registry)
        self.dead_letters = Counter(
            "picloud_dead_letters", "Executions dead-lettered after their last attempt.", ["script"],
            registry=self.registry)
        self.registry.register(_Metrics(__version__))
        if pool is not None:
            self.registry.register(_PoolCollector(pool))
        if process:
            ProcessCollector(registry=self.registry)
        self._http_children: dict[tuple[str, str, int], Any] = {}
        self._api_routes: list[tuple[list[Any], str]] | None = None

    # -- executions -------------------------------------------------------------

    def execution_finished(self, event: ExecutionFinished) -> None:
        self.executions.labels(event.script, event.trigger, event.outcome.value).inc()
        if event.duration_seconds is not None:
            self.duration.labels(event.script, event.trigger).observe(event.duration_seconds)
        if event.status == "pending":
            self.retries.labels(event.script).inc()
        elif event.status == "dead_lettered":
            self.dead_letters.labels(event.script).inc()

    # -- HTTP -------------------------------------------------------------------------

    def count_request(self, route: str, method: str, status: int) -> None:
        key = (route, method, status)
        child = self._http_children.get(key)
        if child is None:
            method_label = method if method in KNOWN_METHODS else "other"
            child = self._http_children[key] = self.http_requests.labels(
                route, method_label, str(status) if status else "none")
        child.inc()

    def route_of(self, scope: Scope) -> str:
        """The template label of a request (after the app has handled it)."""
        route = scope.get(ROUTE_SCOPE_KEY)
        if route is not None:
            return route
        path: str = scope.get("path", "")
        if not path.startswith("/_picloud"):
            return UNMATCHED
        if path in (HEALTH_PATH, METRICS_PATH):
            return path
        if path in ("/_picloud", "/_picloud/") or path == DASHBOARD_PREFIX or path.startswith(DASHBOARD_PREFIX + "/"):
            return DASHBOARD_PREFIX  # the dashboard's pages, as one label
        from picloud.manager.openapi import API_PREFIX, OPENAPI_PATH, api_templates
        if path == OPENAPI_PATH:
            return path
        if path.startswith(API_PREFIX + "/"):
            from picloud.shared.paths import match

            if self._api_routes is None:
                self._api_routes = api_templates()
            below = path[len(API_PREFIX):]
            for segments, template in self._api_routes:
                if match(segments, below) is not None:
                    return API_PREFIX + template
        return UNMATCHED

    def measure(self, app: ASGIApp) -> ASGIApp:
        """``app`` wrapped so that every HTTP request is counted."""

        async def measured(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            status = 0

            async def send_and_watch(message: dict[str, Any]) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, send_and_watch)
            except BaseException:
                status = status or 500
                raise
            finally:
                try:
                    self.count_request(self.route_of(scope), scope.get("method", ""), status)
                except Exception:  # counting must never fail a request
                    pass

        return measured

    # -- scraping ---------------------------------------------------------------------

    def render(self) -> bytes:
        return generate_latest(self.registry)

    async def endpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI endpoint for ``GET /_picloud/metrics``."""
        if scope["method"] not in ("GET", "HEAD"):
            await send_error(send, 405, "method_not_allowed", "use GET", [(b"allow", b"GET, HEAD")])
            return
        body = self.render()
        await send_response(send, 200, b"" if scope["method"] == "HEAD" else body,
                            [(b"cache-control", b"no-store")], content_type=CONTENT_TYPE_PLAIN_0_0_4.encode())
