"""The scheduler on virtual time: planning, exact sleeps, DST, missed ticks, re-planning."""

from __future__ import annotations

import datetime as dt

import pytest
import trio
import trio.testing

from picloud.manager.scheduler import CronError, CronSpec, Scheduler
from picloud.shared.clock import TrioClock

from .fakes import T0, FakeSchedules

UTC = dt.UTC
MS = dt.timedelta(milliseconds=1)


@pytest.fixture
def autojump_clock():
    return trio.testing.MockClock(autojump_threshold=0)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def make(store: FakeSchedules, start: dt.datetime = T0):
    wakes = []
    scheduler = Scheduler(store, wake_dispatcher=lambda: wakes.append(trio.current_time()),
                          subscribe=store.subscribe, clock=TrioClock(start))
    return scheduler, wakes


async def run_for(scheduler: Scheduler, seconds: float, during=None):
    async with trio.open_nursery() as nursery:
        await nursery.start(scheduler.run)
        if during is not None:
            await during()
        await trio.sleep(seconds)
        scheduler.request_stop()


def ticks(spec: CronSpec, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    out, t = [], start
    while (t := spec.next_after(t)) <= end:
        out.append(t)
    return out


# -- cron expressions ------------------------------------------------------------------


def test_next_fire_time_is_strictly_after():
    spec = CronSpec.parse("*/5 * * * *")
    assert spec.next_after(utc(2026, 1, 1, 0, 0)) == utc(2026, 1, 1, 0, 5)
    assert spec.next_after(utc(2026, 1, 1, 0, 4, 59, 999999)) == utc(2026, 1, 1, 0, 5)


def test_seconds_are_the_sixth_field_and_aliases_work():
    assert CronSpec.parse("* * * * * */15").next_after(utc(2026, 1, 1)) == utc(2026, 1, 1, 0, 0, 15)
    assert CronSpec.parse("* * * * * *").next_after(utc(2026, 1, 1, 0, 0, 0, 500000)) == utc(2026, 1, 1, 0, 0, 1)
    assert CronSpec.parse("@hourly").next_after(utc(2026, 1, 1, 0, 30)) == utc(2026, 1, 1, 1)
    assert CronSpec.parse("@daily", "Europe/Berlin").next_after(utc(2026, 1, 1, 0, 30)) == utc(2026, 1, 1, 23)


@pytest.mark.parametrize("expression", ["bad", "* * * *", "* * * * * * *", "61 * * * *", "@reboot",
                                         "H * * * *", "0 0 31 2 *", ""])
def test_bad_expressions_are_refused(expression):
    with pytest.raises(CronError):
        CronSpec.parse(expression)


@pytest.mark.parametrize("zone", ["Mars/Base", "", "../etc/passwd", "/etc/localtime", "utc/"])
def test_unknown_time_zones_are_refused(zone):
    with pytest.raises(CronError, match="time zone"):
        CronSpec.parse("* * * * *", zone)


def test_berlin_daily_0230_fires_once_on_both_dst_change_days():
    spec = CronSpec.parse("30 2 * * *", "Europe/Berlin")
    # 2026-03-29: 02:00 CET -> 03:00 CEST, 02:30 does not exist: once, at 03:00 CEST.
    assert ticks(spec, utc(2026, 3, 27), utc(2026, 3, 31)) == [
        utc(2026, 3, 27, 1, 30), utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)]
    # 2026-10-25: 03:00 CEST -> 02:00 CET, 02:30 happens twice: once, at the first.
    assert ticks(spec, utc(2026, 10, 23), utc(2026, 10, 27)) == [
        utc(2026, 10, 23, 0, 30), utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]


