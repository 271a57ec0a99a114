"""The KV store through scripts, end to end against a real ``picloud serve``.

One server for the module. The KV store is global, so each test works under
its own key prefix (``P/`` in a script source is replaced by it) and uses its
own script names and route paths.
"""

from __future__ import annotations

import concurrent.futures
import time
import uuid

import pytest

from tests.e2e.client import Client, Server

# Retries of async executions wait ~0.5 s, long enough for a test to see the
# first failed attempt and change the KV state before the next one runs.
RETRY_BASE = 0.5


@pytest.fixture(scope="module")
def server():
    server = Server("picloud-e2e-kv-", env={
        "PICLOUD_RETRY_BASE_SECONDS": str(RETRY_BASE),
        # Room for 50 concurrent sync calls without 503s.
        "PICLOUD_EXECUTOR_QUEUE": "64",
    })
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
    return f"t{uuid.uuid4().hex[:10]}/"


def deploy(client: Client, source: str, prefix: str, *, method: str = "POST", **kw) -> str:
    """Deploy ``source`` (``P/`` replaced by ``prefix``) on a fresh route; its path."""
    name = f"kv-{uuid.uuid4().hex[:12]}"
    path = f"/{name}"
    client.deploy(name, source.replace("P/", prefix), method, path, **kw)
    return path


def run(client: Client, source: str, prefix: str, json_body=None, **kw):
    """Deploy and call once (sync); the reply."""
    return client.call("POST", deploy(client, source, prefix, **kw), json_body=json_body)


def kv_value(client: Client, key: str):
    """The committed value of ``key`` through the API, or the ``404`` marker."""
    reply = client.api("GET", f"/kv/{key}")
    if reply.status == 404:
        return MISSING
    assert reply.status == 200, reply
    return reply.json["value"]


def kv_keys(client: Client, prefix: str) -> list[str]:
    reply = client.api("GET", "/kv", query={"prefix": prefix, "limit": "1000"})
    assert reply.status == 200, reply
    return [e["key"] for e in reply.json["entries"]]


MISSING = object()


# -- basic operations ---------------------------------------------------------------


def test_set_get_delete_and_delete_reports_whether_the_key_existed(client, prefix):
    writer = run(client, 'kv_set("P/a", 1); kv_set("P/b", "two"); kv_get("P/a")', prefix)
    assert writer.status == 200, writer
    assert writer.json == 1
    assert kv_value(client, f"{prefix}a") == 1 and kv_value(client, f"{prefix}b") == "two"

    reader = run(client, '#{a: kv_get("P/a"), b: kv_get("P/b"), none: kv_get("P/nope")}', prefix)
    assert reader.status == 200, reader
    assert reader.json == {"a": 1, "b": "two", "none": None}

    deleter = run(client, '[kv_delete("P/a"), kv_delete("P/nope"), kv_get("P/a")]', prefix)
    assert deleter.status == 200, deleter
    assert deleter.json == [True, False, None]
    assert kv_value(client, f"{prefix}a") is MISSING
    assert kv_keys(client, prefix) == [f"{prefix}b"]

    # Deleting twice in a run: the second sees the first.
    again = run(client, '[kv_delete("P/b"), kv_delete("P/b")]', prefix)
    assert again.json == [True, False], again
    assert kv_keys(client, prefix) == []


def test_a_script_reads_its_own_writes(client, prefix):
    client.api("PUT", f"/kv/{prefix}old", json_body="committed")
    source = """
        let seen = [];
        seen.push(kv_get("P/x"));            // nothing yet
        kv_set("P/x", #{n: 1});
        seen.push(kv_get("P/x"));            // own write
        kv_set("P/x", [1, 2]);
        seen.push(kv_get("P/x"));            // overwritten in the run
        seen.push(kv_delete("P/x"));         // existed (in this run)
        seen.push(kv_get("P/x"));            // deleted in the run
        seen.push(kv_get("P/old"));          // committed value
        kv_delete("P/old");
        seen.push(kv_get("P/old"));          // own delete hides it
        kv_set("P/old", "new");
        seen.push(kv_get("P/old"));
        seen
    """
    reply = run(client, source, prefix)
    assert reply.status == 200, reply
    assert reply.json == [None, {"n": 1}, [1, 2], True, None, "committed", None, "new"]
    assert kv_value(client, f"{prefix}x") is MISSING
    assert kv_value(client, f"{prefix}old") == "new"


