"""The executions table as the dispatcher's outbox: insert, claim, complete.

A ``pending`` row is work to do. A dispatcher claims rows with
``FOR UPDATE SKIP LOCKED`` and a lease (``running``), so several processes
never run the same attempt; a lease that expires (its node died) returns the
row to ``pending``, or dead-letters it when it has no attempts left. Every
operation takes the current time as a parameter instead of using ``now()``:
the dispatcher's clock is then the only clock, which lets tests drive
retries and leases with a mock clock.

These are asyncpg operations for :meth:`Database.run`.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from picloud.shared.executions import ClaimedExecution, Completion, NewExecution
from picloud.store.database import Database

LEASE_GRACE_SECONDS = 10.0
NODE_LOST_ERROR = json.dumps(
    {"kind": "internal", "message": "the process running this attempt stopped before it finished"}
)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"))


_INSERT = """
    INSERT INTO executions (
        id, trigger, route_id, script_name, script_version, dispatch_mode, status,
        attempts, max_attempts, input, next_attempt_at, idempotency_key, http_status,
        result, error, logs, created_at, started_at, finished_at, chain_depth, trigger_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13,
            $14::jsonb, $15::jsonb, $16::jsonb, $17, $18, $19, $20, $21)
    ON CONFLICT (route_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
"""


def _insert_args(row: NewExecution) -> tuple:
    return (
        row.id, row.trigger, row.route_id, row.script_name, row.script_version, row.dispatch_mode,
        row.status, row.attempts, row.max_attempts, _json(row.input), row.next_attempt_at,
        row.idempotency_key, row.http_status, _json(row.result), _json(row.error),
        _json(list(row.logs)), row.created_at, row.started_at, row.finished_at, row.chain_depth,
        row.trigger_id,
    )


async def insert_executions(conn: asyncpg.Connection, rows: Sequence[NewExecution]) -> list[uuid.UUID]:
    """Insert rows; return each row's execution id.

    A row whose idempotency key was already used on its route is not
    inserted; its returned id is the one of the first request with that key.
    """
    await conn.executemany(_INSERT, [_insert_args(row) for row in rows])
    ids = [row.id for row in rows]
    keyed = [(i, row) for i, row in enumerate(rows) if row.idempotency_key is not None]
    if keyed:
        found = await conn.fetch(
            """SELECT route_id, idempotency_key, id FROM executions
               WHERE (route_id, idempotency_key) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))""",
            [row.route_id for _, row in keyed],
            [row.idempotency_key for _, row in keyed],
        )
        existing = {(r["route_id"], r["idempotency_key"]): r["id"] for r in found}
        for i, row in keyed:
            ids[i] = existing.get((row.route_id, row.idempotency_key), row.id)
    if any(row.status == "pending" for row in rows):
        # Wake the dispatchers of other nodes (ours is woken in memory).
        await conn.execute("SELECT pg_notify('picloud_outbox', '')")
    return ids


async def release_expired_leases(conn: asyncpg.Connection, now: dt.datetime) -> int:
    """Return rows whose lease ran out to pending, or dead-letter them."""
    result = await conn.execute(
        """UPDATE executions SET
               status = CASE WHEN attempts >= max_attempts THEN 'dead_lettered' ELSE 'pending' END,
               next_attempt_at = $1::timestamptz, lease_owner = NULL, lease_expires_at = NULL,
               error = $2::jsonb,
               finished_at = CASE WHEN attempts >= max_attempts THEN $1::timestamptz END
           WHERE status = 'running' AND lease_expires_at <= $1::timestamptz""",
        now,
        NODE_LOST_ERROR,
    )
    return int(result.split()[-1])


async def release_leases_of(conn: asyncpg.Connection, owner: str, now: dt.datetime) -> int:
    """At start-up: leases held by an earlier run of this same node are void."""
    result = await conn.execute(
        """UPDATE executions SET
               status = CASE WHEN attempts >= max_attempts THEN 'dead_lettered' ELSE 'pending' END,
               next_attempt_at = $2::timestamptz, lease_owner = NULL, lease_expires_at = NULL,
               error = $3::jsonb,
               finished_at = CASE WHEN attempts >= max_attempts THEN $2::timestamptz END
           WHERE status = 'running' AND lease_owner = $1""",
        owner,
        now,
        NODE_LOST_ERROR,
    )
    return int(result.split()[-1])


async def claim_executions(
    conn: asyncpg.Connection, owner: str, now: dt.datetime, limit: int
) -> list[ClaimedExecution]:
    """Lease up to ``limit`` due pending rows to ``owner``, oldest due first."""
    async with conn.transaction():
        await release_expired_leases(conn, now)
        rows = await conn.fetch(
            """UPDATE executions e SET
                   status = 'running', attempts = e.attempts + 1, lease_owner = $1,
                   lease_expires_at = $2::timestamptz
                       + make_interval(secs => v.timeout_seconds + $4),
                   started_at = $2
               FROM (SELECT id FROM executions
                     WHERE status = 'pending' AND next_attempt_at <= $2
                     ORDER BY next_attempt_at LIMIT $3
                     FOR UPDATE SKIP LOCKED) due,
                    script_versions v
               WHERE e.id = due.id AND v.script_name = e.script_name AND v.version = e.script_version
               RETURNING e.id, e.script_name, e.script_version, e.trigger, e.input::text AS input,
                         e.attempts, e.max_attempts, e.chain_depth""",
            owner,
            now,
            limit,
            LEASE_GRACE_SECONDS,
        )
    return [
        ClaimedExecution(
            id=r["id"], script_name=r["script_name"], script_version=r["script_version"],
            trigger=r["trigger"], input=json.loads(r["input"]), attempts=r["attempts"],
            max_attempts=r["max_attempts"], chain_depth=r["chain_depth"],
        )
        for r in rows
    ]


async def next_wake_time(conn: asyncpg.Connection) -> dt.datetime | None:
    """When the dispatcher has something to do next: a due retry or a lease to reclaim."""
    return await conn.fetchval(
        """SELECT min(t) FROM (
               SELECT min(next_attempt_at) AS t FROM executions WHERE status = 'pending'
               UNION ALL
               SELECT min(lease_expires_at) FROM executions WHERE status = 'running'
           ) due"""
    )


_COMPLETE = """
    UPDATE executions SET
        status = $3::text, http_status = $4, result = $5::jsonb, error = $6::jsonb, logs = $7::jsonb,
        finished_at = CASE WHEN $3::text = 'pending' THEN NULL ELSE $8::timestamptz END,
        next_attempt_at = $9::timestamptz, lease_owner = NULL, lease_expires_at = NULL
    WHERE id = $1 AND lease_owner = $2 AND status = 'running'
