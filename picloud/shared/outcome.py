"""What running a script produced, and how each outcome maps to HTTP.

The status-code table of the design notes (section 4) lives here, once, for
the ingress (sync responses) and the dispatcher (retry decisions) alike.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs


class OutcomeKind(enum.Enum):
    SUCCEEDED = "succeeded"
    SCRIPT_ERROR = "script_error"          # the script threw: deliberate, never retried
    SCRIPT_FAILURE = "script_failure"      # type error, missing function, bad response...
    TIMEOUT = "timeout"
    LIMIT_EXCEEDED = "limit_exceeded"
    UNAVAILABLE = "unavailable"            # no capacity to run it
    INTERNAL = "internal"                  # a platform fault

    @property
    def http_status(self) -> int:
        return _HTTP_STATUS[self]

    @property
    def retryable(self) -> bool:
        """Whether an async execution that ended so is tried again."""
        return self not in (OutcomeKind.SUCCEEDED, OutcomeKind.SCRIPT_ERROR)


_HTTP_STATUS = {
    OutcomeKind.SUCCEEDED: 200,
    OutcomeKind.SCRIPT_ERROR: 422,
    OutcomeKind.SCRIPT_FAILURE: 502,
    OutcomeKind.UNAVAILABLE: 503,
    OutcomeKind.TIMEOUT: 504,
    OutcomeKind.LIMIT_EXCEEDED: 507,
    OutcomeKind.INTERNAL: 500,
}


@attrs.frozen
class Outcome:
    """The result of one attempt.

    ``value`` is the script's last value converted to JSON-compatible Python
    (for SUCCEEDED) or the thrown value (for SCRIPT_ERROR). ``error`` is the
    JSON error object of the status table for every failure.
    """

    kind: OutcomeKind
    value: Any = None
    error: dict[str, Any] | None = None
    logs: tuple[str, ...] = ()
    started_at: float = 0.0   # wall-clock seconds (time.time())
    finished_at: float = 0.0

    @property
    def succeeded(self) -> bool:
        return self.kind is OutcomeKind.SUCCEEDED

    @property
    def duration_ms(self) -> float:
        return (self.finished_at - self.started_at) * 1000.0
