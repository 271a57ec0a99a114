"""KV triggers end to end: the /triggers API, events, ops and patterns, retries,
the chain bound, against a real ``picloud serve``.

One server for the module. Triggers are global, so each test's patterns live
under its own key prefix, and trigger scripts have their own names.

A write's trigger executions are inserted in the transaction that commits the
write, so once a sync call or an API write has answered, every execution it
fired already exists: "nothing fired" needs no waiting.
"""

from __future__ import annotations

import time
import uuid

import pytest

from tests.e2e.client import Client, Server

CHAIN_DEPTH = 8  # the default of PICLOUD_MAX_CHAIN_DEPTH


@pytest.fixture(scope="module")
def server():
    server = Server("picloud-e2e-triggers-", env={"PICLOUD_RETRY_BASE_SECONDS": "0.05"})
    try:
        server.serve.wait_healthy()
        yield server
    finally:
        server.close()


@pytest.fixture
def client(server) -> Client:
    return server.client


@pytest.fixture
def prefix() -> str:
    return f"g{uuid.uuid4().hex[:10]}/"


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}"


def add_script(client: Client, source: str, prefix: str = "") -> str:
    name = unique("trig")
    reply = client.put_script(name, source.replace("P/", prefix))
    assert reply.status in (200, 201), reply
    return name


def add_trigger(client: Client, pattern: str, script: str, **fields) -> dict:
    reply = client.api("POST", "/triggers", json_body={"pattern": pattern, "script": script, **fields})
    assert reply.status == 201, reply
    return reply.json


def writer(client: Client, source: str, prefix: str) -> str:
    """A sync route running ``source``; its path."""
    name = unique("writer")
    client.deploy(name, source.replace("P/", prefix), "POST", f"/{name}")
    return f"/{name}"


def executions(client: Client, script: str) -> list[dict]:
    """The script's executions, oldest first, with their input (the event)."""
    listed = client.list_executions(script=script, limit="500")
    return [client.get_execution(e["id"]).json for e in reversed(listed)]


def events(client: Client, script: str) -> list[dict]:
    return [e["input"] for e in executions(client, script)]


def wait_all_final(client: Client, script: str, count: int, deadline: float = 20.0) -> list[dict]:
    """Wait until ``script`` has ``count`` executions, all finished."""
    end = time.monotonic() + deadline
    while True:
        records = executions(client, script)
        if len(records) >= count and all(r["status"] in ("succeeded", "failed", "dead_lettered") for r in records):
            return records
        assert time.monotonic() < end, records
        time.sleep(0.05)


# -- the API -------------------------------------------------------------------------


def test_create_list_get_delete_and_validation(client, prefix):
    script = add_script(client, "event")
    created = add_trigger(client, f"{prefix}*", script)
    assert created["pattern"] == f"{prefix}*" and created["script"] == script
    assert created["ops"] == ["delete", "set"] and created["max_attempts"] == 3
    assert isinstance(created["id"], int) and created["created_at"]

    other = add_trigger(client, f"{prefix}x", script, ops=["delete", "delete"], max_attempts=7)
    assert other["ops"] == ["delete"] and other["max_attempts"] == 7

    listed = client.api("GET", "/triggers").json["triggers"]
    mine = [t for t in listed if t["script"] == script]
    assert mine == [created, other]
    assert client.api("GET", f"/triggers/{created['id']}").json == created

    for body, field in [
        ({"pattern": "x", "script": "no-such-script"}, "script"),
        ({"pattern": "", "script": script}, "pattern"),
        ({"script": script}, "pattern"),
        ({"pattern": "x"}, "script"),
        ({"pattern": "x", "script": script, "ops": []}, "ops"),
        ({"pattern": "x", "script": script, "ops": ["update"]}, "ops"),
        ({"pattern": "x", "script": script, "ops": "set"}, "ops"),
        ({"pattern": "x", "script": script, "max_attempts": 0}, "max_attempts"),
        ({"pattern": "x", "script": script, "max_attempts": 101}, "max_attempts"),
        ({"pattern": "x" * 513, "script": script}, "pattern"),
        ({"pattern": "x", "script": script, "extra": 1}, "extra"),
    ]:
        reply = client.api("POST", "/triggers", json_body=body)
        assert reply.status == 400, (body, reply)
        assert field in reply.error["message"], (body, reply)

    assert client.api("DELETE", f"/triggers/{other['id']}").status == 204
    assert client.api("GET", f"/triggers/{other['id']}").status == 404
    assert client.api("DELETE", f"/triggers/{other['id']}").status == 404
    assert client.api("GET", "/triggers/not-a-number").status == 404
    assert client.api("GET", "/triggers/0").status == 404
    assert [t for t in client.api("GET", "/triggers").json["triggers"] if t["script"] == script] == [created]
    assert client.api("DELETE", f"/triggers/{created['id']}").status == 204


