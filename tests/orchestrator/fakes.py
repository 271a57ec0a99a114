"""In-memory stand-ins for the dispatcher's boundaries (outbox, writer, pool).

They let the dispatcher run under ``MockClock(autojump_threshold=0)``: no
database I/O and no worker threads, whose waits would let the mock clock
jump while work is still in progress.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import attrs
import trio

from picloud.executor.library import CompiledScript
from picloud.executor.limits import ScriptLimits
from picloud.executor.pool import Job, PoolFull
from picloud.shared.executions import ClaimedExecution, Completion
from picloud.shared.outcome import Outcome

LEASE = dt.timedelta(seconds=15)


@attrs.define
class Row:
    id: uuid.UUID
    status: str = "pending"
    attempts: int = 0
    max_attempts: int = 3
    next_attempt_at: dt.datetime | None = None
    lease_owner: str | None = None
    lease_expires_at: dt.datetime | None = None
    error: object = None
    result: object = None


class FakeOutbox:
    def __init__(self):
        self.rows: dict[uuid.UUID, Row] = {}
        self.claims = 0

    def add(self, now: dt.datetime, *, max_attempts: int = 3, **fields) -> Row:
        row = Row(uuid.uuid4(), max_attempts=max_attempts, next_attempt_at=now, **fields)
        self.rows[row.id] = row
        return row

    async def claim(self, owner, now, limit):
        self.claims += 1
        await trio.lowlevel.checkpoint()
        for row in self.rows.values():
            if row.status == "running" and row.lease_expires_at <= now:
                row.status = "dead_lettered" if row.attempts >= row.max_attempts else "pending"
                row.next_attempt_at, row.lease_owner = now, None
        due = sorted((r for r in self.rows.values() if r.status == "pending" and r.next_attempt_at <= now),
                     key=lambda r: r.next_attempt_at)[:limit]
        for row in due:
            row.status, row.attempts = "running", row.attempts + 1
            row.lease_owner, row.lease_expires_at = owner, now + LEASE
        return [ClaimedExecution(r.id, "script", 1, "http", {"n": 1}, r.attempts, r.max_attempts) for r in due]

    async def next_wake_time(self):
        await trio.lowlevel.checkpoint()
        times = [r.next_attempt_at for r in self.rows.values() if r.status == "pending"]
        times += [r.lease_expires_at for r in self.rows.values() if r.status == "running"]
        return min(times, default=None)

    async def release_leases_of(self, owner, now):
        released = 0
        for row in self.rows.values():
            if row.status == "running" and row.lease_owner == owner:
                row.status, row.next_attempt_at, row.lease_owner = "pending", now, None
                released += 1
        return released


class FakeWriter:
    def __init__(self, outbox: FakeOutbox):
        self.outbox = outbox
        self.completions: list[Completion] = []

    async def insert(self, rows):
        raise NotImplementedError

    async def complete(self, completion: Completion) -> None:
        await trio.lowlevel.checkpoint()
        self.completions.append(completion)
        row = self.outbox.rows[completion.id]
        if row.lease_owner != completion.lease_owner or row.status != "running":
            return  # lease lost, as in the real store
        row.status, row.error, row.result = completion.status, completion.error, completion.result
        row.next_attempt_at, row.lease_owner = completion.next_attempt_at, None


class FakeSlot:
    def __init__(self, pool: FakePool):
        self._pool = pool
        self._released = False

    def release(self):
        if not self._released:
            self._released = True
            self._pool.free += 1


class FakePool:
    """Runs jobs by asking ``behaviour(attempt_number)`` for an outcome, after ``duration`` virtual seconds."""

    def __init__(self, behaviour: Callable[[int], Outcome], *, capacity: int = 4, duration: float = 0.0):
        self.behaviour = behaviour
        self.free = capacity
        self.duration = duration
        self.started_at: list[float] = []
        self._freed = trio.Event()

    def try_reserve(self):
        if self.free == 0:
            raise PoolFull("busy")
        self.free -= 1
        return FakeSlot(self)

    async def reserve(self):
        while self.free == 0:
            await trio.sleep(0.001)
        return self.try_reserve()

    async def run(self, slot, job: Job) -> Outcome:
        try:
            self.started_at.append(trio.current_time())
            await trio.sleep(self.duration)
            return self.behaviour(len(self.started_at))
        finally:
            slot.release()


class FakeLibrary:
    async def get(self, name, version):
        await trio.lowlevel.checkpoint()
        return CompiledScript(name, version, None, ScriptLimits(), 5.0)
