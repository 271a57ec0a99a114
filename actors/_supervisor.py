"""``Supervisor``: runs children in a nursery, restarts them, stops them in order.

Example::

    inbox = Mailbox[InboxMsg]("inbox", capacity=64)
    root = Supervisor(
        [
            ChildSpec("store", run_store),
            actor_child("inbox", Inbox, inbox),
            supervisor_child(Supervisor(executor_specs, name="executors")),
            ChildSpec("http", serve_http, args=(inbox.ref,)),
        ],
        name="root",
        intensity=Intensity(max_restarts=3, within=5.0),
        backoff=Backoff(initial=0.1),
    )
    await root.run()          # until root.stop(), cancellation, or escalation

Semantics:

* **Start**: children start one after another through ``nursery.start``;
  each must call ``task_status.started()`` before the next starts, and
  ``run`` reports itself started only when all have. A child that raises
  before it is ready fails the whole start: the children already started
  are stopped and ``ChildStartFailed`` is raised.
* **Restart** (one-for-one): a child that ends is started again according
  to its ``Restart`` policy, after the ``Backoff`` delay if any. Each child
  may restart at most ``Intensity.max_restarts`` times within
  ``Intensity.within`` seconds; one more and the supervisor gives up.
* **Escalation**: giving up stops the other children in order, then raises
  ``RestartIntensityExceeded`` out of ``run``; a parent supervisor sees that
  as a crash of this child.
* **Stop** (``stop()``, cancellation of ``run``, or escalation): children
  stop in reverse start order. Each gets ``request_stop()`` and up to
  ``shutdown`` seconds to finish by itself (an actor handles what is already
  in its mailbox), then is cancelled. The whole stop runs shielded: a
  cancelled parent still gets an orderly, deadline-bounded shutdown.
"""

from __future__ import annotations

import logging
import math
from typing import Any, Iterable

import trio

from ._errors import ChildStartFailed, RestartIntensityExceeded
from ._policy import Backoff, Intensity, Restart, RestartWindow
from ._spec import ChildSpec

__all__ = ["Supervisor", "supervisor_child"]

log = logging.getLogger("actors")


class _Child:
    """Runtime state of one child of one supervisor run."""

    def __init__(self, spec: ChildSpec, intensity: Intensity) -> None:
        self.spec = spec
        # Children run shielded from the cancellation of their supervisor,
        # so that the supervisor decides when and in which order they stop.
        # The shield goes up only once the child is ready, so that a child
        # stuck while starting can still be cancelled from outside.
        self.scope = trio.CancelScope()
        self.done = trio.Event()
        self.window = RestartWindow(intensity)
        self.running = False
        self.stopping = False


class _Run:
    """State of one ``Supervisor.run`` call (a nested supervisor runs many times)."""

    def __init__(self) -> None:
        self.children: list[_Child] = []
        self.wake = trio.Event()
        self.stopping = False
        self.failure: BaseException | None = None

    def fail(self, error: BaseException, cause: BaseException | None) -> None:
        if self.failure is None:
            error.__cause__ = cause
            self.failure = error
        self.wake.set()


class _ReadyStatus:
    """The ``task_status`` each child instance gets.

    The first instance's readiness is forwarded to ``nursery.start``; later
    instances (restarts) just record it.
    """

    def __init__(self, child: _Child, outer: trio.TaskStatus[Any] | None) -> None:
        self._child = child
        self._outer = outer
        self.ready = False

    def started(self, value: Any = None) -> None:
        if self.ready:
            raise RuntimeError(f"child {self._child.spec.id!r} called started() twice")
        self.ready = True
        if self._outer is not None:
            self._child.scope.shield = True
            self._outer.started(value)


