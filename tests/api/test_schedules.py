"""``/schedules`` over real HTTP: create, read, change, delete, validation."""

import datetime as dt

import attrs
import pytest

from picloud.manager.api import schedules as schedules_api

from .conftest import seed_script

NOW = dt.datetime(2026, 3, 28, 12, 0, 0, 250000, tzinfo=dt.UTC)


class FixedClock:
    def __init__(self, now):
        self.value = now

    def now(self):
        return self.value


@attrs.define
class Sched:
    client: object
    db: object
    clock: FixedClock


@pytest.fixture
async def sched(api, monkeypatch):
    await seed_script(api.db, "tick")
    await seed_script(api.db, "tock")
    clock = FixedClock(NOW)
    monkeypatch.setattr(schedules_api, "clock", clock)
    return Sched(api.client, api.db, clock)


async def test_create_get_list_schedule(sched):
    api = sched
    reply = await api.client.post("/schedules", {"cron": "*/5 * * * *", "script": "tick", "timezone": "UTC",
                                                 "enabled": True})
    assert reply.status == 201, reply.body
    schedule = reply.json
    assert schedule == {
        "id": schedule["id"], "cron": "*/5 * * * *", "timezone": "UTC", "script": "tick", "enabled": True,
        "next_fire_at": "2026-03-28T12:05:00.000Z", "last_fired_at": None,
        "created_at": "2026-03-28T12:00:00.250Z", "updated_at": "2026-03-28T12:00:00.250Z",
    }
    assert reply.headers["location"] == f"/_picloud/api/v1/schedules/{schedule['id']}"
    assert (await api.client.get(f"/schedules/{schedule['id']}")).json == schedule
    assert (await api.client.get("/schedules")).json == {"schedules": [schedule]}
    # next_fire_at is computed from now, on every read.
    api.clock.value = NOW + dt.timedelta(minutes=7)
    assert (await api.client.get(f"/schedules/{schedule['id']}")).json["next_fire_at"] == "2026-03-28T12:10:00.000Z"


async def test_defaults_aliases_seconds_and_time_zones(sched):
    api = sched
    plain = (await api.client.post("/schedules", {"cron": "@hourly", "script": "tick"})).json
    assert plain["timezone"] == "UTC" and plain["enabled"] is True
    assert plain["next_fire_at"] == "2026-03-28T13:00:00.000Z"
    seconds = (await api.client.post("/schedules", {"cron": "* * * * * */10", "script": "tick"})).json
    assert seconds["next_fire_at"] == "2026-03-28T12:00:10.000Z"
    # 02:30 in Berlin on 2026-03-29 does not exist: 03:00 CEST = 01:00 UTC.
    berlin = (await api.client.post("/schedules", {"cron": "30 2 * * *", "script": "tick",
                                                   "timezone": "Europe/Berlin"})).json
    assert berlin["next_fire_at"] == "2026-03-29T01:00:00.000Z"
    disabled = (await api.client.post("/schedules", {"cron": "* * * * *", "script": "tick", "enabled": False})).json
    assert disabled["next_fire_at"] is None


@pytest.mark.parametrize("body, message", [
    ({"script": "tick"}, "cron: this field is required"),
    ({"cron": "* * * * *"}, "script: this field is required"),
    ({"cron": "not cron", "script": "tick"}, "cron: "),
    ({"cron": "61 * * * *", "script": "tick"}, "cron: "),
    ({"cron": "* * * * * * *", "script": "tick"}, "cron: "),
    ({"cron": "0 0 31 2 *", "script": "tick"}, "cron: '0 0 31 2 *' never fires"),
    ({"cron": "@reboot", "script": "tick"}, "cron: unknown alias"),
    ({"cron": 5, "script": "tick"}, "cron: must be a string"),
    ({"cron": "* * * * *", "script": "tick", "timezone": "Mars/Olympus"}, "timezone: unknown time zone"),
    ({"cron": "* * * * *", "script": "tick", "timezone": "../../etc/passwd"}, "timezone: unknown time zone"),
    ({"cron": "* * * * *", "script": "nope"}, "script: no script named 'nope'"),
    ({"cron": "* * * * *", "script": "bad name!"}, "script: a script name"),
    ({"cron": "* * * * *", "script": "tick", "enabled": "yes"}, "enabled: must be a boolean"),
    ({"cron": "* * * * *", "script": "tick", "name": "x"}, "unknown field 'name'"),
])
async def test_validation_errors_name_the_field(sched, body, message):
    reply = await sched.client.post("/schedules", body)
    assert reply.status == 400, reply.body
    assert reply.error["kind"] == "bad_request" and reply.error["message"].startswith(message), reply.error
    assert await sched.db.fetchval("SELECT count(*) FROM schedules") == 0


async def test_patch_changes_fields_and_restarts_the_schedule(sched):
    api = sched
    created = (await api.client.post("/schedules", {"cron": "0 * * * *", "script": "tick"})).json
    path = f"/schedules/{created['id']}"
    api.clock.value = NOW + dt.timedelta(minutes=1)
    reply = await api.client.patch(path, {"cron": "30 8 * * 1-5", "timezone": "America/New_York", "script": "tock"})
    assert reply.status == 200, reply.body
    patched = reply.json
    assert patched["cron"] == "30 8 * * 1-5" and patched["timezone"] == "America/New_York"
    assert patched["script"] == "tock" and patched["updated_at"] == "2026-03-28T12:01:00.250Z"
    assert patched["next_fire_at"] == "2026-03-30T12:30:00.000Z"  # Monday 08:30 EDT
    fires_after = await api.db.fetchval("SELECT fires_after FROM schedules")
    assert fires_after == NOW + dt.timedelta(minutes=1)
    off = (await api.client.patch(path, {"enabled": False})).json
    assert off["enabled"] is False and off["next_fire_at"] is None
    assert (await api.client.patch(path, {})).json == off
    # A bad value leaves the schedule as it was.
    for body, field in [({"cron": "nope"}, "cron"), ({"timezone": "Nowhere/Land"}, "timezone"),
                        ({"script": "nope"}, "script"), ({"enabled": 1}, "enabled")]:
        reply = await api.client.patch(path, body)
        assert reply.status == 400 and reply.error["message"].startswith(field + ":"), reply.body
    assert (await api.client.get(path)).json == off


async def test_unknown_ids_and_methods(sched):
    api = sched
    for path in ("/schedules/999", "/schedules/abc", "/schedules/0"):
        assert (await api.client.get(path)).status == 404
        assert (await api.client.patch(path, {"enabled": False})).status == 404
        assert (await api.client.delete(path)).status == 404
    assert (await api.client.patch("/schedules/999", {"cron": "* * * * *"})).status == 404
    reply = await api.client.put("/schedules", {})
    assert reply.status == 405 and reply.headers["allow"] == "GET, POST"
    assert (await api.client.get("/schedules", query={"x": "1"})).status == 400


async def test_delete_schedule_and_scripts_in_use(sched):
    api = sched
    created = (await api.client.post("/schedules", {"cron": "* * * * *", "script": "tick"})).json
    # A script that a schedule runs cannot be deleted.
    reply = await api.client.delete("/scripts/tick")
    assert reply.status == 409, reply.body
    assert (await api.client.delete(f"/schedules/{created['id']}")).status == 204
    assert (await api.client.get(f"/schedules/{created['id']}")).status == 404
    assert (await api.client.get("/schedules")).json == {"schedules": []}
    assert (await api.client.delete("/scripts/tick")).status == 204
