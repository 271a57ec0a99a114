"""The executor pool: N executor actors, each running scripts in a worker thread.

Capacity is counted, not discovered: the pool holds ``size * (1 + queue)``
slots (one running and ``queue`` waiting per executor). A sync request takes a
slot with :meth:`ExecutorPool.try_reserve`, which fails at once when every
slot is taken (the caller answers 503); the async dispatcher waits for one
with :meth:`reserve`. A job then goes to the least-loaded executor, whose
mailbox is sized so that a reserved job always fits.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import attrs
import rhai
import trio

from actors import Actor, ActorCrashed, ActorError, ChildSpec, Mailbox, Reply, actor_child
from picloud.shared.outcome import Outcome, OutcomeKind

from .kv_session import KvSession
from .limits import ScriptLimits
from .runner import run_script


class PoolFull(Exception):
    """Every executor is busy and every queue slot is taken."""


@attrs.frozen
class Job:
    ast: rhai.AST
    limits: ScriptLimits
    timeout_seconds: float
    variables: dict[str, Any]
    kv: KvSession | None = None


@attrs.frozen
class RunScript:
    job: Job
    reply_to: Reply[Outcome]


class Executor(Actor[RunScript]):
    """Runs one script at a time in a worker thread.

    The thread cannot be cancelled, which is why the engine enforces the
    script's deadline itself: waiting for the thread is always bounded.
    """

    def __init__(self, limiter: trio.CapacityLimiter):
        self._limiter = limiter

    async def handle(self, msg: RunScript) -> None:
        job = msg.job
        outcome = await trio.to_thread.run_sync(
            functools.partial(run_script, job.ast, job.limits, job.timeout_seconds, job.variables, job.kv),
            limiter=self._limiter,
        )
        msg.reply_to.send(outcome)


class Slot:
    """A reserved place in the pool; released when its job ends."""

    __slots__ = ("_pool", "_released")

    def __init__(self, pool: ExecutorPool):
        self._pool = pool
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._pool._slots.release()


class ExecutorPool:
    def __init__(self, size: int = 4, queue: int = 4):
        if size < 1 or queue < 0:
            raise ValueError("an executor pool needs size >= 1 and queue >= 0")
        self.size = size
        self.capacity = size * (1 + queue)
        self._slots = trio.Semaphore(self.capacity)
        self._limiter = trio.CapacityLimiter(size)
        self._mailboxes = [Mailbox[RunScript](f"executor-{i}", capacity=queue + 1) for i in range(size)]
        self._in_flight = [0] * size
        self.draining = False

    def child_specs(self, *, shutdown: float = 10.0) -> Iterator[ChildSpec]:
        for i, mailbox in enumerate(self._mailboxes):
            yield actor_child(f"executor-{i}", functools.partial(Executor, self._limiter), mailbox,
                              shutdown=shutdown)

    @property
    def busy(self) -> int:
        """Jobs running or queued right now."""
        return self.capacity - self._slots.value

    def try_reserve(self) -> Slot:
        if self.draining:
            raise PoolFull("the node is shutting down")
        try:
            self._slots.acquire_nowait()
        except trio.WouldBlock:
            raise PoolFull(f"all {self.capacity} executor slots are busy") from None
        return Slot(self)

    async def reserve(self) -> Slot:
        await self._slots.acquire()
        return Slot(self)

    async def run(self, slot: Slot, job: Job) -> Outcome:
        """Run ``job`` on the least-loaded executor; release ``slot`` when done."""
        index = min(range(self.size), key=self._in_flight.__getitem__)
        self._in_flight[index] += 1
        try:
            return await self._mailboxes[index].ref.ask(RunScript, job)
        except ActorCrashed as exc:
            return Outcome(OutcomeKind.INTERNAL, error={"kind": "internal", "message": f"executor crashed: {exc}"})
        except ActorError as exc:
            return Outcome(OutcomeKind.UNAVAILABLE, error={"kind": "unavailable", "message": str(exc)})
        finally:
            self._in_flight[index] -= 1
            slot.release()