def test_new_york_around_the_transitions():
    daily = CronSpec.parse("30 1 * * *", "America/New_York")
    # 2026-11-01: 01:30 EDT and 01:30 EST both exist; fire once.
    assert ticks(daily, utc(2026, 10, 31, 12), utc(2026, 11, 2, 12)) == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]
    # 2026-03-08: 02:00 EST -> 03:00 EDT; a 02:30 schedule fires once, at 03:00 EDT.
    gap = CronSpec.parse("30 2 * * *", "America/New_York")
    assert ticks(gap, utc(2026, 3, 7, 12), utc(2026, 3, 9, 12)) == [utc(2026, 3, 8, 7, 0), utc(2026, 3, 9, 6, 30)]
    # An hourly schedule fires every real hour: 25 on the long day, 23 on the short one.
    hourly = CronSpec.parse("0 * * * *", "America/New_York")
    assert len(ticks(hourly, utc(2026, 11, 1, 4), utc(2026, 11, 2, 5))) == 25
    assert len(ticks(hourly, utc(2026, 3, 8, 5), utc(2026, 3, 9, 4))) == 23
    every_15 = CronSpec.parse("*/15 * * * *", "America/New_York")
    fall = ticks(every_15, utc(2026, 11, 1, 4), utc(2026, 11, 2, 5))
    assert len(fall) == 100 and len(set(fall)) == 100


def test_latest_tick_after_a_long_downtime_is_found_quickly():
    spec = CronSpec.parse("* * * * * *")
    earliest = spec.next_after(utc(2026, 1, 1))
    assert spec.latest_at_or_before(utc(2026, 2, 1, 0, 0, 0, 500000), earliest) == utc(2026, 2, 1)
    berlin = CronSpec.parse("30 2 * * *", "Europe/Berlin")
    assert berlin.latest_at_or_before(utc(2026, 10, 25, 3), utc(2026, 10, 1, 0, 30)) == utc(2026, 10, 25, 0, 30)


# -- the scheduler -----------------------------------------------------------------------


async def test_sleeps_exactly_until_each_tick_without_polling(autojump_clock):
    store = FakeSchedules()
    schedule = store.add("*/5 * * * *")
    scheduler, wakes = make(store)
    await run_for(scheduler, 3600.5)
    fired = store.fired(schedule.id)
    assert fired == [T0 + dt.timedelta(minutes=5 * n) for n in range(1, 13)]
    for fire in store.fires:
        assert dt.timedelta(0) <= fire.fired_at - fire.scheduled_for < MS
    # One read at start, one store call per tick: nothing polls.
    assert store.loads == 1 and store.fire_calls == 12
    assert wakes == pytest.approx([300.0 * n for n in range(1, 13)])


async def test_event_carries_schedule_and_times(autojump_clock):
    store = FakeSchedules()
    schedule = store.add("0 * * * *")
    scheduler, _ = make(store)
    await run_for(scheduler, 3600.5)
    (fire,) = store.fires
    assert fire.event == {"schedule": schedule.id, "scheduled_for": "2026-01-01T01:00:00.000Z",
                          "fired_at": "2026-01-01T01:00:00.000Z"}


async def test_berlin_dst_day_fires_once_on_virtual_time(autojump_clock):
    start = utc(2026, 10, 23)
    store = FakeSchedules()
    store.add("30 2 * * *", "Europe/Berlin", created=start)
    scheduler, _ = make(store, start)
    await run_for(scheduler, 4 * 86400 + 0.5)
    assert store.fired() == [utc(2026, 10, 23, 0, 30), utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30),
                             utc(2026, 10, 26, 1, 30)]
    assert store.loads == 1


async def test_missed_ticks_fire_once_after_downtime(autojump_clock):
    store = FakeSchedules()
    # Last fired an hour ago; eleven ticks were missed (00:00 is one, the latest).
    schedule = store.add("*/5 * * * *", created=T0 - dt.timedelta(days=1),
                         last_fired_at=T0 - dt.timedelta(hours=1))
    never = store.add("0 * * * *", created=T0 - dt.timedelta(hours=5, minutes=30))
    scheduler, _ = make(store, T0 + dt.timedelta(minutes=2))
    await run_for(scheduler, 240.5)
    assert store.fired(schedule.id) == [T0, T0 + dt.timedelta(minutes=5)]
    assert store.fires[0].fired_at == T0 + dt.timedelta(minutes=2)
    assert store.fired(never.id) == [T0]