# -- events -------------------------------------------------------------------------


def test_script_writes_fire_with_the_event_fields(client, prefix):
    handler = add_script(client, 'print(`${event.op} ${event.key}`); event')
    add_trigger(client, f"{prefix}*", handler)
    path = writer(client, """
        let step = request.json.step;
        if step == 1 { kv_set("P/a", #{v: 1}); }
        if step == 2 { kv_set("P/a", [2]); }
        if step == 3 { kv_incr("P/n"); kv_incr("P/n", 4); }
        if step == 4 { kv_delete("P/a"); kv_delete("P/missing"); }
        if step == 5 { kv_delete("P/a"); }
        step
    """, prefix)
    ids = []
    for step in range(1, 6):
        reply = client.call("POST", path, json_body={"step": step})
        assert reply.status == 200, reply
        ids.append(reply.execution_id)

    records = wait_all_final(client, handler, 4)
    assert [r["input"] for r in records] == [
        {"op": "set", "key": f"{prefix}a", "value": {"v": 1}, "old_value": None,
         "execution_id": ids[0], "source": "script"},
        {"op": "set", "key": f"{prefix}a", "value": [2], "old_value": {"v": 1},
         "execution_id": ids[1], "source": "script"},
        # Two increments in one run are one write of the sum.
        {"op": "set", "key": f"{prefix}n", "value": 5, "old_value": None,
         "execution_id": ids[2], "source": "script"},
        # Deleting a key that does not exist is no write: it fires nothing.
        {"op": "delete", "key": f"{prefix}a", "value": None, "old_value": [2],
         "execution_id": ids[3], "source": "script"},
    ]
    for record in records:
        assert record["status"] == "succeeded", record
        assert record["trigger"] == "kv" and record["route_id"] is None
        assert record["dispatch_mode"] == "async" and record["max_attempts"] == 3
        assert record["result"] == record["input"]
        assert record["logs"] == [f"{record['input']['op']} {record['input']['key']}"]


def test_api_writes_fire_with_source_api(client, prefix):
    handler = add_script(client, "event")
    add_trigger(client, f"{prefix}*", handler)
    assert client.api("PUT", f"/kv/{prefix}k", json_body={"a": [1, None]}).status == 200
    assert client.api("PUT", f"/kv/{prefix}k", json_body="b").status == 200
    assert client.api("DELETE", f"/kv/{prefix}k").status == 204
    assert client.api("DELETE", f"/kv/{prefix}k").status == 404  # nothing deleted, nothing fired
    assert events(client, handler) == [
        {"op": "set", "key": f"{prefix}k", "value": {"a": [1, None]}, "old_value": None,
         "execution_id": None, "source": "api"},
        {"op": "set", "key": f"{prefix}k", "value": "b", "old_value": {"a": [1, None]},
         "execution_id": None, "source": "api"},
        {"op": "delete", "key": f"{prefix}k", "value": None, "old_value": "b",
         "execution_id": None, "source": "api"},
    ]
    wait_all_final(client, handler, 3)


