"""Async routes end to end: 202, background run, retries, dead letters,
idempotency keys and the executions list, against a real ``picloud serve``.

One server for the module (short retry back-off); each test uses its own
script names and route paths.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest

from tests.e2e.client import Client, Server


@pytest.fixture(scope="module")
def server():
    server = Server("picloud-e2e-async-", env={"PICLOUD_RETRY_BASE_SECONDS": "0.1"})
    try:
        server.serve.wait_healthy()
        yield server
    finally:
        server.close()


@pytest.fixture
def client(server) -> Client:
    return server.client


def accept(client: Client, method: str, path: str, **kw) -> str:
    """Make an async call; check the 202 and return the execution id."""
    reply = client.call(method, path, **kw)
    assert reply.status == 202, reply
    body = reply.json
    assert set(body) == {"execution_id", "accepted_at"}, body
    uuid.UUID(body["execution_id"])
    assert reply.execution_id == body["execution_id"]
    accepted = dt.datetime.fromisoformat(body["accepted_at"].replace("Z", "+00:00"))
    assert accepted.tzinfo is not None
    assert abs((dt.datetime.now(dt.UTC) - accepted).total_seconds()) < 60
    return body["execution_id"]


def test_async_call_is_accepted_then_succeeds_with_result_and_logs(client):
    source = """
        print("starting");
        let doubled = request.json.n * 2;
        print(`doubled is ${doubled}`);
        #{doubled: doubled, id: request.params.id}
    """
    client.deploy("doubler", source, "POST", "/jobs/{id}", dispatch_mode="async")
    execution_id = accept(client, "POST", "/jobs/abc", json_body={"n": 21})

    record = client.wait_for_status(execution_id, "succeeded")
    assert record["id"] == execution_id
    assert record["result"] == {"doubled": 42, "id": "abc"}
    assert record["logs"] == ["starting", "doubled is 42"]
    assert record["attempts"] == 1
    assert record["dispatch_mode"] == "async"
    assert record["script"] == "doubler" and record["version"] == 1
    assert record["error"] is None
    assert record["input"]["json"] == {"n": 21}


def test_run_time_failure_is_retried_then_dead_lettered_and_redriven_after_a_fix(client):
    broken = 'print("trying"); let v = not_defined_yet(request.json.n); v'
    route = client.deploy("flaky", broken, "POST", "/flaky", dispatch_mode="async", max_attempts=3)
    assert route["max_attempts"] == 3
    execution_id = accept(client, "POST", "/flaky", json_body={"n": 5})

    record = client.wait_for_status(execution_id, ("dead_lettered", "succeeded", "failed"))
    assert record["status"] == "dead_lettered", record
    assert record["attempts"] == 3 and record["max_attempts"] == 3
    assert record["error"]["kind"] == "script_failure"
    assert "not_defined_yet" in record["error"]["message"]
    assert record["error"]["line"] == 1
    assert record["logs"] == ["trying"]

    # It is in the dead-letter queue, with its error.
    letters = client.api("GET", "/dead-letters", query={"script": "flaky"})
    assert letters.status == 200, letters
    assert [d["id"] for d in letters.json["dead_letters"]] == [execution_id]
    assert letters.json["dead_letters"][0]["error"]["kind"] == "script_failure"
    single = client.api("GET", f"/dead-letters/{execution_id}")
    assert single.status == 200 and single.json["status"] == "dead_lettered"

    # Fix the script, redrive: same execution id, now succeeds on the new version.
    fixed = client.put_script("flaky", 'print("fixed"); request.json.n + 1')
    assert fixed.status == 200 and fixed.json["version"] == 2, fixed
    retry = client.api("POST", f"/dead-letters/{execution_id}/retry")
    assert retry.status == 202, retry
    assert retry.json["id"] == execution_id

    record = client.wait_for_status(execution_id, ("succeeded", "dead_lettered", "failed"))
    assert record["status"] == "succeeded", record
    assert record["id"] == execution_id
    assert record["result"] == 6
    assert record["version"] == 2
    assert record["logs"] == ["fixed"]
    assert client.api("GET", "/dead-letters", query={"script": "flaky"}).json["dead_letters"] == []
    # Retrying something that is no longer a dead letter is refused.
    assert client.api("POST", f"/dead-letters/{execution_id}/retry").status == 404


def test_deliberate_throw_in_an_async_route_fails_at_once(client):
    client.deploy("refuser", 'throw #{reason: "invalid order"};', "POST", "/refuse",
                  dispatch_mode="async", max_attempts=3)
    execution_id = accept(client, "POST", "/refuse")
    record = client.wait_for_status(execution_id)
    assert record["status"] == "failed", record
    assert record["attempts"] == 1
    assert record["error"]["kind"] == "script_error"
    assert record["error"]["value"] == {"reason": "invalid order"}
    assert client.api("GET", f"/dead-letters/{execution_id}").status == 404


def test_dead_letter_delete(client):
    client.deploy("doomed", "1 / 0", "POST", "/doomed", dispatch_mode="async", max_attempts=1)
    execution_id = accept(client, "POST", "/doomed")
    record = client.wait_for_status(execution_id)
    assert record["status"] == "dead_lettered", record
    assert record["attempts"] == 1

    assert client.api("DELETE", f"/dead-letters/{execution_id}").status == 204
    assert client.get_execution(execution_id).status == 404
    assert client.api("GET", f"/dead-letters/{execution_id}").status == 404
    assert client.api("GET", "/dead-letters", query={"script": "doomed"}).json["dead_letters"] == []
    assert client.api("DELETE", f"/dead-letters/{execution_id}").status == 404


def test_idempotency_key_gives_one_execution(client):
    client.deploy("once", 'print("ran"); request.json.order', "POST", "/once", dispatch_mode="async")
    key = {"Idempotency-Key": f"order-{uuid.uuid4()}"}
    first = accept(client, "POST", "/once", json_body={"order": 1}, headers=key)
    second = accept(client, "POST", "/once", json_body={"order": 1}, headers=key)
    assert first == second

    record = client.wait_for_status(first, "succeeded")
    assert record["result"] == 1
    # A repeat after completion still maps to the same execution.
    assert accept(client, "POST", "/once", json_body={"order": 1}, headers=key) == first
    executions = client.list_executions(script="once")
    assert [e["id"] for e in executions] == [first]

    # Another key is another execution.
    other = accept(client, "POST", "/once", json_body={"order": 2},
                   headers={"Idempotency-Key": f"order-{uuid.uuid4()}"})
    assert other != first
    assert client.wait_for_status(other, "succeeded")["result"] == 2
    assert len(client.list_executions(script="once")) == 2


def test_executions_list_filters_by_script_route_and_status(client):
    source = 'if request.query.fail == "1" { throw "no" } "ok"'
    route = client.deploy("filtered", source, "GET", "/filtered")
    client.deploy("filtered-other", '"other"', "GET", "/filtered-other")
    ids = {}
    for fail in ("0", "1", "0"):
        reply = client.call("GET", "/filtered", query={"fail": fail})
        assert reply.status == (422 if fail == "1" else 200), reply
        ids.setdefault(fail, []).append(reply.execution_id)
    client.call("GET", "/filtered-other")

    everything = client.list_executions(script="filtered")
    # Newest first.
    assert [e["id"] for e in everything] == [ids["0"][1], ids["1"][0], ids["0"][0]]
    assert all(e["script"] == "filtered" for e in everything)
    failed = client.list_executions(script="filtered", status="failed")
    assert [e["id"] for e in failed] == ids["1"]
    assert failed[0]["http_status"] == 422
    succeeded = client.list_executions(script="filtered", status="succeeded")
    assert [e["id"] for e in succeeded] == ids["0"][::-1]
    by_route = client.list_executions(route=str(route["id"]))
    assert {e["id"] for e in by_route} == {*ids["0"], *ids["1"]}
    # Paging keeps the filter.
    page = client.api("GET", "/executions", query={"script": "filtered", "limit": "2"}).json
    assert len(page["executions"]) == 2 and page["next"]
    rest = client.api("GET", "/executions", query={"script": "filtered", "limit": "2", "before": page["next"]}).json
    assert [e["id"] for e in rest["executions"]] == [ids["0"][0]]
    assert rest["next"] is None


def test_concurrent_posts_with_one_idempotency_key_share_one_execution(client):
    client.deploy("once-concurrent", "request.json.n", "POST", "/once-concurrent", dispatch_mode="async")
    headers = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    ids = []
    threads = [threading.Thread(target=lambda: ids.append(
        accept(client, "POST", "/once-concurrent", json_body={"n": 7}, headers=headers))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert len(ids) == 6 and len(set(ids)) == 1, ids
    assert client.wait_for_status(ids[0], "succeeded")["result"] == 7
    assert [e["id"] for e in client.list_executions(script="once-concurrent")] == ids[:1]


def test_async_timeout_is_retried_then_dead_lettered(client):
    client.deploy("sleepy", "loop { }", "POST", "/sleepy", dispatch_mode="async", max_attempts=2,
                  timeout_seconds=0.2, limits={"max_operations": 1_000_000_000})
    execution_id = accept(client, "POST", "/sleepy")
    record = client.wait_for_status(execution_id)
    assert record["status"] == "dead_lettered", record
    assert record["attempts"] == 2
    assert record["error"]["kind"] == "timeout"
    assert record["http_status"] == 504


def test_dead_letter_retry_on_a_chosen_version(client):
    client.deploy("pinned", '"good v1"', "POST", "/pinned", dispatch_mode="async", max_attempts=1)
    assert client.put_script("pinned", "broken_call()").json["version"] == 2
    execution_id = accept(client, "POST", "/pinned")
    record = client.wait_for_status(execution_id)
    assert record["status"] == "dead_lettered" and record["version"] == 2, record

    retry = client.api("POST", f"/dead-letters/{execution_id}/retry", json_body={"version": 1})
    assert retry.status == 202, retry
    record = client.wait_for_status(execution_id, ("succeeded", "dead_lettered", "failed"))
    assert record["status"] == "succeeded", record
    assert (record["version"], record["result"]) == (1, "good v1")
