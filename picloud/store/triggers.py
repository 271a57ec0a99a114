"""KV triggers: CRUD for the control plane (firing lives in store/kv.py)."""

from __future__ import annotations

import datetime as dt

import asyncpg
import attrs


@attrs.frozen
class Trigger:
    id: int
    pattern: str
    script: str
    ops: list[str]
    max_attempts: int
    created_at: dt.datetime


class UnknownScript(LookupError):
    pass


def _trigger(row: asyncpg.Record) -> Trigger:
    return Trigger(row["id"], row["pattern"], row["script_name"], list(row["ops"]), row["max_attempts"],
                   row["created_at"])


_COLUMNS = "id, pattern, script_name, ops, max_attempts, created_at"


async def create_trigger(conn: asyncpg.Connection, pattern: str, script: str, ops: list[str],
                         max_attempts: int) -> Trigger:
    try:
        row = await conn.fetchrow(
            f"""INSERT INTO kv_triggers (pattern, script_name, ops, max_attempts)
                VALUES ($1, $2, $3, $4) RETURNING {_COLUMNS}""",
            pattern, script, ops, max_attempts,
        )
    except asyncpg.ForeignKeyViolationError:
        raise UnknownScript(script) from None
    return _trigger(row)


async def list_triggers(conn: asyncpg.Connection) -> list[Trigger]:
    return [_trigger(r) for r in await conn.fetch(f"SELECT {_COLUMNS} FROM kv_triggers ORDER BY id")]


async def get_trigger(conn: asyncpg.Connection, trigger_id: int) -> Trigger | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM kv_triggers WHERE id = $1", trigger_id)
    return None if row is None else _trigger(row)


async def delete_trigger(conn: asyncpg.Connection, trigger_id: int) -> bool:
    return (await conn.execute("DELETE FROM kv_triggers WHERE id = $1", trigger_id)).split()[-1] == "1"
