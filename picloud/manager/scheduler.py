"""The scheduler: fires cron schedules into the outbox (docs/schedules.md).

It reads all schedules, works out when the earliest enabled one is due, and
sleeps until exactly then, or until a schedule changes (a NOTIFY on
``picloud_schedules``, or an ``Overflow`` marker, after which it re-reads
everything). Nothing polls. Each due tick becomes one pending execution row
through :meth:`ScheduleStore.fire`, which is unique per (schedule, tick), so
several schedulers sharing a database fire every tick once.

Missed ticks (the process was down, or the machine slept) are fired once:
when the next tick after the last fired one is already past, only the
*latest* past tick fires, then the schedule continues from there.

Cron expressions (:class:`CronSpec`) are evaluated by ``croniter`` on
time-zone-aware datetimes in the schedule's IANA time zone and compared in
UTC. Around daylight-saving changes:

- a local time skipped by the spring-forward gap fires once, at the end of
  the gap (02:30 in Europe/Berlin on the last Sunday of March fires at 03:00
  CEST), as classic cron does;
- a local time that happens twice when clocks go back fires once, at the
  first occurrence, unless the hour field is a wildcard (``*``, ``*/2``,
  ``@hourly``): such schedules fire by the hour and run in both repeated
  hours (cronie's rule).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
import zoneinfo
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import attrs
import trio
from croniter import CroniterBadDateError, croniter

from picloud.shared.clock import SystemClock, WallClock
from picloud.store.schedules import Fire, Schedule

log = logging.getLogger(__name__)

UTC = dt.UTC

ALIASES = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
MAX_CRON_LENGTH = 256

# A timer can wake a hair before the wall clock reads the tick's time
# (float rounding between Trio's clock and datetimes): ticks this close are due.
DUE_TOLERANCE = dt.timedelta(milliseconds=1)

# Trio's timers run on the monotonic clock, ticks on the wall clock. If the
# wall clock steps (NTP at boot on a board without a real-time clock, a
# resumed VM), a long sleep would end late; waking at least this often to
# compare with the wall clock (in memory, no database access) bounds that.
MAX_SLEEP_SECONDS = 60.0


class CronError(ValueError):
    """A cron expression or time zone that cannot be used."""


def load_timezone(name: str) -> dt.tzinfo:
    """The IANA time zone ``name``; :class:`CronError` if unknown."""
    if not name or name.startswith("/") or ".." in name or "\\" in name:
        raise CronError(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin'")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        if name == "UTC":
            return UTC  # no time zone database installed: UTC still works
        raise CronError(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin'") from None


def iso(value: dt.datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as the API writes times."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@attrs.frozen
class CronSpec:
    """A validated cron expression in a time zone; computes its ticks (UTC datetimes)."""

    expression: str
    timezone: str
    tz: dt.tzinfo = attrs.field(eq=False, repr=False)
    hour_wildcard: bool = attrs.field(eq=False, repr=False)

    @classmethod
    def parse(cls, expression: str, timezone: str = "UTC") -> CronSpec:
        """Raise :class:`CronError` (message without the field name) if unusable.

        Accepted: 5 fields (minute hour day-of-month month day-of-week),
        6 fields (the same plus *seconds last*, croniter's convention), or
        one of :data:`ALIASES`.
        """
        tz = load_timezone(timezone)
        text = expression.strip()
        if len(text) > MAX_CRON_LENGTH:
            raise CronError(f"must be at most {MAX_CRON_LENGTH} characters")
        if text.startswith("@"):
            if text.lower() not in ALIASES:
                raise CronError(f"unknown alias {text!r}; use one of {', '.join(ALIASES)}")
            text = text.lower()
            hour_wildcard = text == "@hourly"
        else:
            fields = text.split()
            if len(fields) not in (5, 6):
                raise CronError(
                    f"{expression!r} has {len(fields)} fields; use 5 (minute hour day month weekday), "
                    "6 (the same plus seconds, last) or an alias such as @hourly"
                )
            hour_wildcard = fields[1].startswith("*")
        try:
            valid = croniter.is_valid(text)
        except Exception:
            valid = False
        if not valid:
            raise CronError(f"{expression!r} is not a valid cron expression")
        spec = cls(text, timezone, tz, hour_wildcard)
        try:
            spec.next_after(dt.datetime(2000, 1, 1, tzinfo=UTC))
        except CronError:
            raise CronError(f"{expression!r} never fires") from None
        return spec

    def _iter(self, start: dt.datetime) -> croniter:
        return croniter(self.expression, start.astimezone(self.tz))

    def _skipped(self, tick: dt.datetime) -> bool:
        """The second occurrence of a repeated local time, for a fixed-hour schedule."""
        if self.hour_wildcard:
            return False
        local = tick.astimezone(self.tz)
        return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()

    def next_after(self, after: dt.datetime) -> dt.datetime:
        """The first tick strictly after ``after`` (UTC)."""
        start = after
        for _ in range(1000):
            try:
                tick = self._iter(start).get_next(dt.datetime).astimezone(UTC)
            except (CroniterBadDateError, OverflowError) as exc:
                raise CronError(f"no tick after {after.isoformat()}") from exc
            if tick <= start:  # defensive: never go backwards
                start = start + dt.timedelta(seconds=1)
                continue
            if tick > after and not self._skipped(tick):
                return tick
            start = tick
        raise CronError(f"no tick after {after.isoformat()}")

    def latest_at_or_before(self, when: dt.datetime, earliest: dt.datetime) -> dt.datetime:
        """The last tick at or before ``when``, given that ``earliest`` is one (and <= when)."""
        tick = earliest
        try:
            prev = self._iter(when).get_prev(dt.datetime).astimezone(UTC)
        except (CroniterBadDateError, OverflowError):
            prev = earliest
        # Jump close to ``when`` (after a long downtime, walking tick by tick
        # from ``earliest`` could take millions of steps), but only to a real tick.
        if prev > tick and self.next_after(prev - dt.timedelta(microseconds=1)) == prev:
            tick = prev
        while (following := self.next_after(tick)) <= when:
            tick = following
        return tick


class ScheduleStore(Protocol):
    async def load_schedules(self) -> Sequence[Schedule]: ...

    async def fire(self, fire: Fire) -> uuid.UUID | None: ...


Subscribe = Callable[[str], Awaitable[trio.MemoryReceiveChannel]]


@attrs.define
class _Plan:
    schedule: Schedule
    spec: CronSpec
    next_at: dt.datetime | None
    """The next tick to fire, or ``None`` if the expression has no more."""


class Scheduler:
    """Run with ``await scheduler.run()`` as a supervised child."""

    def __init__(
        self,
        store: ScheduleStore,
        *,
        wake_dispatcher: Callable[[], None] | None = None,
        subscribe: Subscribe | None = None,
        clock: WallClock | None = None,
        retry_seconds: float = 1.0,
        max_retry_seconds: float = 30.0,
    ):
        self._store = store
        self._wake_dispatcher = wake_dispatcher
        self._subscribe = subscribe
        self._clock = clock or SystemClock()
        self._retry_seconds = retry_seconds
        self._max_retry_seconds = max_retry_seconds
        self._wake = trio.Event()
        self._changed = True
        self._stopping = False
        self.loads = 0
        self.fired = 0
        self.next_fire_at: dt.datetime | None = None
        """When the scheduler plans to wake next (for tests and diagnostics)."""

    def changed(self) -> None:
        """Schedules may have changed: re-read them. Cheap, coalesces."""
        self._changed = True
        self._wake.set()

    def request_stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            if self._subscribe is not None:
                # Subscribe before the first read, so no change slips between.
                nursery.start_soon(self._forward, await self._subscribe("picloud_schedules"))
            task_status.started()
            await self._loop()
            nursery.cancel_scope.cancel()

    async def _forward(self, channel: trio.MemoryReceiveChannel) -> None:
        async with channel:
            async for _ in channel:  # Notification or Overflow: re-read either way
                self.changed()

    async def _loop(self) -> None:
        plans: list[_Plan] = []
        failures = 0
        while not self._stopping:
            self._wake = trio.Event()
            delay: float | None
            try:
                if self._changed:
                    self._changed = False
                    plans = await self._load()
                delay = await self._fire_due(plans)
                failures = 0
            except Exception:
                failures += 1
                delay = min(self._max_retry_seconds, self._retry_seconds * 2 ** (failures - 1))
                log.exception("scheduler: store operation failed; retrying in %.1fs", delay)
                self._changed = True  # re-read: the failure may have left us unsure
            if self._stopping:
                return
            if delay is None:
                await self._wake.wait()
            else:
                with trio.move_on_after(delay):
                    await self._wake.wait()

    async def _load(self) -> list[_Plan]:
        self.loads += 1
        plans = []
        for schedule in await self._store.load_schedules():
            if not schedule.enabled:
                continue
            try:
                spec = CronSpec.parse(schedule.cron, schedule.timezone)
            except CronError as exc:
                log.error("schedule %d cannot fire: %s", schedule.id, exc)
                continue
            anchor = max(schedule.fires_after, schedule.last_fired_at or schedule.fires_after)
            plans.append(_Plan(schedule, spec, _next_or_none(spec, anchor)))
        return plans

    async def _fire_due(self, plans: list[_Plan]) -> float | None:
        """Fire every due plan; seconds until the next tick (``None``: none planned)."""
        now = self._clock.now()
        horizon = now + DUE_TOLERANCE
        for plan in plans:
            if plan.next_at is None or plan.next_at > horizon:
                continue
            # One or more ticks are due: fire only the latest (missed ticks fire once).
            tick = plan.spec.latest_at_or_before(horizon, plan.next_at)
            schedule = plan.schedule
            fired_at = max(now, tick)
            event = {"schedule": schedule.id, "scheduled_for": iso(tick), "fired_at": iso(fired_at)}
            execution_id = await self._store.fire(
                Fire(schedule.id, schedule.cron, schedule.timezone, tick, fired_at, event)
            )
            if execution_id is not None:
                self.fired += 1
                log.debug("schedule %d fired %s as execution %s", schedule.id, iso(tick), execution_id)
                if self._wake_dispatcher is not None:
                    self._wake_dispatcher()
            plan.next_at = _next_or_none(plan.spec, tick)
        upcoming = [p.next_at for p in plans if p.next_at is not None]
        self.next_fire_at = min(upcoming, default=None)
        if self.next_fire_at is None:
            return None
        return min(MAX_SLEEP_SECONDS, max(0.0, (self.next_fire_at - self._clock.now()).total_seconds()))


def _next_or_none(spec: CronSpec, after: dt.datetime) -> dt.datetime | None:
    try:
        return spec.next_after(after)
    except CronError:
        return None  # e.g. a year-bound expression whose last tick has passed
