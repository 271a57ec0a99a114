"""``ChildSpec``: what a supervisor needs to know to run one child.

A child is any async function of the form::

    async def run(*args, task_status=trio.TASK_STATUS_IGNORED) -> None:
        ...set up...
        task_status.started()     # the supervisor starts the next child now
        ...run until cancelled, or return...

so a plain long-lived task (an HTTP server, a LISTEN loop) is a child as
directly as a mailbox actor (see ``actor_child``) or a nested supervisor
(see ``supervisor_child``). Example::

    shutdown = trio.Event()
    ChildSpec("http", serve_http, args=(config,), request_stop=shutdown.set, shutdown=10)

A child that returns without calling ``task_status.started()`` counts as
ready when it returns.
"""

from __future__ import annotations

from typing import Any, Callable

import attrs

from ._policy import Restart, _non_negative

__all__ = ["ChildSpec"]


@attrs.frozen
class ChildSpec:
    """One supervised child, as data."""

    id: str
    """Unique among its siblings; used in errors and logs."""
    start: Callable[..., Any]
    """``async def start(*args, task_status=...)``, awaited once per (re)start."""
    args: tuple[Any, ...] = ()
    restart: Restart = Restart.PERMANENT
    shutdown: float = attrs.field(default=5.0, validator=_non_negative)
    """Seconds the child gets to finish after ``request_stop`` before it is cancelled."""
    request_stop: Callable[[], None] | None = None
    """Asks the running child to finish by itself (e.g. drain its mailbox).
    Without it, stopping the child cancels it at once."""
    on_terminated: Callable[[], None] | None = None
    """Called once the supervisor is done with the child: stopped, not to be
    restarted by policy, or given up on. Not called between restarts."""
