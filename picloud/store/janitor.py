"""Keeps the executions table bounded.

Once an hour (a timer, not polling for work): finished executions
(``succeeded``/``failed``) older than the retention period are deleted, the
oldest beyond ``max_rows`` too, and idempotency keys older than 24 hours are
forgotten so the same key may be used again. Dead letters are kept until an
operator retries or discards them.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import asyncpg
import attrs
import trio

from picloud.shared.clock import SystemClock, WallClock

from .database import Database

log = logging.getLogger(__name__)

IDEMPOTENCY_WINDOW = dt.timedelta(hours=24)


@attrs.frozen
class Retention:
    max_age: dt.timedelta = dt.timedelta(days=7)
    max_rows: int = 1_000_000
    interval_seconds: float = 3600.0


@attrs.frozen
class SweepReport:
    expired: int
    over_cap: int
    keys_forgotten: int


async def sweep(conn: asyncpg.Connection, now: dt.datetime, retention: Retention) -> SweepReport:
    async with conn.transaction():
        expired = await conn.execute(
            """DELETE FROM executions
               WHERE status IN ('succeeded', 'failed') AND created_at < $1::timestamptz""",
            now - retention.max_age,
        )
        over_cap = await conn.execute(
            """DELETE FROM executions WHERE id IN (
                   SELECT id FROM executions WHERE status IN ('succeeded', 'failed')
                   ORDER BY created_at DESC, id DESC OFFSET $1)""",
            retention.max_rows,
        )
        forgotten = await conn.execute(
            """UPDATE executions SET idempotency_key = NULL
               WHERE idempotency_key IS NOT NULL AND created_at < $1::timestamptz""",
            now - IDEMPOTENCY_WINDOW,
        )
    return SweepReport(*(int(status.split()[-1]) for status in (expired, over_cap, forgotten)))


class Janitor:
    def __init__(self, db: Database, retention: Retention = Retention(), clock: WallClock | None = None):
        self._db = db
        self._retention = retention
        self._clock = clock or SystemClock()
        self.sweeps = 0

    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        while True:
            try:
                report = await self._db.run(sweep, self._clock.now(), self._retention)
                self.sweeps += 1
                if report.expired or report.over_cap:
                    log.info("retention: deleted %d expired and %d surplus executions",
                             report.expired, report.over_cap)
            except Exception:
                log.exception("retention sweep failed; trying again at the next interval")
            await trio.sleep(self._retention.interval_seconds)