async def test_disabled_schedules_do_not_fire_and_enabling_does_not_catch_up(autojump_clock):
    store = FakeSchedules()
    schedule = store.add("* * * * *", enabled=False, created=T0 - dt.timedelta(days=1))
    scheduler, _ = make(store)

    async def enable_later():
        async def enable():
            await trio.sleep(600.5)
            store.update(schedule.id, scheduler._clock.now(), enabled=True)
        nursery_start = trio.lowlevel.current_task().parent_nursery
        nursery_start.start_soon(enable)

    await run_for(scheduler, 720.5, during=enable_later)
    # Nothing during the first ten minutes, no catch-up on enabling, then every minute.
    assert store.fired() == [T0 + dt.timedelta(minutes=m) for m in (11, 12)]


async def test_a_change_notification_replans(autojump_clock):
    store = FakeSchedules()
    schedule = store.add("0 * * * *")
    scheduler, _ = make(store)

    async def changes():
        async def change():
            await trio.sleep(600)
            store.update(schedule.id, scheduler._clock.now(), cron="* * * * *")
            await trio.sleep(150)
            store.delete(schedule.id)
            await trio.sleep(1)
            other = store.add("*/30 * * * *", created=scheduler._clock.now())
            assert other.id == 2
        trio.lowlevel.current_task().parent_nursery.start_soon(change)

    await run_for(scheduler, 3600.5, during=changes)
    assert store.fired(1) == [T0 + dt.timedelta(minutes=m) for m in (11, 12)]
    assert store.fired(2) == [T0 + dt.timedelta(minutes=30), T0 + dt.timedelta(minutes=60)]
    assert store.loads == 4  # start, cron change, delete, add


async def test_no_schedules_means_no_work_at_all(autojump_clock):
    store = FakeSchedules()
    scheduler, _ = make(store)
    await run_for(scheduler, 86400)
    assert store.loads == 1 and store.fire_calls == 0 and scheduler.next_fire_at is None


async def test_store_failures_are_retried_with_back_off(autojump_clock):
    store = FakeSchedules()
    store.add("* * * * *")
    store.fail_next = 2
    scheduler, _ = make(store)
    await run_for(scheduler, 90)
    assert store.loads == 3  # failed at 0 and 1 s, then read at 3 s
    assert store.fired() == [T0 + dt.timedelta(minutes=1)]


async def test_another_scheduler_firing_first_is_not_a_second_fire(autojump_clock):
    store = FakeSchedules()
    store.add("* * * * *")
    a, wakes_a = make(store)
    b, wakes_b = make(store)
    async with trio.open_nursery() as nursery:
        await nursery.start(a.run)
        await nursery.start(b.run)
        await trio.sleep(600.5)
        a.request_stop()
        b.request_stop()
    assert store.fired() == [T0 + dt.timedelta(minutes=m) for m in range(1, 11)]
    assert store.fire_calls == 20 and len(wakes_a) + len(wakes_b) == 10


class SteppingClock(TrioClock):
    """A wall clock that can be stepped, like NTP correcting a Pi's clock after boot."""

    def __init__(self, start):
        super().__init__(start)
        self.offset = dt.timedelta(0)

    def now(self):
        return super().now() + self.offset


async def test_a_wall_clock_step_is_noticed_within_a_minute(autojump_clock):
    store = FakeSchedules()
    store.add("0 * * * *")
    clock = SteppingClock(T0)
    scheduler = Scheduler(store, subscribe=store.subscribe, clock=clock)

    async def step():
        async def later():
            await trio.sleep(600)
            clock.offset = dt.timedelta(hours=3)  # now 03:10
        trio.lowlevel.current_task().parent_nursery.start_soon(later)

    await run_for(scheduler, 660.5, during=step)
    # The missed 01:00-03:00 ticks fire once (03:00), at most a minute after the step.
    (fire,) = store.fires
    assert fire.scheduled_for == T0 + dt.timedelta(hours=3)
    assert fire.fired_at - (T0 + dt.timedelta(hours=3, minutes=10)) <= dt.timedelta(minutes=1)
    assert store.loads == 1
