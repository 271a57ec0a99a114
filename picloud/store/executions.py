"""Executions, read side and dead letters: operations for ``Database.run``.

The dispatcher's claim/complete operations live elsewhere; this module reads
execution rows for the control plane and handles dead-lettered ones
(re-enqueue or discard). Lists are newest first, ordered by
``(created_at, id)`` descending (index ``executions_newest``), and paged by
keyset: the caller passes the ``(created_at, id)`` of the last row it saw.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import asyncpg
import attrs

STATUSES = ("pending", "running", "succeeded", "failed", "dead_lettered")

PageKey = tuple[dt.datetime, uuid.UUID]


@attrs.frozen
class Execution:
    id: uuid.UUID
    status: str
    trigger: str
    route_id: int | None
    script: str
    version: int
    dispatch_mode: str
    attempts: int
    max_attempts: int
    http_status: int | None
    result: Any
    error: Any
    logs: list
    input: Any
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    next_attempt_at: dt.datetime | None

    @property
    def page_key(self) -> PageKey:
        return self.created_at, self.id


@attrs.frozen
class Page:
    executions: list[Execution]
    next: PageKey | None
    """Key to pass as ``before`` for the next page; ``None`` on the last page."""


def _json(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def _execution(row: asyncpg.Record) -> Execution:
    return Execution(
        id=row["id"],
        status=row["status"],
        trigger=row["trigger"],
        route_id=row["route_id"],
        script=row["script_name"],
        version=row["script_version"],
        dispatch_mode=row["dispatch_mode"],
        attempts=row["attempts"],
        max_attempts=row["max_attempts"],
        http_status=row["http_status"],
        result=_json(row["result"]),
        error=_json(row["error"]),
        logs=_json(row["logs"]) or [],
        input=_json(row["input"]),
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        next_attempt_at=row["next_attempt_at"],
    )


async def list_executions(
    conn: asyncpg.Connection,
    *,
    route_id: int | None = None,
    script: str | None = None,
    status: str | None = None,
    limit: int = 50,
    before: PageKey | None = None,
) -> Page:
    """One page of executions, newest first, filtered by any of the arguments."""
    conditions, args = [], []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if route_id is not None:
        conditions.append(f"route_id = {arg(route_id)}")
    if script is not None:
        conditions.append(f"script_name = {arg(script)}")
    if status is not None:
        conditions.append(f"status = {arg(status)}")
    if before is not None:
        conditions.append(f"(created_at, id) < ({arg(before[0])}, {arg(before[1])})")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = await conn.fetch(
        f"SELECT * FROM executions {where} ORDER BY created_at DESC, id DESC LIMIT {arg(limit + 1)}", *args
    )
    executions = [_execution(row) for row in rows[:limit]]
    more = len(rows) > limit
    return Page(executions, executions[-1].page_key if more and executions else None)


async def get_execution(conn: asyncpg.Connection, execution_id: uuid.UUID) -> Execution | None:
    row = await conn.fetchrow("SELECT * FROM executions WHERE id = $1", execution_id)
    return None if row is None else _execution(row)


async def get_dead_letter(conn: asyncpg.Connection, execution_id: uuid.UUID) -> Execution | None:
    row = await conn.fetchrow(
        "SELECT * FROM executions WHERE id = $1 AND status = 'dead_lettered'", execution_id
    )
    return None if row is None else _execution(row)


class RetryRefused(Exception):
    """The dead letter cannot be retried (its script or version is gone)."""


async def retry_dead_letter(
    conn: asyncpg.Connection, execution_id: uuid.UUID, version: int | None = None
) -> Execution | None:
    """Re-enqueue a dead-lettered execution under the same id.

    It becomes ``pending`` with ``attempts = 0`` and is claimable at once; the
    lease, result, HTTP status and timings are cleared, while ``error`` and
    ``logs`` of the last attempt are kept until the next attempt records its
    own. It runs the script's *current* version (the usual "fix, then redrive"
    flow), or ``version`` when given. ``None`` if no such dead letter exists;
    :class:`RetryRefused` if the script or the version no longer exists.
    """
    async with conn.transaction():
        row = await conn.fetchrow(
            "SELECT script_name FROM executions WHERE id = $1 AND status = 'dead_lettered' FOR UPDATE",
            execution_id,
        )
        if row is None:
            return None
        script = row["script_name"]
        if version is None:
            version = await conn.fetchval(
                "SELECT current_version FROM scripts WHERE name = $1 FOR KEY SHARE", script
            )
            if version is None:
                raise RetryRefused(f"script {script!r} no longer exists")
        elif not await conn.fetchval(
            "SELECT true FROM script_versions WHERE script_name = $1 AND version = $2", script, version
        ):
            raise RetryRefused(f"script {script!r} has no version {version}")
        row = await conn.fetchrow(
            """
            UPDATE executions
               SET status = 'pending', attempts = 0, next_attempt_at = now(),
                   script_version = $2,
                   lease_owner = NULL, lease_expires_at = NULL,
                   http_status = NULL, result = NULL,
                   started_at = NULL, finished_at = NULL
             WHERE id = $1
            RETURNING *
            """,
            execution_id, version,
        )
        return _execution(row)


async def delete_dead_letter(conn: asyncpg.Connection, execution_id: uuid.UUID) -> bool:
    deleted = await conn.fetchval(
        "DELETE FROM executions WHERE id = $1 AND status = 'dead_lettered' RETURNING id", execution_id
    )
    return deleted is not None
