"""The dispatcher: runs outbox rows (async invocations, retries) to completion.

It sleeps until there is something to do: a wake from the ingress (a new
pending row on this node), a NOTIFY from another node, or the time of the
next due retry or lease expiry, which it reads from the database. Nothing
polls. Retry times are database state (``next_attempt_at``), not sleeping
tasks, so they survive restarts.

Each claimed row runs on the executor pool; its outcome decides the row's
next state:

- success -> ``succeeded``; a deliberate ``throw`` -> ``failed`` at once;
- any other failure with attempts left -> ``pending`` again at
  ``now + backoff`` (exponential, with jitter);
- otherwise -> ``dead_lettered`` with its last error.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import trio

from picloud.executor.convert import from_json_value
from picloud.executor.kv_session import KvSession
from picloud.executor.library import ScriptLibrary, ScriptMissing
from picloud.executor.pool import ExecutorPool, Job, PoolFull, Slot
from picloud.shared import observe
from picloud.shared.clock import SystemClock, WallClock
from picloud.shared.executions import ClaimedExecution, Completion
from picloud.shared.outcome import Outcome, OutcomeKind
from picloud.shared.kv import KvReader
from picloud.shared.protocols import ExecutionWriter, Outbox

from .ingress import cap_result

log = logging.getLogger(__name__)

MIN_IDLE_SECONDS = 0.05


@attrs.frozen
class RetryPolicy:
    base_seconds: float = 1.0
    max_seconds: float = 300.0
    jitter: float = 0.2
    """Each delay is scaled by a random factor in [1 - jitter, 1 + jitter]."""

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        raw = min(self.max_seconds, self.base_seconds * 2 ** (attempt - 1))
        return raw * rng.uniform(1 - self.jitter, 1 + self.jitter)


def next_state(claimed: ClaimedExecution, outcome: Outcome, now: dt.datetime, owner: str,
               policy: RetryPolicy, rng: random.Random) -> Completion:
    """What an attempt's outcome does to its row."""
    next_attempt_at = None
    if outcome.succeeded:
        status = "succeeded"
    elif not outcome.kind.retryable:
        status = "failed"
    elif claimed.attempts < claimed.max_attempts:
        status = "pending"
        next_attempt_at = now + dt.timedelta(seconds=policy.delay(claimed.attempts, rng))
    else:
        status = "dead_lettered"
    return Completion(
        id=claimed.id, lease_owner=owner, status=status, http_status=outcome.kind.http_status,
        result=cap_result(outcome.value) if outcome.succeeded else None, error=outcome.error,
        logs=outcome.logs, finished_at=now,
        next_attempt_at=next_attempt_at,
    )


Subscribe = Callable[[str], Awaitable[trio.MemoryReceiveChannel]]


class Dispatcher:
    def __init__(
        self,
        outbox: Outbox,
        writer: ExecutionWriter,
        library: ScriptLibrary,
        pool: ExecutorPool,
        *,
        node_id: str,
        clock: WallClock | None = None,
        policy: RetryPolicy = RetryPolicy(),
        rng: random.Random | None = None,
        subscribe: Subscribe | None = None,
        max_batch: int = 32,
        kv_reader: KvReader | None = None,
    ):
        self._outbox = outbox
        self._writer = writer
        self._library = library
        self._pool = pool
        self.node_id = node_id
        self._clock = clock or SystemClock()
        self._policy = policy
        self._rng = rng or random.Random()
        self._subscribe = subscribe
        self._max_batch = max_batch
        self._kv_reader = kv_reader
        self._woken = trio.Event()
        self._stopping = False
        self._reserve_scope: trio.CancelScope | None = None
        self._forwarding = trio.CancelScope()
        self.attempts_started = 0

    def wake(self) -> None:
        """Something may be due now. Cheap, never blocks, coalesces."""
        self._woken.set()

    def request_stop(self) -> None:
        """Claim nothing more; running attempts finish (bounded by their timeouts)."""
        self._stopping = True
        self._woken.set()
        if self._reserve_scope is not None:
            self._reserve_scope.cancel()

    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        # Rows this node had claimed before it was restarted will never finish.
        released = await self._outbox.release_leases_of(self.node_id, self._clock.now())
        if released:
            log.warning("released %d execution(s) left running by an earlier run of this node", released)
        async with trio.open_nursery() as attempts:
            if self._subscribe is not None:
                attempts.start_soon(self._forward_notifications, await self._subscribe("picloud_outbox"))
            task_status.started()
            await self._loop(attempts)
            # Leaving the nursery waits for running attempts to finish and record.
            self._forwarding.cancel()

    async def _forward_notifications(self, channel: trio.MemoryReceiveChannel) -> None:
        with self._forwarding:
            async with channel:
                async for _ in channel:
                    self.wake()

    async def _loop(self, attempts: trio.Nursery) -> None:
        while not self._stopping:
            self._woken = trio.Event()
            slots = await self._reserve_slots()
            if self._stopping:
                for slot in slots:
                    slot.release()
                return
            claimed = await self._outbox.claim(self.node_id, self._clock.now(), len(slots))
            for row, slot in zip(claimed, slots):
                attempts.start_soon(self._attempt, row, slot)
            for slot in slots[len(claimed):]:
                slot.release()
            if len(claimed) == len(slots):
                continue  # there may be more due work right now
            due = await self._outbox.next_wake_time()
            delay = float("inf") if due is None else (due - self._clock.now()).total_seconds()
            # Work can be due yet unclaimable for a moment (another node holds
            # its row lock mid-claim): never spin on it.
            with trio.move_on_after(max(delay, MIN_IDLE_SECONDS)):
                await self._woken.wait()

    async def _reserve_slots(self) -> list[Slot]:
        """At least one executor slot (waiting for it), plus any others free now."""
        with trio.CancelScope() as scope:
            self._reserve_scope = scope
            slots = [await self._pool.reserve()]
        self._reserve_scope = None
        if scope.cancelled_caught:
            return []
        while len(slots) < self._max_batch:
            try:
                slots.append(self._pool.try_reserve())
            except PoolFull:
                break
        return slots

    async def _attempt(self, claimed: ClaimedExecution, slot: Slot) -> None:
        self.attempts_started += 1
        effects = None
        try:
            script = await self._library.get(claimed.script_name, claimed.script_version)
        except ScriptMissing as exc:
            slot.release()
            outcome = Outcome(OutcomeKind.SCRIPT_FAILURE, error={"kind": "script_failure", "message": str(exc)})
            # Retrying cannot bring a deleted script back.
            claimed = attrs.evolve(claimed, max_attempts=claimed.attempts)
        else:
            variable = "request" if claimed.trigger == "http" else "event"
            kv = KvSession(self._kv_reader) if self._kv_reader is not None else None
            job = Job(script.ast, script.limits, script.timeout_seconds,
                      {variable: from_json_value(claimed.input)}, kv)
            outcome = await self._pool.run(slot, job)
            if kv is not None and outcome.succeeded and kv.effects:
                effects = kv.effects
        completion = next_state(claimed, outcome, self._clock.now(), self.node_id, self._policy, self._rng)
        completion = attrs.evolve(completion, effects=effects, chain_depth=claimed.chain_depth)
        try:
            await self._writer.complete(completion)
        except Exception:
            # The lease will expire and the row will be retried: nothing is lost.
            log.exception("could not record the outcome of execution %s", claimed.id)
        observe.execution_finished(claimed.id, claimed.script_name, claimed.trigger, outcome, completion.status,
                                   claimed.attempts)
        if completion.status == "pending":
            self.wake()  # our own retry may be due before what we planned to sleep for
