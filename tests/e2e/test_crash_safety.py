"""Crash safety: accepted async calls survive a SIGKILL of the server.

The server is killed right after the last 202; the embedded PostgreSQL keeps
running and is adopted by the next start on the same data folder, whose
dispatcher releases the dead process's leases and finishes every accepted
execution, each exactly once.
"""

from __future__ import annotations

import datetime as dt
import time

from tests.e2e.client import Server

CALLS = 20
# ~0.1 s of work per call, so most calls are still pending or running at the kill.
SOURCE = """
    let s = 0;
    for i in 0..1000000 { s += i; }
    #{n: request.json.n, s: s}
"""


def test_accepted_async_calls_all_succeed_after_sigkill_and_restart():
    server = Server("picloud-e2e-crash-")
    try:
        server.serve.wait_healthy()
        client = server.client
        client.deploy("work", SOURCE, "POST", "/work", dispatch_mode="async",
                      limits={"max_operations": 1_000_000_000})
        accepted = []
        for n in range(CALLS):
            reply = client.call("POST", "/work", json_body={"n": n})
            assert reply.status == 202, reply
            accepted.append(reply.json["execution_id"])
        server.serve.process.kill()
        killed_at = dt.datetime.now(dt.UTC)
        server.serve.process.wait()

        server.restart()
        server.serve.wait_healthy()
        client = server.client
        deadline = time.monotonic() + 60
        records = [client.wait_for_status(execution_id, "succeeded", deadline=max(deadline - time.monotonic(), 1))
                   for execution_id in accepted]
        expected_sum = sum(range(1_000_000))
        assert [r["result"] for r in records] == [{"n": n, "s": expected_sum} for n in range(CALLS)]
        # Work was still outstanding when the first process died.
        finished = [dt.datetime.fromisoformat(r["finished_at"].replace("Z", "+00:00")) for r in records]
        assert max(finished) > killed_at
        # Each accepted call is one execution: nothing was lost or duplicated.
        listed = client.list_executions(script="work", limit="100")
        assert sorted(e["id"] for e in listed) == sorted(accepted)
        assert all(e["status"] == "succeeded" for e in listed)
    finally:
        server.close()
