"""Exactly once: every accepted async call's KV writes land once, across a SIGKILL.

Clients stream async calls to a route whose script increments a counter (and
does a little work, so some calls are running when the server dies). The
server is killed mid-stream, restarted on the same data folder, and left to
finish. The counter must then equal the number of executions, which are the
accepted ones plus at most the calls that were in flight at the kill (stored
but killed before their 202 went out).
"""

from __future__ import annotations

import datetime as dt
import http.client
import threading
import time

from tests.e2e.client import Server

CLIENTS = 4
KILL_AFTER_ACCEPTED = 60
SOURCE = """
    let n = kv_incr("eo/counter");
    kv_set("eo/seen/" + request.json.id, n);
    let s = 0;
    for i in 0..30000 { s += i; }
    n
"""


def test_accepted_async_calls_take_effect_exactly_once_across_a_sigkill():
    server = Server("picloud-e2e-once-", env={"PICLOUD_RETRY_BASE_SECONDS": "0.1"})
    try:
        server.serve.wait_healthy()
        client = server.client
        client.deploy("once", SOURCE, "POST", "/once", dispatch_mode="async",
                      limits={"max_operations": 100_000_000})

        accepted: list[str] = []
        unanswered: list[str] = []  # calls that got no 202: they may or may not have been stored
        refused: list[int] = []
        lock = threading.Lock()
        stop = threading.Event()

        def stream(worker: int) -> None:
            n = 0
            while not stop.is_set():
                call_id = f"{worker}-{n}"
                n += 1
                try:
                    reply = client.call("POST", "/once", json_body={"id": call_id}, timeout=5)
                except (OSError, http.client.HTTPException):
                    with lock:
                        unanswered.append(call_id)
                    return
                with lock:
                    if reply.status == 202:
                        accepted.append(reply.json["execution_id"])
                    else:
                        refused.append(reply.status)

        threads = [threading.Thread(target=stream, args=(w,)) for w in range(CLIENTS)]
        for thread in threads:
            thread.start()
        end = time.monotonic() + 30
        while len(accepted) < KILL_AFTER_ACCEPTED:
            assert time.monotonic() < end, (len(accepted), refused)
            time.sleep(0.005)
        server.serve.process.kill()
        killed_at = dt.datetime.now(dt.UTC)
        stop.set()
        server.serve.process.wait()
        for thread in threads:
            thread.join(10)
        assert not refused, refused
        # Only the calls in flight at the kill went unanswered.
        assert len(unanswered) <= CLIENTS

        server.restart()
        server.serve.wait_healthy()
        client = server.client
        end = time.monotonic() + 60
        while True:
            listed = client.list_executions(script="once", limit="500")
            if all(e["status"] in ("succeeded", "failed", "dead_lettered") for e in listed):
                break
            assert time.monotonic() < end, [e for e in listed if e["status"] in ("pending", "running")][:5]
            time.sleep(0.1)

        assert len(listed) < 500  # one page holds them all
        ids = {e["id"] for e in listed}
        assert set(accepted) <= ids, "an accepted call was lost"
        extra = ids - set(accepted)
        assert len(extra) <= len(unanswered), "executions nobody asked for"
        assert all(e["status"] == "succeeded" for e in listed), [e for e in listed if e["status"] != "succeeded"]

        counter = client.api("GET", "/kv/eo/counter")
        assert counter.status == 200, counter
        assert counter.json["value"] == len(ids), (counter.json, len(accepted), len(extra))
        if not extra:
            assert counter.json["value"] == len(accepted)
        # Each execution wrote its own key once. (Their kv_incr results are not
        # distinct: a run sees committed state plus its own delta, so runs in
        # flight together see the same number; the stored sum is what is exact.)
        seen = client.api("GET", "/kv", query={"prefix": "eo/seen/", "limit": "1000"}).json["entries"]
        assert len(seen) == len(ids)
        assert all(1 <= e["value"] <= len(ids) for e in seen)

        # The kill really interrupted work: some executions finished after it.
        finished = [dt.datetime.fromisoformat(client.get_execution(e["id"]).json["finished_at"]
                                              .replace("Z", "+00:00")) for e in listed]
        assert max(finished) > killed_at
    finally:
        server.close()