class Supervisor:
    """Runs ``children`` (``ChildSpec``s) one-for-one; see the module docstring."""

    def __init__(
        self,
        children: Iterable[ChildSpec],
        *,
        name: str = "supervisor",
        intensity: Intensity = Intensity(),
        backoff: Backoff | None = None,
    ) -> None:
        self.children = tuple(children)
        ids = [spec.id for spec in self.children]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"supervisor {name!r}: duplicate child ids {duplicates}")
        self.name = name
        self.intensity = intensity
        self.backoff = backoff
        self._run: _Run | None = None

    def __repr__(self) -> str:
        return f"<Supervisor {self.name!r} children={[s.id for s in self.children]}>"

    @property
    def running(self) -> bool:
        return self._run is not None

    def stop(self) -> None:
        """Ask a running supervisor to stop its children in order; ``run`` then returns.

        Does nothing if it is not running.
        """
        if self._run is not None:
            self._run.wake.set()

    async def run(
        self, *, task_status: trio.TaskStatus[Supervisor] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Start the children, supervise them until stopped, then stop them."""
        if self._run is not None:
            raise RuntimeError(f"supervisor {self.name!r} is already running")
        run = self._run = _Run()
        try:
            async with trio.open_nursery() as nursery:
                try:
                    await self._start_children(nursery, run)
                    if run.failure is None:
                        task_status.started(self)
                        await run.wake.wait()
                finally:
                    run.stopping = True
                    with trio.CancelScope(shield=True):
                        for child in reversed(run.children):
                            await self._stop_child(child)
        finally:
            self._run = None
        if run.failure is not None:
            # Raised after the nursery closed so that it reaches the parent
            # as itself, not wrapped in an ExceptionGroup.
            raise run.failure

    async def _start_children(self, nursery: trio.Nursery, run: _Run) -> None:
        for spec in self.children:
            if run.wake.is_set():
                return  # an earlier child already escalated, or stop() was called
            child = _Child(spec, self.intensity)
            try:
                await nursery.start(self._supervise, run, child)
            except Exception as exc:
                run.fail(ChildStartFailed(self.name, spec.id), exc)
                return
            run.children.append(child)

    async def _supervise(self, run: _Run, child: _Child, task_status: trio.TaskStatus[Any]) -> None:
        spec = child.spec
        first = True
        try:
            with child.scope:
                while True:
                    status = _ReadyStatus(child, task_status if first else None)
                    crash: Exception | None = None
                    child.running = True
                    try:
                        await spec.start(*spec.args, task_status=status)
                    except Exception as exc:
                        if first and not status.ready:
                            raise  # a start failure: nursery.start re-raises it
                        crash = exc
                    finally:
                        child.running = False
                    if not status.ready:
                        status.started()  # returned without reporting ready
                    first = False
                    if run.stopping or child.stopping:
                        if crash is not None:
                            log.warning(
                                "%s: child %r crashed while stopping",
                                self.name, spec.id, exc_info=crash,
                            )
                        return
                    if not spec.restart.wants_restart(crash is not None):
                        self._log_end(spec, crash)
                        return
                    n = child.window.admit()
                    if n is None:
                        log.error(
                            "%s: child %r exceeded its restart intensity; escalating",
                            self.name, spec.id, exc_info=crash,
                        )
                        run.fail(
                            RestartIntensityExceeded(
                                self.name,
                                spec.id,
                                self.intensity.max_restarts,
                                self.intensity.within,
                            ),
                            crash,
                        )
                        return
                    delay = self.backoff.delay(n) if self.backoff is not None else 0.0
                    log.warning(
                        "%s: child %r %s; restart %d in %.3g s",
                        self.name, spec.id, "crashed" if crash else "exited", n, delay,
                        exc_info=crash,
                    )
                    if delay > 0:
                        await trio.sleep(delay)
        finally:
            try:
                if spec.on_terminated is not None:
                    spec.on_terminated()
            finally:
                child.done.set()

    def _log_end(self, spec: ChildSpec, crash: Exception | None) -> None:
        if crash is None:
            log.info("%s: child %r finished (%s)", self.name, spec.id, spec.restart.value)
        else:
            log.warning(
                "%s: child %r crashed (%s, not restarted)", self.name, spec.id, spec.restart.value,
                exc_info=crash,
            )

    async def _stop_child(self, child: _Child) -> None:
        child.stopping = True
        if child.done.is_set():
            return
        spec = child.spec
        if child.running and spec.request_stop is not None:
            try:
                spec.request_stop()
            except Exception:
                log.exception(
                    "%s: request_stop of child %r failed; cancelling it", self.name, spec.id
                )
            else:
                with trio.move_on_after(spec.shutdown):
                    await child.done.wait()
        # Past the deadline (or with no way to ask nicely): cancel.
        child.scope.cancel()
        await child.done.wait()


def supervisor_child(supervisor: Supervisor, *, restart: Restart = Restart.PERMANENT) -> ChildSpec:
    """A ``ChildSpec`` running ``supervisor`` under another supervisor.

    Its id is the supervisor's name. Stopping it stops its own children in
    order, each within its own deadline, so it gets no deadline of its own.
    """
    return ChildSpec(
        id=supervisor.name,
        start=supervisor.run,
        restart=restart,
        shutdown=math.inf,
        request_stop=supervisor.stop,
    )