def test_values_of_every_json_type_round_trip(client, prefix):
    source = """
        let values = #{
            map: #{a: 1, nested: #{list: [1, "two", 3.5, true, ()]}, empty: #{}},
            array: [1, [2, [3]], #{k: "v"}, []],
            string: "héllo \\"wörld\\" \\n ✓",
            empty_string: "",
            int: 9223372036854775807,
            negative: -42,
            float: 2.5,
            small_float: -0.001,
            yes: true,
            no: false,
            unit: ()
        };
        for name in values.keys() { kv_set("P/" + name, values[name]); }
        values
    """
    writer = run(client, source, prefix)
    assert writer.status == 200, writer
    expected = writer.json
    assert expected["unit"] is None and expected["int"] == 2**63 - 1

    # Read back by another script: the same values.
    reader = run(client, """
        let out = #{};
        for key in kv_keys("P/") { out[key.sub_string(KEYLEN)] = kv_get(key); }
        out
    """.replace("KEYLEN", str(len(prefix))), prefix)
    assert reader.status == 200, reader
    assert reader.json == expected
    # And through the API, as JSON: () is stored as null (a key that exists).
    for name, value in expected.items():
        assert kv_value(client, f"{prefix}{name}") == value, name
    # Types survive, not only values: an int stays an int, a float a float.
    typed = run(client, '[type_of(kv_get("P/int")), type_of(kv_get("P/float")), type_of(kv_get("P/unit")), '
                        'type_of(kv_get("P/map")), type_of(kv_get("P/array"))]', prefix)
    assert typed.json == ["i64", "f64", "()", "map", "array"], typed


def test_kv_keys_is_sorted_filtered_by_prefix_limited_and_merges_own_writes(client, prefix):
    for key in ["b", "a", "c/1", "c/2", "d"]:
        assert client.api("PUT", f"/kv/{prefix}{key}", json_body=key).status == 200
    client.api("PUT", f"/kv/{prefix[:-1]}x", json_body="outside the prefix")
    source = """
        #{
            all: kv_keys("P/"),
            sub: kv_keys("P/c/"),
            limited: kv_keys("P/", 2),
            none: kv_keys("P/zzz"),
            merged: {
                kv_set("P/0", 0);        // before everything
                kv_set("P/bb", 1);       // in the middle
                kv_incr("P/e");          // a counter is a key too
                kv_delete("P/a");        // committed, deleted in the run
                kv_delete("P/ghost");    // never existed
                kv_keys("P/")
            },
            merged_limited: kv_keys("P/", 3),
            merged_sub: kv_keys("P/c/", 1),
        }
    """
    reply = run(client, source, prefix)
    assert reply.status == 200, reply
    p = prefix
    assert reply.json == {
        "all": [p + "a", p + "b", p + "c/1", p + "c/2", p + "d"],
        "sub": [p + "c/1", p + "c/2"],
        "limited": [p + "a", p + "b"],
        "none": [],
        "merged": [p + "0", p + "b", p + "bb", p + "c/1", p + "c/2", p + "d", p + "e"],
        "merged_limited": [p + "0", p + "b", p + "bb"],
        "merged_sub": [p + "c/1"],
    }
    assert kv_keys(client, prefix) == reply.json["merged"]


