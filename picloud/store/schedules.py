"""Cron schedules (tables ``schedules``, ``schedule_fires``): operations for ``Database.run``.

The control plane creates, reads, changes and deletes schedules; the
scheduler (``picloud/manager/scheduler.py``) reads them all and *fires*
ticks. Firing a tick is one transaction that

1. locks the schedule row and checks that it is still enabled, still has the
   cron expression and time zone the tick was computed from, and has not
   fired this tick or a later one (``last_fired_at``);
2. inserts ``(schedule_id, fire_time)`` into ``schedule_fires`` (primary
   key, ``ON CONFLICT DO NOTHING``);
3. inserts the pending execution row (trigger ``cron``), moves
   ``last_fired_at`` and NOTIFYs ``picloud_outbox``.

So however many schedulers share the database, each (schedule, tick) gives
exactly one execution. All times are parameters (never ``now()``), so a
mock clock drives everything. The migration's trigger NOTIFYs
``picloud_schedules`` when a schedule is created, deleted or changed in a
way that matters for firing (firing itself announces nothing).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg
import attrs

from .database import Database

# Attempts of a cron execution (like a route's default): transient failures
# are retried with the dispatcher's back-off, then dead-lettered.
CRON_MAX_ATTEMPTS = 3


@attrs.frozen
class Schedule:
    id: int
    cron: str
    timezone: str
    script: str
    enabled: bool
    fires_after: dt.datetime
    """Ticks at or before this are never fired (creation, re-enable, cron change)."""
    last_fired_at: dt.datetime | None
    """The tick fired last (its scheduled time)."""
    created_at: dt.datetime
    updated_at: dt.datetime


class UnknownScript(Exception):
    def __init__(self, name: str):
        super().__init__(f"no script named {name!r}")
        self.name = name


def _schedule(row: asyncpg.Record) -> Schedule:
    return Schedule(
        id=row["id"],
        cron=row["cron"],
        timezone=row["timezone"],
        script=row["script_name"],
        enabled=row["enabled"],
        fires_after=row["fires_after"],
        last_fired_at=row["last_fired_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def list_schedules(conn: asyncpg.Connection) -> list[Schedule]:
    return [_schedule(r) for r in await conn.fetch("SELECT * FROM schedules ORDER BY id")]


async def get_schedule(conn: asyncpg.Connection, schedule_id: int) -> Schedule | None:
    row = await conn.fetchrow("SELECT * FROM schedules WHERE id = $1", schedule_id)
    return None if row is None else _schedule(row)


async def _check_script(conn: asyncpg.Connection, name: str) -> None:
    # FOR KEY SHARE: the script cannot be deleted before we commit.
    if not await conn.fetchval("SELECT true FROM scripts WHERE name = $1 FOR KEY SHARE", name):
        raise UnknownScript(name)


async def create_schedule(
    conn: asyncpg.Connection, cron: str, timezone: str, script: str, enabled: bool, now: dt.datetime
) -> Schedule:
    """Insert a schedule; raise :class:`UnknownScript`. Ticks after ``now`` fire."""
    async with conn.transaction():
        await _check_script(conn, script)
        try:
            row = await conn.fetchrow(
                """
                INSERT INTO schedules (cron, timezone, script_name, enabled, fires_after, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING *
                """,
                cron, timezone, script, enabled, now,
            )
        except asyncpg.ForeignKeyViolationError:
            raise UnknownScript(script) from None
        return _schedule(row)


_PATCHABLE = {"cron": "cron", "timezone": "timezone", "script": "script_name", "enabled": "enabled"}


async def update_schedule(
    conn: asyncpg.Connection, schedule_id: int, changes: Mapping[str, Any], now: dt.datetime
) -> Schedule | None:
    """Apply ``changes`` (keys: cron, timezone, script, enabled); ``None`` if unknown.

    A new cron expression or time zone, or enabling a disabled schedule,
    restarts it at ``now``: ticks before the change are not caught up on.
    """
    unknown = set(changes) - set(_PATCHABLE)
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
    async with conn.transaction():
        row = await conn.fetchrow("SELECT * FROM schedules WHERE id = $1 FOR UPDATE", schedule_id)
        if row is None:
            return None
        current = _schedule(row)
        changes = {k: v for k, v in changes.items() if getattr(current, k) != v}
        if not changes:
            return current
        if "script" in changes:
            await _check_script(conn, changes["script"])
        values = {_PATCHABLE[key]: value for key, value in changes.items()}
        if "cron" in changes or "timezone" in changes or changes.get("enabled") is True:
            values["fires_after"] = now
        values["updated_at"] = now
        assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(values, start=2))
        try:
            row = await conn.fetchrow(
                f"UPDATE schedules SET {assignments} WHERE id = $1 RETURNING *", schedule_id, *values.values()
            )
        except asyncpg.ForeignKeyViolationError:
            raise UnknownScript(changes["script"]) from None
        return _schedule(row)


async def delete_schedule(conn: asyncpg.Connection, schedule_id: int) -> bool:
    deleted = await conn.fetchval("DELETE FROM schedules WHERE id = $1 RETURNING id", schedule_id)
    return deleted is not None


# -- firing ------------------------------------------------------------------


@attrs.frozen
class Fire:
    """One tick of one schedule, as the scheduler computed it."""

    schedule_id: int
    cron: str
    timezone: str
    scheduled_for: dt.datetime
    fired_at: dt.datetime
    event: Any
    """What the script sees as ``event``."""
    execution_id: uuid.UUID = attrs.field(factory=uuid.uuid4)


async def fire_schedule(conn: asyncpg.Connection, fire: Fire) -> uuid.UUID | None:
    """Insert the tick's execution row, once; its id, or ``None`` if not fired here.

    ``None`` means another scheduler fired this tick (or a later one), or the
    schedule was deleted, disabled or changed since the tick was computed.
    """
    async with conn.transaction():
        # FOR NO KEY UPDATE: a racing scheduler waits here, then re-checks
        # last_fired_at on the row as we leave it.
        row = await conn.fetchrow(
            """
            SELECT s.script_name, sc.current_version
            FROM schedules s JOIN scripts sc ON sc.name = s.script_name
            WHERE s.id = $1 AND s.enabled AND s.cron = $2 AND s.timezone = $3
              AND s.fires_after < $4 AND (s.last_fired_at IS NULL OR s.last_fired_at < $4)
            FOR NO KEY UPDATE OF s
            """,
            fire.schedule_id, fire.cron, fire.timezone, fire.scheduled_for,
        )
        if row is None:
            return None
        inserted = await conn.fetchval(
            """
            INSERT INTO schedule_fires (schedule_id, fire_time, execution_id, fired_at)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT (schedule_id, fire_time) DO NOTHING
            RETURNING true
            """,
            fire.schedule_id, fire.scheduled_for, fire.execution_id, fire.fired_at,
        )
        if not inserted:
            return None
        await conn.execute(
            """
            INSERT INTO executions (
                id, trigger, route_id, script_name, script_version, dispatch_mode, status,
                attempts, max_attempts, input, next_attempt_at, created_at)
            VALUES ($1, 'cron', NULL, $2, $3, 'async', 'pending', 0, $4, $5::jsonb, $6, $6)
            """,
            fire.execution_id, row["script_name"], row["current_version"], CRON_MAX_ATTEMPTS,
            json.dumps(fire.event, separators=(",", ":")), fire.fired_at,
        )
        await conn.execute(
            "UPDATE schedules SET last_fired_at = $2 WHERE id = $1", fire.schedule_id, fire.scheduled_for
        )
        await conn.execute(
            "DELETE FROM schedule_fires WHERE schedule_id = $1 AND fire_time < $2",
            fire.schedule_id, fire.scheduled_for,
        )
        # Wake the dispatchers of other nodes (ours is woken in memory).
        await conn.execute("SELECT pg_notify('picloud_outbox', '')")
    return fire.execution_id


class PgSchedules:
    """The scheduler's view of the schedules (``picloud.manager.scheduler.ScheduleStore``)."""

    def __init__(self, db: Database):
        self._db = db

    async def load_schedules(self) -> list[Schedule]:
        return await self._db.run(list_schedules)

    async def fire(self, fire: Fire) -> uuid.UUID | None:
        return await self._db.run(fire_schedule, fire)