"""


def _complete_args(c: Completion) -> tuple:
    return (c.id, c.lease_owner, c.status, c.http_status, _json(c.result), _json(c.error),
            _json(list(c.logs)), c.finished_at, c.next_attempt_at)


async def complete_executions(
    conn: asyncpg.Connection, completions: Sequence[Completion], *, max_chain_depth: int
) -> None:
    """Record attempt outcomes. A row whose lease we lost is left alone.

    A completion carrying KV effects commits them only if its own row update
    matched, i.e. it still held the lease: an attempt that was given up on
    (and maybe re-run elsewhere) never writes. Must run inside a transaction.
    """
    from .kv import WriteContext, apply_effects

    plain = [c for c in completions if not c.effects]
    if plain:
        await conn.executemany(_COMPLETE, [_complete_args(c) for c in plain])
    for c in completions:
        if not c.effects:
            continue
        status = await conn.execute(_COMPLETE, *_complete_args(c))
        if status.split()[-1] == "1":
            await apply_effects(conn, c.effects, WriteContext(
                source="script", now=c.finished_at, execution_id=c.id, chain_depth=c.chain_depth,
                max_chain_depth=max_chain_depth))
    if any(c.status == "pending" for c in completions):
        await conn.execute("SELECT pg_notify('picloud_outbox', '')")


class PgOutbox:
    """The dispatcher's view of the outbox (``picloud.shared.protocols.Outbox``)."""

    def __init__(self, db: Database):
        self._db = db

    async def claim(self, owner: str, now: dt.datetime, limit: int) -> list[ClaimedExecution]:
        return await self._db.run(claim_executions, owner, now, limit)

    async def next_wake_time(self) -> dt.datetime | None:
        return await self._db.run(next_wake_time)

    async def release_leases_of(self, owner: str, now: dt.datetime) -> int:
        return await self._db.run(release_leases_of, owner, now)
