"""Restart policy as data: when to restart, how often, how soon.

Example::

    Supervisor(
        children,
        intensity=Intensity(max_restarts=3, within=5.0),  # 4th restart in 5 s escalates
        backoff=Backoff(initial=0.1, factor=2.0, maximum=5.0),
    )
"""

from __future__ import annotations

import collections
import enum

import attrs
import trio

__all__ = ["Backoff", "Intensity", "Restart"]


class Restart(enum.Enum):
    """When a child that ended is started again (OTP's three policies)."""

    PERMANENT = "permanent"
    """Always: after a crash and after a normal return."""
    TRANSIENT = "transient"
    """Only after a crash (an exception); a normal return means done."""
    TEMPORARY = "temporary"
    """Never; when it ends, it is gone."""

    def wants_restart(self, crashed: bool) -> bool:
        if self is Restart.PERMANENT:
            return True
        if self is Restart.TRANSIENT:
            return crashed
        return False


def _non_negative(_inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value >= 0:  # also rejects NaN
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


@attrs.frozen
class Intensity:
    """At most ``max_restarts`` restarts of one child within ``within`` seconds.

    The window slides on ``trio.current_time()``, so a ``MockClock`` drives
    it in tests. It is counted per child: one flapping child escalates,
    however healthy its siblings are.
    """

    max_restarts: int = attrs.field(default=3, validator=_non_negative)
    within: float = attrs.field(default=5.0, validator=_non_negative)


@attrs.frozen
class Backoff:
    """Delay before a restart: ``initial * factor**(n - 1)``, capped at ``maximum``.

    ``n`` counts the restarts inside the current intensity window, so a
    child that has been calm for ``within`` seconds restarts quickly again.
    """

    initial: float = attrs.field(default=0.1, validator=_non_negative)
    factor: float = attrs.field(default=2.0, validator=_non_negative)
    maximum: float = attrs.field(default=10.0, validator=_non_negative)

    def delay(self, n: int) -> float:
        return min(self.maximum, self.initial * self.factor ** max(0, n - 1))


class RestartWindow:
    """The sliding window of one child's recent restart times."""

    def __init__(self, intensity: Intensity) -> None:
        self._intensity = intensity
        self._times: collections.deque[float] = collections.deque()

    def admit(self) -> int | None:
        """Record a restart now; its number in the window, or None if over the limit."""
        now = trio.current_time()
        horizon = now - self._intensity.within
        while self._times and self._times[0] <= horizon:
            self._times.popleft()
        if len(self._times) >= self._intensity.max_restarts:
            return None
        self._times.append(now)
        return len(self._times)