def test_patterns_and_ops_select_what_fires(client, prefix):
    on_set = add_script(client, "event")
    on_delete = add_script(client, "event")
    on_one_char = add_script(client, "event")
    add_trigger(client, f"{prefix}users/*", on_set, ops=["set"])
    add_trigger(client, f"{prefix}users/*/profile", on_delete, ops=["delete"])
    add_trigger(client, f"{prefix}[ab]?", on_one_char)
    path = writer(client, """
        for key in request.json.set { kv_set("P/" + key, 1); }
        for key in request.json.delete { kv_delete("P/" + key); }
    """, prefix)

    reply = client.call("POST", path, json_body={
        "set": ["users/1", "users/2/profile", "users", "Users/3", "other/users/4", "a1", "b22", "c1", "ax"],
        "delete": [],
    })
    assert reply.status == 204, reply
    # '*' matches across '/', '?' one character, '[ab]' a set; matching is case-sensitive.
    assert sorted(e["key"] for e in events(client, on_set)) == [f"{prefix}users/1", f"{prefix}users/2/profile"]
    assert events(client, on_delete) == []  # a set is not a delete
    assert sorted(e["key"] for e in events(client, on_one_char)) == [f"{prefix}a1", f"{prefix}ax"]

    reply = client.call("POST", path, json_body={"set": [], "delete": ["users/2/profile", "users/1", "a1"]})
    assert reply.status == 204, reply
    assert [e["key"] for e in events(client, on_delete)] == [f"{prefix}users/2/profile"]
    assert len(events(client, on_set)) == 2  # a delete is not a set
    assert [e["op"] for e in events(client, on_one_char)] == ["set", "set", "delete"]

    # One write matching two triggers fires both.
    both = add_script(client, "event")
    add_trigger(client, f"{prefix}users/*", both)
    add_trigger(client, f"{prefix}*/9", both)
    client.call("POST", path, json_body={"set": ["users/9"], "delete": []})
    assert [e["key"] for e in events(client, both)] == [f"{prefix}users/9"] * 2
    for script, count in ((on_set, 3), (on_delete, 1), (on_one_char, 3), (both, 2)):
        wait_all_final(client, script, count)


def test_a_failed_run_fires_nothing(client, prefix):
    handler = add_script(client, "event")
    add_trigger(client, f"{prefix}*", handler)
    path = writer(client, 'kv_set("P/x", 1); throw "changed my mind";', prefix)
    assert client.call("POST", path).status == 422
    assert events(client, handler) == []


def test_deleting_a_trigger_stops_it_firing(client, prefix):
    handler = add_script(client, "event")
    trigger = add_trigger(client, f"{prefix}*", handler)
    client.api("PUT", f"/kv/{prefix}one", json_body=1)
    assert client.api("DELETE", f"/triggers/{trigger['id']}").status == 204
    client.api("PUT", f"/kv/{prefix}two", json_body=2)
    path = writer(client, 'kv_set("P/three", 3)', prefix)
    assert client.call("POST", path).status == 204
    assert [e["key"] for e in events(client, handler)] == [f"{prefix}one"]
    wait_all_final(client, handler, 1)


def test_a_trigger_script_that_keeps_failing_is_retried_then_dead_lettered(client, prefix):
    handler = add_script(client, 'print(`attempt on ${event.key}`); kv_set("P/side-effect", 1); 1 / 0', prefix)
    add_trigger(client, f"{prefix}in/*", handler, max_attempts=3)
    client.api("PUT", f"/kv/{prefix}in/x", json_body=1)
    [record] = wait_all_final(client, handler, 1)
    assert record["status"] == "dead_lettered", record
    assert record["attempts"] == 3 and record["max_attempts"] == 3
    assert record["error"]["kind"] == "script_failure"
    assert record["logs"] == [f"attempt on {prefix}in/x"]
    # Its writes never committed.
    assert client.api("GET", f"/kv/{prefix}side-effect").status == 404
    letters = client.api("GET", "/dead-letters", query={"script": handler}).json["dead_letters"]
    assert [d["id"] for d in letters] == [record["id"]]