def test_kv_keys_limit_with_many_deletes_in_the_run(client, prefix):
    for n in range(10):
        client.api("PUT", f"/kv/{prefix}k{n}", json_body=n)
    # Deleting the first 8 keys, then asking for 2: the 2 that are left.
    reply = run(client, 'for n in 0..8 { kv_delete("P/k" + n); } kv_keys("P/", 2)', prefix)
    assert reply.status == 200, reply
    assert reply.json == [f"{prefix}k8", f"{prefix}k9"]


def test_kv_incr_counts_from_zero_takes_a_step_and_reads_back(client, prefix):
    source = """
        let a = kv_incr("P/n");
        let b = kv_incr("P/n", 10);
        let c = kv_incr("P/n", -3);
        [a, b, c, kv_get("P/n")]
    """
    path = deploy(client, source, prefix)
    first = client.call("POST", path)
    assert first.json == [1, 11, 8, 8], first
    second = client.call("POST", path)
    assert second.json == [9, 19, 16, 16], second
    assert kv_value(client, f"{prefix}n") == 16

    # Increment after a set or a delete in the same run folds into that write.
    folded = run(client, 'kv_set("P/m", 5); kv_incr("P/m", 2); kv_delete("P/n"); [kv_incr("P/n"), kv_get("P/m")]',
                 prefix)
    assert folded.json == [1, 7], folded
    assert kv_value(client, f"{prefix}m") == 7 and kv_value(client, f"{prefix}n") == 1


def test_kv_incr_on_a_non_integer_is_a_script_error_and_writes_nothing(client, prefix):
    client.api("PUT", f"/kv/{prefix}s", json_body="text")
    client.api("PUT", f"/kv/{prefix}f", json_body=1.5)
    for key in ("s", "f"):
        reply = run(client, f'kv_set("P/side", 1); kv_incr("P/{key}")', prefix)
        assert reply.status == 422, reply
        assert reply.error["kind"] == "script_error"
        assert "not an integer" in reply.error["message"], reply
    bad_step = run(client, 'kv_set("P/side", 1); kv_incr("P/n", "1")', prefix)
    assert bad_step.status == 422, bad_step
    assert kv_value(client, f"{prefix}side") is MISSING
    assert kv_value(client, f"{prefix}s") == "text"


# -- limits -------------------------------------------------------------------------


