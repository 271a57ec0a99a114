"""``/_picloud/metrics``: unit tests of the Metrics object, then real calls
through ``picloud serve`` scraped and parsed with prometheus-client's parser."""

from __future__ import annotations

import time

import pytest
import trio
from prometheus_client.parser import text_string_to_metric_families

from picloud.manager.metrics import Metrics
from picloud.shared import observe
from picloud.shared.outcome import Outcome, OutcomeKind

from .conftest import TOKEN


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """``{(sample name, labels): value}`` of a scrape."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


# -- the Metrics object on its own ----------------------------------------------------------------


class FakePool:
    size = 4
    capacity = 20
    busy = 6
    draining = False

    class _limiter:
        borrowed_tokens = 4


def test_pool_gauges_are_read_at_scrape_time():
    pool = FakePool()
    metrics = Metrics(pool, process=False)
    found = samples(metrics.render().decode())
    assert value(found, "picloud_executor_workers") == 4
    assert value(found, "picloud_executor_capacity_slots") == 20
    assert value(found, "picloud_executor_busy_slots") == 6
    assert value(found, "picloud_executor_running") == 4
    assert value(found, "picloud_executor_queue_depth") == 2
    pool.busy, pool.draining = 1, True
    found = samples(metrics.render().decode())
    assert value(found, "picloud_executor_busy_slots") == 1
    assert value(found, "picloud_executor_running") == 1  # never more than busy
    assert value(found, "picloud_executor_queue_depth") == 0
    assert value(found, "picloud_executor_draining") == 1


def test_own_registry_not_the_global_one():
    from prometheus_client import REGISTRY

    first, second = Metrics(process=False), Metrics(process=False)
    first.count_request("/a", "GET", 200)
    assert value(samples(second.render().decode()), "picloud_http_requests_total",
                 route="/a", method="GET", status="200") == 0
    assert REGISTRY.get_sample_value("picloud_http_requests_total",
                                     {"route": "/a", "method": "GET", "status": "200"}) is None


def test_execution_events_feed_outcomes_durations_retries_and_dead_letters():
    metrics = Metrics(process=False)
    observe.add_observer(metrics)
    try:
        ok = Outcome(OutcomeKind.SUCCEEDED, started_at=100.0, finished_at=100.25)
        failed = Outcome(OutcomeKind.SCRIPT_FAILURE, started_at=100.0, finished_at=100.5)
        observe.execution_finished("e1", "s", "http", ok, "succeeded")
        observe.execution_finished("e2", "s", "kv", failed, "pending", 1)
        observe.execution_finished("e2", "s", "kv", failed, "dead_lettered", 2)
        observe.execution_finished("e3", "s", "http", Outcome(OutcomeKind.TIMEOUT), "failed")
    finally:
        observe.remove_observer(metrics)
    found = samples(metrics.render().decode())
    assert value(found, "picloud_executions_total", script="s", trigger="http", outcome="succeeded") == 1
    assert value(found, "picloud_executions_total", script="s", trigger="kv", outcome="script_failure") == 2
    assert value(found, "picloud_executions_total", script="s", trigger="http", outcome="timeout") == 1
    assert value(found, "picloud_retries_total", script="s") == 1
    assert value(found, "picloud_dead_letters_total", script="s") == 1
    # The timeout had no timing: it is counted but not observed.
    assert value(found, "picloud_execution_duration_seconds_count", script="s", trigger="http") == 1
    assert value(found, "picloud_execution_duration_seconds_sum", script="s", trigger="http") == 0.25
    assert value(found, "picloud_execution_duration_seconds_bucket", script="s", trigger="kv", le="0.5") == 2
    assert value(found, "picloud_execution_duration_seconds_bucket", script="s", trigger="kv", le="0.25") == 0


def test_a_failing_observer_never_fails_the_caller():
    class Broken:
        def execution_finished(self, event):
            raise RuntimeError("boom")

    broken = Broken()
    observe.add_observer(broken)
    try:
        observe.execution_finished("e", "s", "http", Outcome(OutcomeKind.SUCCEEDED), "succeeded")
    finally:
        observe.remove_observer(broken)


async def test_measure_labels_by_template_and_bounds_methods():
    metrics = Metrics(process=False)

    async def app(scope, receive, send):
        if scope["path"].startswith("/users/"):
            scope["picloud.route"] = "/users/{id}"
        if scope["path"] == "/boom":
            raise RuntimeError("boom")
        if scope["path"] == "/silent":
            return
        await send({"type": "http.response.start", "status": 201 if scope["method"] == "POST" else 404,
                    "headers": []})
        await send({"type": "http.response.body", "body": b""})

    measured = metrics.measure(app)

    async def call(method, path):
        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            pass

        await measured({"type": "http", "method": method, "path": path, "headers": []}, receive, send)

    await call("POST", "/users/1")
    await call("POST", "/users/2")
    await call("GET", "/nowhere/7")
    await call("BREW", "/nowhere/8")
    await call("GET", "/_picloud/api/v1/scripts/x")
    await call("GET", "/_picloud/api/v1/kv/a/b/c")
    await call("GET", "/_picloud/api/v1/no/such")
    await call("GET", "/_picloud/health")
    await call("GET", "/_picloud/ui/scripts/hello")
    await call("GET", "/_picloud/")
    await call("GET", "/silent")
    with pytest.raises(RuntimeError):
        await call("GET", "/boom")
    found = samples(metrics.render().decode())
    name = "picloud_http_requests_total"
    assert value(found, name, route="/users/{id}", method="POST", status="201") == 2
    assert value(found, name, route="unmatched", method="GET", status="404") == 2
    assert value(found, name, route="unmatched", method="other", status="404") == 1
    assert value(found, name, route="/_picloud/api/v1/scripts/{name}", method="GET", status="404") == 1
    assert value(found, name, route="/_picloud/api/v1/kv/{key...}", method="GET", status="404") == 1
    assert value(found, name, route="/_picloud/health", method="GET", status="404") == 1
    assert value(found, name, route="/_picloud/ui", method="GET", status="404") == 2
    assert value(found, name, route="unmatched", method="GET", status="none") == 1
    assert value(found, name, route="unmatched", method="GET", status="500") == 1
    routes = {dict(labels)["route"] for (sample, labels) in found if sample == name}
    assert not any("/nowhere" in route or "/users/1" in route for route in routes)


# -- through a real server ---------------------------------------------------------------------------


def scrape(client) -> dict:
    reply = client.request("GET", "/_picloud/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status == 200, reply
    assert reply.headers["content-type"].startswith("text/plain; version=0.0.4")
    return samples(reply.text)


def wait_for(predicate, deadline: float = 15.0):
    end = time.monotonic() + deadline
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def test_metrics_need_a_token(client):
    assert client.request("GET", "/_picloud/metrics").status == 401
    bad = client.request("GET", "/_picloud/metrics", headers={"Authorization": "Bearer pc_nope"})
    assert bad.status == 401


def test_metrics_reflect_real_calls(client):
    before = scrape(client)
    client.deploy("obs_hello", '`hello ${request.params.who}`', "GET", "/obs/hello/{who}")
    client.deploy("obs_throw", 'throw "no"', "POST", "/obs/throw")
    for who in ("ann", "bob", "cy"):
        assert client.call("GET", f"/obs/hello/{who}").status == 200
    assert client.call("POST", "/obs/throw").status == 422
    assert client.call("GET", "/obs/nothing/here").status == 404
    assert client.call("DELETE", "/obs/hello/ann").status == 405
    route_id = client.deploy("obs_flaky", "1 / 0", "POST", "/obs/flaky", dispatch_mode="async",
                             max_attempts=2)["id"]
    accepted = client.call("POST", "/obs/flaky")
    assert accepted.status == 202
    record = client.wait_for_status(accepted.json["execution_id"])
    assert record["status"] == "dead_lettered" and record["route_id"] == route_id

    after = scrape(client)
    http = "picloud_http_requests_total"

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta(http, route="/obs/hello/{who}", method="GET", status="200") == 3
    assert delta(http, route="/obs/throw", method="POST", status="422") == 1
    assert delta(http, route="/obs/flaky", method="POST", status="202") == 1
    assert delta(http, route="unmatched", method="GET", status="404") >= 1
    assert delta(http, route="unmatched", method="DELETE", status="405") >= 1
    assert delta(http, route="/_picloud/api/v1/scripts/{name}", method="PUT", status="201") == 3
    assert delta(http, route="/_picloud/api/v1/routes", method="POST", status="201") == 3
    assert value(before, http, route="/_picloud/metrics", method="GET", status="200") >= 0
    assert not any("/obs/hello/ann" in dict(labels).get("route", "") for (_, labels) in after)

    runs = "picloud_executions_total"
    assert delta(runs, script="obs_hello", trigger="http", outcome="succeeded") == 3
    assert delta(runs, script="obs_throw", trigger="http", outcome="script_error") == 1
    assert delta(runs, script="obs_flaky", trigger="http", outcome="script_failure") == 2
    assert delta("picloud_execution_duration_seconds_count", script="obs_hello", trigger="http") == 3
    assert delta("picloud_retries_total", script="obs_flaky") == 1
    assert delta("picloud_dead_letters_total", script="obs_flaky") == 1

    assert value(after, "picloud_executor_workers") >= 2
    assert value(after, "picloud_executor_capacity_slots") >= value(after, "picloud_executor_workers")
    assert value(after, "picloud_executor_busy_slots") == 0
    assert value(after, "picloud_executor_draining") == 0
    assert value(after, "picloud_info", version=__import__("picloud").__version__) == 1
    assert value(after, "process_resident_memory_bytes") > 0


async def test_busy_slots_while_scripts_run(client):
    client.deploy("obs_slow", "sleep(0.6); 1", "GET", "/obs/slow", timeout_seconds=5)
    async with trio.open_nursery() as nursery:
        for _ in range(2):
            nursery.start_soon(trio.to_thread.run_sync, client.call, "GET", "/obs/slow")
        await trio.sleep(0.3)
        during = await trio.to_thread.run_sync(scrape, client)
    assert value(during, "picloud_executor_busy_slots") == 2
    assert value(during, "picloud_executor_running") == 2
    after = await trio.to_thread.run_sync(scrape, client)
    assert value(after, "picloud_executor_busy_slots") == 0
