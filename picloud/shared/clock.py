"""Wall-clock time as a replaceable dependency.

Retry and lease times are stored in the database as timestamps, so the
dispatcher compares them with a wall clock. Production uses the system
clock; tests derive wall time from Trio's clock so that
``trio.testing.MockClock`` drives retries and leases without sleeping.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import trio

UTC = dt.timezone.utc


class WallClock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)


class TrioClock:
    """Wall time = a fixed start + Trio's (possibly mocked) clock."""

    def __init__(self, start: dt.datetime | None = None):
        self._start = start or dt.datetime.now(UTC)
        self._origin = trio.current_time()

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=trio.current_time() - self._origin)


async def sleep_until_wall(clock: WallClock, when: dt.datetime) -> None:
    """Sleep until ``clock`` reads ``when`` (at once if it already does)."""
    await trio.sleep(max(0.0, (when - clock.now()).total_seconds()))