def test_a_trigger_script_that_throws_fails_without_retries(client, prefix):
    handler = add_script(client, 'throw #{refused: event.key};')
    add_trigger(client, f"{prefix}*", handler, max_attempts=5)
    client.api("PUT", f"/kv/{prefix}x", json_body=1)
    [record] = wait_all_final(client, handler, 1)
    assert record["status"] == "failed" and record["attempts"] == 1, record
    assert record["error"]["value"] == {"refused": f"{prefix}x"}


def test_trigger_scripts_write_and_fire_further_triggers(client, prefix):
    # in/* -> copies to out/*, which fires the second script: a chain of two.
    copier = add_script(client, 'kv_set("P/out/" + event.key.split("/")[-1], event.value * 10); "copied"', prefix)
    sink = add_script(client, "event")
    add_trigger(client, f"{prefix}in/*", copier, ops=["set"])
    add_trigger(client, f"{prefix}out/*", sink)
    client.api("PUT", f"/kv/{prefix}in/k", json_body=4)
    [record] = wait_all_final(client, sink, 1)
    [copy] = executions(client, copier)
    assert record["input"] == {"op": "set", "key": f"{prefix}out/k", "value": 40, "old_value": None,
                               "execution_id": copy["id"], "source": "script"}
    assert client.api("GET", f"/kv/{prefix}out/k").json["value"] == 40


def test_a_self_triggering_chain_is_cut_off_past_the_max_depth(client, prefix):
    # Each run writes the key that fired it: without the bound this never ends.
    looper = add_script(client, "let next = event.value + 1; kv_set(event.key, next); next")
    add_trigger(client, f"{prefix}loop/*", looper, ops=["set"])
    assert client.api("PUT", f"/kv/{prefix}loop/x", json_body=0).status == 200

    end = time.monotonic() + 30
    while True:
        records = executions(client, looper)
        if any(r["status"] == "dead_lettered" for r in records):
            break
        assert time.monotonic() < end, records
        time.sleep(0.05)
    time.sleep(0.3)  # nothing more comes: the cut-off execution never runs
    records = executions(client, looper)
    assert len(records) == CHAIN_DEPTH + 1, records
    *ran, cut = records
    assert [r["status"] for r in ran] == ["succeeded"] * CHAIN_DEPTH
    assert [r["result"] for r in ran] == list(range(1, CHAIN_DEPTH + 1))
    assert [r["input"]["value"] for r in ran] == list(range(CHAIN_DEPTH))
    # Each hop names the execution that wrote its key.
    assert ran[0]["input"]["source"] == "api" and ran[0]["input"]["execution_id"] is None
    for previous, record in zip(records, records[1:]):
        assert record["input"]["execution_id"] == previous["id"]
        assert record["input"]["source"] == "script"

    assert cut["status"] == "dead_lettered" and cut["attempts"] == 0, cut
    assert cut["error"]["kind"] == "chain_too_deep", cut
    assert str(CHAIN_DEPTH) in cut["error"]["message"]
    assert cut["input"]["value"] == CHAIN_DEPTH
    assert client.api("GET", f"/kv/{prefix}loop/x").json["value"] == CHAIN_DEPTH
    letters = client.api("GET", "/dead-letters", query={"script": looper}).json["dead_letters"]
    assert [d["id"] for d in letters] == [cut["id"]]


def test_deleting_a_script_a_trigger_uses_is_a_conflict(client, prefix):
    handler = add_script(client, "event")
    trigger = add_trigger(client, f"{prefix}*", handler)
    deleted = client.api("DELETE", f"/scripts/{handler}")
    assert deleted.status == 409, deleted
    assert client.api("GET", f"/triggers/{trigger['id']}").status == 200
    assert client.api("PUT", f"/kv/{prefix}x", json_body=1).status == 200
    wait_all_final(client, handler, 1)
