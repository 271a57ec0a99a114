"""Schedules against real PostgreSQL: firing is once per (schedule, tick),
whatever races it, and changes NOTIFY ``picloud_schedules``."""

from __future__ import annotations

import datetime as dt
import json

import trio

from picloud.manager.scheduler import Scheduler
from picloud.store import schedules as store
from picloud.store.migrations import apply_migrations, load_migrations
from picloud.store.schedules import Fire, PgSchedules
from tests.api.conftest import seed_script

UTC = dt.UTC


async def setup(db, cron: str, *, created: dt.datetime, last_fired_at: dt.datetime | None = None) -> store.Schedule:
    await apply_migrations(db, load_migrations())
    await seed_script(db, "tick")
    schedule = await db.run(store.create_schedule, cron, "UTC", "tick", True, created)
    if last_fired_at is not None:
        await db.execute("UPDATE schedules SET last_fired_at = $1", last_fired_at)
        schedule = await db.run(store.get_schedule, schedule.id)
    return schedule


async def cron_rows(db) -> list[dict]:
    rows = await db.fetch("SELECT trigger, status, script_name, script_version, route_id, input::text AS input "
                          "FROM executions ORDER BY input->>'scheduled_for'")
    return [dict(r, input=json.loads(r["input"])) for r in rows]


async def test_two_schedulers_fire_each_tick_once(db):
    now = dt.datetime.now(UTC)
    schedule = await setup(db, "* * * * * *", created=now - dt.timedelta(hours=1),
                           last_fired_at=now - dt.timedelta(minutes=10))
    schedulers = [Scheduler(PgSchedules(db)) for _ in range(2)]
    async with trio.open_nursery() as nursery:
        for scheduler in schedulers:
            await nursery.start(scheduler.run)
        await trio.sleep(2.3)
        for scheduler in schedulers:
            scheduler.request_stop()
    rows = await cron_rows(db)
    ticks = [r["input"]["scheduled_for"] for r in rows]
    assert len(ticks) == len(set(ticks)) >= 2  # the missed tick once, then each second once
    assert sum(s.fired for s in schedulers) == len(rows)
    assert {(r["trigger"], r["status"], r["script_name"], r["script_version"], r["route_id"]) for r in rows} == {
        ("cron", "pending", "tick", 1, None)}
    assert all(r["input"]["schedule"] == schedule.id for r in rows)
    # The missed ten minutes gave one execution, not 600.
    first = dt.datetime.fromisoformat(ticks[0].replace("Z", "+00:00"))
    assert first >= now - dt.timedelta(seconds=1)
    fires = await db.fetch("SELECT fire_time FROM schedule_fires")
    assert len(fires) == 1  # older ones pruned
    last = await db.fetchval("SELECT last_fired_at FROM schedules")
    assert fires[0]["fire_time"] == last == dt.datetime.fromisoformat(ticks[-1].replace("Z", "+00:00"))


async def test_racing_fires_of_one_tick_insert_one_execution(db):
    now = dt.datetime.now(UTC).replace(microsecond=0)
    schedule = await setup(db, "* * * * *", created=now - dt.timedelta(hours=1))
    tick = now.replace(second=0)
    results = []

    async def fire():
        event = {"schedule": schedule.id, "scheduled_for": tick.isoformat(), "fired_at": now.isoformat()}
        results.append(await db.run(store.fire_schedule, Fire(schedule.id, schedule.cron, "UTC", tick, now, event)))

    async with trio.open_nursery() as nursery:
        for _ in range(8):
            nursery.start_soon(fire)
    assert len([r for r in results if r is not None]) == 1
    assert len(await cron_rows(db)) == 1
    # An older tick, a changed expression or a disabled schedule do not fire either.
    older = Fire(schedule.id, schedule.cron, "UTC", tick - dt.timedelta(minutes=1), now, {})
    assert await db.run(store.fire_schedule, older) is None
    changed = Fire(schedule.id, "*/2 * * * *", "UTC", tick + dt.timedelta(minutes=2), now, {})
    assert await db.run(store.fire_schedule, changed) is None
    await db.run(store.update_schedule, schedule.id, {"enabled": False}, now)
    disabled = Fire(schedule.id, schedule.cron, "UTC", tick + dt.timedelta(minutes=1), now, {})
    assert await db.run(store.fire_schedule, disabled) is None
    assert len(await cron_rows(db)) == 1


async def test_changes_notify_but_firing_does_not(db):
    from picloud.store.listener import Listener

    now = dt.datetime.now(UTC).replace(microsecond=0)
    schedule = await setup(db, "* * * * *", created=now - dt.timedelta(hours=1))
    listener = Listener(db.connect_kwargs)
    async with trio.open_nursery() as nursery:
        await nursery.start(listener.run)
        changes = await listener.subscribe("picloud_schedules")
        outbox = await listener.subscribe("picloud_outbox")
        tick = now.replace(second=0)
        assert await db.run(store.fire_schedule, Fire(schedule.id, schedule.cron, "UTC", tick, now, {})) is not None
        await outbox.receive()
        await db.run(store.update_schedule, schedule.id, {"cron": "*/5 * * * *"}, now)
        with trio.fail_after(5):
            await changes.receive()
        with trio.move_on_after(0.3):
            item = await changes.receive()
            raise AssertionError(f"one change, one notification; also got {item}")
        nursery.cancel_scope.cancel()
