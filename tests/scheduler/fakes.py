"""In-memory stand-ins for the scheduler's store and LISTEN subscription.

They mirror ``picloud.store.schedules`` (the same checks as ``fire_schedule``)
so the scheduler runs under ``MockClock(autojump_threshold=0)`` without a
database, whose waits would let the mock clock jump ahead.
"""

from __future__ import annotations

import datetime as dt
import uuid

import attrs
import trio

from picloud.store.listener import Notification
from picloud.store.schedules import Fire, Schedule

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class FakeSchedules:
    def __init__(self):
        self.schedules: dict[int, Schedule] = {}
        self.fires: list[Fire] = []
        self.loads = 0
        self.fire_calls = 0
        self.fail_next = 0
        self._next_id = 1
        self._subscribers: list[trio.MemorySendChannel] = []

    # -- what the API would do ---------------------------------------------------

    def add(self, cron: str, timezone: str = "UTC", *, created: dt.datetime = T0, enabled: bool = True,
            last_fired_at: dt.datetime | None = None) -> Schedule:
        schedule = Schedule(self._next_id, cron, timezone, "tick", enabled, created, last_fired_at, created, created)
        self._next_id += 1
        self.schedules[schedule.id] = schedule
        self.notify()
        return schedule

    def update(self, schedule_id: int, now: dt.datetime, **changes) -> Schedule:
        current = self.schedules[schedule_id]
        if "cron" in changes or "timezone" in changes or changes.get("enabled") is True:
            changes["fires_after"] = now
        self.schedules[schedule_id] = attrs.evolve(current, updated_at=now, **changes)
        self.notify()
        return self.schedules[schedule_id]

    def delete(self, schedule_id: int) -> None:
        del self.schedules[schedule_id]
        self.notify()

    # -- LISTEN ------------------------------------------------------------------------

    async def subscribe(self, channel: str) -> trio.MemoryReceiveChannel:
        assert channel == "picloud_schedules"
        send, receive = trio.open_memory_channel(64)
        self._subscribers.append(send)
        return receive

    def notify(self) -> None:
        for send in self._subscribers:
            send.send_nowait(Notification("picloud_schedules", ""))

    # -- ScheduleStore ------------------------------------------------------------------

    async def load_schedules(self):
        self.loads += 1
        await trio.lowlevel.checkpoint()
        if self.fail_next:
            self.fail_next -= 1
            raise OSError("database down")
        return list(self.schedules.values())

    async def fire(self, fire: Fire) -> uuid.UUID | None:
        self.fire_calls += 1
        await trio.lowlevel.checkpoint()
        schedule = self.schedules.get(fire.schedule_id)
        if (schedule is None or not schedule.enabled or schedule.cron != fire.cron
                or schedule.timezone != fire.timezone or schedule.fires_after >= fire.scheduled_for
                or (schedule.last_fired_at is not None and schedule.last_fired_at >= fire.scheduled_for)):
            return None
        self.schedules[fire.schedule_id] = attrs.evolve(schedule, last_fired_at=fire.scheduled_for)
        self.fires.append(fire)
        return fire.execution_id

    def fired(self, schedule_id: int | None = None) -> list[dt.datetime]:
        return [f.scheduled_for for f in self.fires if schedule_id is None or f.schedule_id == schedule_id]
