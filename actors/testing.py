"""Deterministic testing helpers: virtual time and a supervisor harness.

Run actor tests on ``trio.testing.MockClock(autojump_threshold=0)``: time
stands still while any task can run and jumps to the next deadline as soon as
all are blocked, so restart back-off, ``ask`` timeouts and shutdown
deadlines are exercised exactly and instantly, without real sleeps.

With pytest-trio, either take the built-in ``autojump_clock`` fixture as a
test argument, or make a whole directory use it from its ``conftest.py``::

    import pytest
    from actors.testing import autojump_run

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(items):
        for item in items:
            if item.get_closest_marker("trio") is not None:
                item.add_marker(pytest.mark.trio(run=autojump_run), append=False)

Outside pytest: ``autojump_run(main)``. Inside a test::

    async with running(Supervisor([...])) as sup:
        ...                       # children are ready here
    # here they were stopped in reverse order
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable

import trio
import trio.testing

from ._supervisor import Supervisor

__all__ = ["autojump_clock", "autojump_run", "running", "settle"]


def autojump_clock() -> trio.testing.MockClock:
    """A virtual clock that jumps to the next deadline whenever all tasks block."""
    return trio.testing.MockClock(autojump_threshold=0)


def autojump_run(
    async_fn: Callable[..., Awaitable[Any]],
    *args: Any,
    clock: trio.abc.Clock | None = None,
    **kwargs: Any,
) -> Any:
    """``trio.run`` on an autojump ``MockClock`` unless another clock is given."""
    if clock is None:
        clock = autojump_clock()
    return trio.run(async_fn, *args, clock=clock, **kwargs)


@asynccontextmanager
async def running(supervisor: Supervisor) -> AsyncIterator[Supervisor]:
    """Run ``supervisor`` for the duration of the block; stop it in order on exit.

    The block starts once every child is ready. If the supervisor escalates
    while the block runs, the block is cancelled and the error propagates
    (inside an ExceptionGroup, as from any nursery).
    """
    async with trio.open_nursery() as nursery:
        await nursery.start(supervisor.run)
        try:
            yield supervisor
        finally:
            supervisor.stop()


async def settle() -> None:
    """Wait until every task is blocked: everything runnable now has run.

    Virtual time does not advance while settling.
    """
    await trio.testing.wait_all_tasks_blocked()
