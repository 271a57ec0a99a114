"""The KV store in PostgreSQL: reads, transactional effects, and KV triggers.

:func:`apply_effects` runs inside the transaction that records an execution's
outcome (or a control-plane write). It locks the keys it touches in a fixed
order (no deadlocks between concurrent writers), applies sets, deletes and
atomic increments, and inserts one pending execution per matching trigger, in
the same transaction: a committed write fires its triggers exactly once, and
an uncommitted one fires none.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import attrs

from picloud.shared.executions import NewExecution
from picloud.shared.kv import KvEffects

from .database import Database

DEFAULT_MAX_CHAIN_DEPTH = 8
# First key of the two-key advisory locks on KV keys (a key space apart from
# the one-key locks of routes, tokens and migrations).
KV_LOCK_CLASS = 0x4B56


@attrs.frozen
class WriteContext:
    """Who is writing, for trigger events and the chain bound."""

    source: str  # "script" or "api"
    now: dt.datetime
    execution_id: uuid.UUID | None = None
    chain_depth: int = 0
    max_chain_depth: int = DEFAULT_MAX_CHAIN_DEPTH


@attrs.frozen
class AppliedWrite:
    op: str
    key: str
    value: Any
    old_value: Any


# -- reads -------------------------------------------------------------------------


async def get_value_json(conn: asyncpg.Connection, key: str) -> str | None:
    return await conn.fetchval("SELECT value::text FROM kv WHERE key = $1", key)


def _prefix_bounds(prefix: str) -> tuple[str, str | None]:
    """[low, high) covering every key that starts with ``prefix`` (byte order)."""
    if not prefix:
        return "", None
    last = prefix[-1]
    if ord(last) == 0x10FFFF:
        return prefix, None
    return prefix, prefix[:-1] + chr(ord(last) + 1)


async def list_keys(conn: asyncpg.Connection, prefix: str, limit: int, after: str | None = None) -> list[str]:
    low, high = _prefix_bounds(prefix)
    rows = await conn.fetch(
        """SELECT key FROM kv
           WHERE key >= $1 AND ($2::text IS NULL OR key < $2) AND ($3::text IS NULL OR key > $3)
           ORDER BY key LIMIT $4""",
        low, high, after, limit,
    )
    return [row["key"] for row in rows]


async def list_entries(conn: asyncpg.Connection, prefix: str, limit: int, after: str | None) -> list[dict]:
    low, high = _prefix_bounds(prefix)
    rows = await conn.fetch(
        """SELECT key, value::text AS value, updated_at FROM kv
           WHERE key >= $1 AND ($2::text IS NULL OR key < $2) AND ($3::text IS NULL OR key > $3)
           ORDER BY key LIMIT $4""",
        low, high, after, limit,
    )
    return [{"key": r["key"], "value": json.loads(r["value"]), "updated_at": r["updated_at"]} for r in rows]


async def get_entry(conn: asyncpg.Connection, key: str) -> dict | None:
    row = await conn.fetchrow("SELECT key, value::text AS value, updated_at FROM kv WHERE key = $1", key)
    if row is None:
        return None
    return {"key": row["key"], "value": json.loads(row["value"]), "updated_at": row["updated_at"]}


class PgKvReader:
    """``KvReader`` for executing scripts: committed state only."""

    def __init__(self, db: Database):
        self._db = db

    async def get(self, key: str) -> str | None:
        return await self._db.run(get_value_json, key)

    async def keys(self, prefix: str, limit: int) -> list[str]:
        return await self._db.run(list_keys, prefix, limit)


# -- writes ------------------------------------------------------------------------


async def apply_effects(conn: asyncpg.Connection, effects: KvEffects, context: WriteContext) -> list[AppliedWrite]:
    """Apply buffered effects and fire triggers. Must run inside a transaction."""
    keys = sorted(set(effects.writes) | set(effects.increments))
    if not keys:
        return []
    # Row locks only cover keys that exist: two writers inserting the same new
    # keys in different orders (or one as a set, the other as an increment)
    # would deadlock. Take a transaction-level advisory lock per key first, in
    # one global order (by hash; a collision only serialises two keys).
    await conn.execute(
        """SELECT pg_advisory_xact_lock($1::int, h)
           FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($2::text[]) AS k) AS hashes ORDER BY h""",
        KV_LOCK_CLASS, keys,
    )
    rows = await conn.fetch(
        "SELECT key, value::text AS value FROM kv WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE", keys
    )
    old = {row["key"]: json.loads(row["value"]) for row in rows}
    applied: list[AppliedWrite] = []
    sets = [(k, w.value_json) for k, w in effects.writes.items() if w.op == "set"]
    if sets:
        await conn.executemany(
            """INSERT INTO kv (key, value, updated_at) VALUES ($1, $2::jsonb, $3)
               ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at""",
            [(k, text, context.now) for k, text in sets],
        )
        applied += [AppliedWrite("set", k, json.loads(text), old.get(k)) for k, text in sets]
    deletes = [k for k, w in effects.writes.items() if w.op == "delete" and k in old]
    if deletes:
        await conn.execute("DELETE FROM kv WHERE key = ANY($1::text[])", deletes)
        applied += [AppliedWrite("delete", k, None, old[k]) for k in deletes]
    for key, delta in sorted(effects.increments.items()):
        new_text = await conn.fetchval(
            """INSERT INTO kv (key, value, updated_at) VALUES ($1, to_jsonb($2::bigint), $3)
               ON CONFLICT (key) DO UPDATE
                   SET value = to_jsonb((kv.value #>> '{}')::bigint + $2::bigint), updated_at = $3
               RETURNING value::text""",
            key, delta, context.now,
        )
        applied.append(AppliedWrite("set", key, json.loads(new_text), old.get(key)))
    await fire_triggers(conn, applied, context)
    return applied


async def fire_triggers(conn: asyncpg.Connection, writes: Sequence[AppliedWrite], context: WriteContext) -> int:
    """Insert one execution per (write, matching trigger). Returns how many."""
    from .outbox import insert_executions  # the outbox owns execution inserts

    if not writes:
        return 0
    triggers = await conn.fetch(
        """SELECT t.id, t.pattern, t.script_name, t.ops, t.max_attempts, s.current_version
           FROM kv_triggers t JOIN scripts s ON s.name = t.script_name ORDER BY t.id"""
    )
    if not triggers:
        return 0
    depth = context.chain_depth + 1
    too_deep = depth > context.max_chain_depth
    rows = []
    for write in writes:
        for trigger in triggers:
            if write.op not in trigger["ops"] or not fnmatch.fnmatchcase(write.key, trigger["pattern"]):
                continue
            event = {
                "op": write.op, "key": write.key, "value": write.value, "old_value": write.old_value,
                "execution_id": str(context.execution_id) if context.execution_id else None,
                "source": context.source,
            }
            rows.append(NewExecution(
                id=uuid.uuid4(), trigger="kv", route_id=None, script_name=trigger["script_name"],
                script_version=trigger["current_version"], dispatch_mode="async",
                status="dead_lettered" if too_deep else "pending", input=event, created_at=context.now,
                max_attempts=trigger["max_attempts"], next_attempt_at=None if too_deep else context.now,
                finished_at=context.now if too_deep else None, chain_depth=depth, trigger_id=trigger["id"],
                error={"kind": "chain_too_deep", "message":
                       f"trigger chain deeper than {context.max_chain_depth}: a trigger script keeps "
                       f"writing keys that fire triggers (key {write.key!r}, trigger {trigger['id']})"}
                if too_deep else None,
            ))
    if rows:
        await insert_executions(conn, rows)
    return len(rows)