def test_key_over_512_bytes_is_a_script_error_and_nothing_is_written(client, prefix):
    path = deploy(client, 'kv_set("P/before", 1); kv_set(request.json.key, 1); "done"', prefix)
    long_key = prefix + "k" * (513 - len(prefix))
    assert len(long_key.encode()) == 513
    reply = client.call("POST", path, json_body={"key": long_key})
    assert reply.status == 422, reply
    assert reply.error["kind"] == "script_error"
    assert "512 bytes" in reply.error["message"], reply
    assert kv_keys(client, prefix) == []

    # 512 bytes (multi-byte characters count as bytes) is fine.
    fits = prefix + "é" * ((512 - len(prefix)) // 2 - 1)
    fits += "k" * (512 - len(fits.encode()))
    assert len(fits.encode()) == 512
    assert client.call("POST", path, json_body={"key": fits}).status == 200
    over = fits[:-1] + "é"  # 513 bytes, fewer characters than before
    assert client.call("POST", path, json_body={"key": over}).status == 422
    assert sorted(kv_keys(client, prefix)) == sorted([f"{prefix}before", fits])

    # Every host function checks the key.
    for call in ('kv_get(K)', 'kv_delete(K)', 'kv_incr(K)', 'kv_get("")'):
        reply = run(client, f'let K = request.json.key; {call}', prefix, json_body={"key": long_key})
        assert reply.status == 422, (call, reply)
        assert "KV key" in reply.error["message"], (call, reply)


def test_value_over_1_mib_is_a_script_error_naming_the_limit_and_nothing_is_written(client, prefix):
    source = """
        kv_set("P/before", 1);
        let s = "";
        s.pad(request.json.size, "x");
        kv_set("P/big", s);
        "stored"
    """
    path = deploy(client, source, prefix, limits={"max_string_size": 4 << 20})
    # A string of n characters is n + 2 bytes of JSON.
    reply = client.call("POST", path, json_body={"size": (1 << 20) - 1})
    assert reply.status == 422, reply
    assert reply.error["kind"] == "script_error"
    assert "1048576 bytes" in reply.error["message"], reply
    assert kv_keys(client, prefix) == []

    ok = client.call("POST", path, json_body={"size": (1 << 20) - 2})
    assert ok.status == 200, ok
    assert len(kv_value(client, f"{prefix}big")) == (1 << 20) - 2


def test_a_kv_error_can_be_caught_and_the_rest_of_the_run_commits(client, prefix):
    source = """
        kv_set("P/kept", 1);
        let message = "";
        try { kv_set("", 1); } catch (err) { message = `${err}`; }
        message
    """
    reply = run(client, source, prefix)
    assert reply.status == 200, reply
    assert "empty" in reply.text, reply
    assert kv_keys(client, prefix) == [f"{prefix}kept"]


# -- only successful runs write ------------------------------------------------------


@pytest.mark.parametrize(("tail", "status", "kind"), [
    ('throw "no";', 422, "script_error"),
    ("let x = 1 / 0;", 502, "script_failure"),
    ("let x = undefined_function();", 502, "script_failure"),
    ("loop { }", 504, "timeout"),
    ("let s = 0; for i in 0..1000000000 { s += i; }", 507, "limit_exceeded"),
    ('#{status: "not an int"}', 502, "script_failure"),
])
def test_a_run_that_writes_then_fails_leaves_no_writes(client, prefix, tail, status, kind):
    client.api("PUT", f"/kv/{prefix}existing", json_body="before")
    client.api("PUT", f"/kv/{prefix}counter", json_body=5)
    source = f"""
        kv_set("P/new", 1);
        kv_set("P/existing", "after");
        kv_delete("P/counter");
        kv_incr("P/other");
        {tail}
    """
    max_operations = 1_000_000_000 if kind == "timeout" else 100_000
    reply = run(client, source, prefix, timeout_seconds=0.5, limits={"max_operations": max_operations})
    assert reply.status == status, reply
    assert reply.error["kind"] == kind, reply
    assert kv_value(client, f"{prefix}new") is MISSING
    assert kv_value(client, f"{prefix}existing") == "before"
    assert kv_value(client, f"{prefix}counter") == 5
    assert kv_value(client, f"{prefix}other") is MISSING
    record = client.get_execution(reply.execution_id).json
    assert record["status"] == "failed", record


def test_a_script_status_response_still_commits(client, prefix):
    # A script that answers 4xx/5xx itself succeeded: its writes commit.
    reply = run(client, 'kv_set("P/x", 1); #{status: 503, body: "busy"}', prefix)
    assert reply.status == 503, reply
    assert kv_value(client, f"{prefix}x") == 1


def test_retried_async_execution_commits_only_the_successful_attempts_writes(client, prefix):
    # Attempt 1 counts, records itself and fails (a run-time error, retried)
    # because the go flag is missing; the test then sets the flag; the next
    # attempt succeeds. Only that attempt's writes exist.
    source = """
        let n = kv_incr("P/counter");
        kv_set("P/attempt-" + n, true);
        let log = kv_get("P/log");
        if log == () { log = []; }
        log.push(n);
        kv_set("P/log", log);
        if kv_get("P/go") != true { let boom = 1 / 0; }
        n
    """
    path = deploy(client, source, prefix, dispatch_mode="async", max_attempts=10)
    reply = client.call("POST", path)
    assert reply.status == 202, reply
    execution_id = reply.json["execution_id"]

    # Wait for the first attempt's failure to be recorded (its retry is pending).
    end = time.monotonic() + 20
    while True:
        record = client.get_execution(execution_id).json
        if record["error"] is not None:
            break
        assert time.monotonic() < end, record
        time.sleep(0.02)
    assert record["status"] in ("pending", "running"), record
    assert record["error"]["kind"] == "script_failure", record
    assert kv_keys(client, prefix) == []  # the failed attempt wrote nothing

    assert client.api("PUT", f"/kv/{prefix}go", json_body=True).status == 200
    record = client.wait_for_status(execution_id)
    assert record["status"] == "succeeded", record
    assert record["attempts"] >= 2
    assert record["result"] == 1
    assert kv_value(client, f"{prefix}counter") == 1
    assert kv_value(client, f"{prefix}log") == [1]
    assert sorted(kv_keys(client, prefix)) == sorted(
        [f"{prefix}counter", f"{prefix}attempt-1", f"{prefix}log", f"{prefix}go"])


def test_dead_lettered_async_execution_writes_nothing(client, prefix):
    path = deploy(client, 'kv_incr("P/n"); 1 / 0', prefix, dispatch_mode="async", max_attempts=2)
    execution_id = client.call("POST", path).json["execution_id"]
    record = client.wait_for_status(execution_id)
    assert record["status"] == "dead_lettered" and record["attempts"] == 2, record
    assert kv_keys(client, prefix) == []


# -- concurrency --------------------------------------------------------------------


def _call_until_accepted(client: Client, path: str, body=None):
    """A sync call, repeated while the server is too busy to start it (503)."""
    for _ in range(200):
        reply = client.call("POST", path, json_body=body, timeout=30)
        if reply.status != 503:
            return reply
        time.sleep(0.05)
    raise AssertionError("still 503 after 200 tries")


def test_50_concurrent_increments_are_all_counted(client, prefix):
    path = deploy(client, 'let n = kv_incr("P/n"); let s = 0; for i in 0..2000 { s += i; } n', prefix)
    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        replies = list(pool.map(lambda _: _call_until_accepted(client, path), range(50)))
    assert all(r.status == 200 for r in replies), [r for r in replies if r.status != 200][:3]
    assert kv_value(client, f"{prefix}n") == 50
    # Each run saw committed state plus its own increment: values are in 1..50.
    assert all(1 <= r.json <= 50 for r in replies)


def test_concurrent_plain_sets_last_commit_wins(client, prefix):
    path = deploy(client, 'kv_set("P/v", #{writer: request.json.i}); kv_get("P/v")', prefix)
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(lambda i: _call_until_accepted(client, path, {"i": i}), range(20)))
    assert all(r.status == 200 for r in replies), replies
    assert [r.json for r in replies] == [{"writer": i} for i in range(20)]  # each read its own write
    final = kv_value(client, f"{prefix}v")
    assert final in [{"writer": i} for i in range(20)]
    # The final value is the last committed one: its updated_at is the latest.
    assert client.api("GET", f"/kv/{prefix}v").json["value"] == final


def test_nul_characters_are_refused_as_script_errors_not_platform_failures(client, prefix):
    # PostgreSQL's text and jsonb cannot hold U+0000: the host functions refuse it
    # up front (a catchable script error) instead of failing the commit (500).
    for call in ('kv_set("P/a\\u0000b", 1)', 'kv_set("P/v", "a\\u0000b")', 'kv_set("P/v", #{"k\\u0000": 1})',
                 'kv_set("P/v", [["\\u0000"]])', 'kv_get("P/\\u0000")', 'kv_delete("P/\\u0000")',
                 'kv_incr("P/\\u0000")', 'kv_keys("P/\\u0000")'):
        reply = run(client, f'kv_set("P/side", 1); {call}', prefix)
        assert reply.status == 422, (call, reply)
        assert "NUL" in reply.error["message"], (call, reply)
    assert kv_keys(client, prefix) == []
