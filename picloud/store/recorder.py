"""Group commit for execution rows: many requests, one transaction.

Every sync call ends with a row to insert and every async call starts with
one, and each crossing into the database costs more than the work itself
(design notes, section 8). The recorder is an actor with a bounded mailbox:
whatever arrived while the previous batch was being written goes into the
next one, as a single transaction. Under light load a batch is one item and
adds no delay; under heavy load batches grow and the per-request cost falls.
No timer is involved, so batching never adds latency.

If a batch fails for a reason other than a lost connection, each item is
written again on its own, so one bad row fails only its own request.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import attrs
import trio

from picloud.shared.executions import Completion, NewExecution
from picloud.store.database import Database, DatabaseUnavailable
from picloud.store.kv import DEFAULT_MAX_CHAIN_DEPTH, WriteContext, apply_effects
from picloud.store.outbox import complete_executions, insert_executions

log = logging.getLogger(__name__)


class RecorderStopped(RuntimeError):
    """The recorder is shutting down and takes no more writes."""


@attrs.define(eq=False)
class _Write:
    rows: Sequence[NewExecution] = ()
    completions: Sequence[Completion] = ()
    done: trio.Event = attrs.field(factory=trio.Event)
    result: Any = None
    error: BaseException | None = None

    def finish(self, result: Any = None, error: BaseException | None = None) -> None:
        self.result, self.error = result, error
        self.done.set()


class Recorder:
    def __init__(self, db: Database, *, capacity: int = 4096, max_batch: int = 512,
                 max_chain_depth: int = DEFAULT_MAX_CHAIN_DEPTH):
        self._db = db
        self._max_chain_depth = max_chain_depth
        self._max_batch = max_batch
        self._send, self._receive = trio.open_memory_channel[_Write](capacity)
        self.batches = 0
        self.items = 0

    async def insert(self, rows: Sequence[NewExecution]) -> list[uuid.UUID]:
        """Insert execution rows durably; returns their (possibly deduplicated) ids."""
        return await self._submit(_Write(rows=rows))

    async def complete(self, completion: Completion) -> None:
        await self._submit(_Write(completions=(completion,)))

    async def _submit(self, write: _Write) -> Any:
        try:
            await self._send.send(write)
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            raise RecorderStopped("the recorder is stopped") from None
        await write.done.wait()
        if write.error is not None:
            raise write.error
        return write.result

    def request_stop(self) -> None:
        """Take no new writes; ``run`` returns once the queued ones are written."""
        self._send.close()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        async with self._receive:
            async for first in self._receive:
                batch = [first]
                while len(batch) < self._max_batch:
                    try:
                        batch.append(self._receive.receive_nowait())
                    except (trio.WouldBlock, trio.EndOfChannel):
                        break
                await self._write(batch)

    async def _write(self, batch: list[_Write]) -> None:
        self.batches += 1
        self.items += len(batch)
        try:
            results = await self._db.run(_write_batch, batch, self._max_chain_depth)
        except (DatabaseUnavailable, asyncpg.PostgresError, ValueError, TypeError) as exc:
            if len(batch) == 1 or isinstance(exc, DatabaseUnavailable):
                for write in batch:
                    write.finish(error=exc)
                return
            log.warning("batch of %d writes failed (%s); writing them one by one", len(batch), exc)
            for write in batch:
                await self._write([write])
            return
        for write, result in zip(batch, results):
            write.finish(result)


async def _write_batch(conn: asyncpg.Connection, batch: list[_Write], max_chain_depth: int) -> list[Any]:
    rows = [row for write in batch for row in write.rows]
    completions = [c for write in batch for c in write.completions]
    async with conn.transaction():
        ids = await insert_executions(conn, rows) if rows else []
        for row in rows:
            if row.effects:
                await apply_effects(conn, row.effects, WriteContext(
                    source="script", now=row.finished_at or row.created_at, execution_id=row.id,
                    chain_depth=row.chain_depth, max_chain_depth=max_chain_depth))
        if completions:
            await complete_executions(conn, completions, max_chain_depth=max_chain_depth)
    results: list[Any] = []
    offset = 0
    for write in batch:
        results.append(ids[offset : offset + len(write.rows)] if write.rows else None)
        offset += len(write.rows)
    return results
