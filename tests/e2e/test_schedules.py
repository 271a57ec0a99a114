"""Cron schedules end to end: a real ``picloud serve`` fires a schedule and
the dispatcher runs the script with ``event``."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from tests.e2e.client import Server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    server = Server("picloud-e2e-schedules-")
    try:
        server.serve.wait_healthy()
        yield server
    finally:
        server.close()


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_every_second_schedule_runs_its_script_with_the_event(server):
    client = server.client
    assert client.put_script("echo-event", "event").status == 201
    reply = client.api("POST", "/schedules", json_body={"cron": "* * * * * *", "script": "echo-event"})
    assert reply.status == 201, reply
    schedule = reply.json

    deadline = time.monotonic() + 20
    while True:
        runs = [e for e in client.list_executions(script="echo-event") if e["trigger"] == "cron"]
        if any(e["status"] == "succeeded" for e in runs) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    done = [e for e in runs if e["status"] == "succeeded"]
    assert done, runs
    record = client.wait_for_status(done[0]["id"], "succeeded")
    result = record["result"]
    assert set(result) == {"schedule", "scheduled_for", "fired_at"}
    assert result["schedule"] == schedule["id"]
    scheduled_for, fired_at = parse(result["scheduled_for"]), parse(result["fired_at"])
    assert scheduled_for.microsecond == 0 and fired_at >= scheduled_for
    assert fired_at - scheduled_for < dt.timedelta(seconds=2)
    assert record["input"] == result and record["route_id"] is None

    # Disabled through the API: no new executions once the change is seen.
    reply = client.api("PATCH", f"/schedules/{schedule['id']}", json_body={"enabled": False})
    assert reply.status == 200 and reply.json["next_fire_at"] is None
    time.sleep(0.5)
    count = len([e for e in client.list_executions(script="echo-event", limit=500) if e["trigger"] == "cron"])
    time.sleep(1.5)
    assert len([e for e in client.list_executions(script="echo-event", limit=500)
                if e["trigger"] == "cron"]) == count
    # Each tick ran once.
    ticks = [client.get_execution(e["id"]).json["input"]["scheduled_for"]
             for e in client.list_executions(script="echo-event", limit=500)]
    assert len(ticks) == len(set(ticks))
