"""No capacity: with one executor and no queue, a second sync call while a
slow one runs gets 503 with Retry-After (design notes, section 4)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from tests.e2e.client import Client, Server


@pytest.fixture(scope="module")
def server():
    server = Server("picloud-e2e-overload-", env={"PICLOUD_EXECUTOR_WORKERS": "1", "PICLOUD_EXECUTOR_QUEUE": "0"})
    try:
        server.serve.wait_healthy()
        yield server
    finally:
        server.close()


def call_until(client: Client, path: str, wanted: int, deadline: float, **kw):
    """Call ``path`` until it answers ``wanted`` or ``deadline`` (monotonic) passes."""
    replies = []
    while time.monotonic() < deadline:
        reply = client.call("GET", path, **kw)
        replies.append(reply)
        if reply.status == wanted:
            return reply, replies
        time.sleep(0.02)
    return None, replies


def test_second_sync_call_while_the_only_executor_is_busy_is_503_with_retry_after(server):
    client = server.client
    client.deploy("slow", "loop { }", "GET", "/slow", timeout_seconds=2,
                  limits={"max_operations": 1_000_000_000})
    client.deploy("quick", '"quick"', "GET", "/quick")
    client.deploy("later", 'print("ran later"); "done"', "POST", "/later", dispatch_mode="async")
    assert client.call("GET", "/quick").text == "quick"

    # Start the slow call and give it time to take the only executor slot.
    for _ in range(5):
        slow_reply = []
        slow = threading.Thread(target=lambda: slow_reply.append(client.call("GET", "/slow")))
        slow.start()
        slow.join(timeout=0.3)
        if slow.is_alive():
            break
    assert slow.is_alive(), f"the slow call did not stay in flight: {slow_reply}"
    try:
        busy = client.call("GET", "/quick")
        assert busy.status == 503, busy
        assert busy.headers.get("retry-after", "").isdigit(), busy
        assert int(busy.headers["retry-after"]) >= 1
        assert busy.error["kind"] == "unavailable"
        assert busy.error["execution_id"] == busy.execution_id
        uuid.UUID(busy.execution_id)

        # An async call needs no free executor to be accepted; it runs later.
        accepted = client.call("POST", "/later")
        assert accepted.status == 202, accepted
    finally:
        slow.join(timeout=10)
    assert slow_reply and slow_reply[0].status == 504, slow_reply
    assert slow_reply[0].error["kind"] == "timeout"

    # Capacity is back once the slow call is over.
    ok, replies = call_until(client, "/quick", 200, time.monotonic() + 5)
    assert ok is not None and ok.text == "quick", replies
    record = client.wait_for_status(accepted.json["execution_id"], "succeeded")
    assert record["logs"] == ["ran later"]
