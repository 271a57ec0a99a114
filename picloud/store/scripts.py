"""Scripts and their immutable versions (tables ``scripts``, ``script_versions``).

Operations for :meth:`picloud.store.database.Database.run`: each is
``op(conn, *args)``, runs in one transaction and returns attrs objects.
Every upload adds a version numbered one past the highest existing one, so
numbers are never reused, even after a rollback, nor after the script is
deleted and created again (the last number is kept in ``script_tombstones``).
Limits are stored as the full effective mapping (defaults filled in), so a
version behaves the same even if the platform's defaults change later.
"""

from __future__ import annotations

import datetime as dt
import json

import asyncpg
import attrs


@attrs.frozen
class ScriptVersion:
    name: str
    version: int
    source: str
    timeout_seconds: float
    limits: dict
    created_at: dt.datetime


@attrs.frozen
class VersionInfo:
    """A version without its source (for lists)."""

    version: int
    timeout_seconds: float
    created_at: dt.datetime


@attrs.frozen
class ScriptSummary:
    name: str
    current_version: int
    latest_version: int
    created_at: dt.datetime
    updated_at: dt.datetime


@attrs.frozen
class ScriptDetail:
    summary: ScriptSummary
    current: ScriptVersion
    versions: list[VersionInfo]
    route_ids: list[int]


@attrs.frozen
class PutResult:
    created: bool
    """True when this upload created the script (version 1)."""
    version: ScriptVersion


class ScriptInUse(Exception):
    """The script cannot be deleted: routes, KV triggers or schedules still run it."""

    def __init__(self, name: str, route_ids: list[int], trigger_ids: list[int] = (),
                 schedule_ids: list[int] = ()):
        self.name = name
        self.route_ids = list(route_ids)
        self.trigger_ids = list(trigger_ids)
        self.schedule_ids = list(schedule_ids)
        super().__init__(f"script {name!r} is used by {self.users() or 'something just added'}")

    def users(self) -> str:
        parts = []
        for label, ids in (("route", self.route_ids), ("KV trigger", self.trigger_ids),
                           ("schedule", self.schedule_ids)):
            if ids:
                parts.append(f"{label}(s) {', '.join(map(str, ids))}")
        return "; ".join(parts)


def _version(row: asyncpg.Record) -> ScriptVersion:
    return ScriptVersion(
        name=row["script_name"],
        version=row["version"],
        source=row["source"],
        timeout_seconds=row["timeout_seconds"],
        limits=json.loads(row["limits"]),
        created_at=row["created_at"],
    )


_SUMMARY_SQL = """
    SELECT s.name, s.current_version, s.created_at, s.updated_at,
           (SELECT max(v.version) FROM script_versions v WHERE v.script_name = s.name) AS latest_version
    FROM scripts s
"""


def _summary(row: asyncpg.Record) -> ScriptSummary:
    return ScriptSummary(
        name=row["name"],
        current_version=row["current_version"],
        latest_version=row["latest_version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def put_script(
    conn: asyncpg.Connection, name: str, source: str, timeout_seconds: float, limits: dict
) -> PutResult:
    """Add a new version of ``name`` (creating the script) and make it current.

    A new script continues the numbering of a deleted one of the same name
    (``script_tombstones``): nodes cache compiled scripts by (name, version),
    so a number is never given to two different sources.
    """
    for _ in range(5):
        async with conn.transaction():
            # current_version is set below; its foreign key is checked at commit.
            created = await conn.fetchval(
                "INSERT INTO scripts (name, current_version) VALUES ($1, 0) "
                "ON CONFLICT (name) DO NOTHING RETURNING true",
                name,
            )
            if created:
                # Read after the insert: had a concurrent delete held the row,
                # the insert waited for it, and this now sees its tombstone.
                number = 1 + await conn.fetchval(
                    "SELECT coalesce(max(last_version), 0) FROM script_tombstones WHERE name = $1", name
                )
            else:
                # Serialise concurrent uploads of one script on its row.
                locked = await conn.fetchval("SELECT true FROM scripts WHERE name = $1 FOR UPDATE", name)
                if not locked:
                    continue  # deleted between the two statements: try again
                number = await conn.fetchval(
                    "SELECT coalesce(max(version), 0) + 1 FROM script_versions WHERE script_name = $1", name
                )
            row = await conn.fetchrow(
                """
                INSERT INTO script_versions (script_name, version, source, timeout_seconds, limits)
                VALUES ($1, $2, $3, $4, $5::jsonb)
                RETURNING *
                """,
                name, number, source, timeout_seconds, json.dumps(limits),
            )
            await conn.execute(
                "UPDATE scripts SET current_version = $2, updated_at = now() WHERE name = $1", name, number
            )
            return PutResult(created=bool(created), version=_version(row))
    raise RuntimeError(f"could not store script {name!r}: it kept being deleted concurrently")


async def list_scripts(conn: asyncpg.Connection) -> list[ScriptSummary]:
    rows = await conn.fetch(_SUMMARY_SQL + " ORDER BY s.name")
    return [_summary(row) for row in rows]


async def get_script(conn: asyncpg.Connection, name: str) -> ScriptDetail | None:
    """The script with its current version's source, all versions and routes."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        row = await conn.fetchrow(_SUMMARY_SQL + " WHERE s.name = $1", name)
        if row is None:
            return None
        summary = _summary(row)
        current = await conn.fetchrow(
            "SELECT * FROM script_versions WHERE script_name = $1 AND version = $2", name, summary.current_version
        )
        versions = await conn.fetch(
            "SELECT version, timeout_seconds, created_at FROM script_versions "
            "WHERE script_name = $1 ORDER BY version",
            name,
        )
        route_ids = await conn.fetch("SELECT id FROM routes WHERE script_name = $1 ORDER BY id", name)
    return ScriptDetail(
        summary=summary,
        current=_version(current),
        versions=[VersionInfo(r["version"], r["timeout_seconds"], r["created_at"]) for r in versions],
        route_ids=[r["id"] for r in route_ids],
    )


async def get_current_version(conn: asyncpg.Connection, name: str) -> ScriptVersion | None:
    row = await conn.fetchrow(
        "SELECT v.* FROM scripts s JOIN script_versions v "
        "ON v.script_name = s.name AND v.version = s.current_version WHERE s.name = $1",
        name,
    )
    return None if row is None else _version(row)


async def get_version(conn: asyncpg.Connection, name: str, version: int) -> ScriptVersion | None:
    row = await conn.fetchrow(
        "SELECT * FROM script_versions WHERE script_name = $1 AND version = $2", name, version
    )
    return None if row is None else _version(row)


async def current_version_number(conn: asyncpg.Connection, name: str) -> int | None:
    return await conn.fetchval("SELECT current_version FROM scripts WHERE name = $1", name)


async def rollback_script(conn: asyncpg.Connection, name: str, version: int) -> tuple[int, ScriptVersion] | None:
    """Make ``version`` current; return (previous current version, that version).

    ``None`` when the script or the version does not exist.
    """
    async with conn.transaction():
        previous = await conn.fetchval("SELECT current_version FROM scripts WHERE name = $1 FOR UPDATE", name)
        if previous is None:
            return None
        row = await conn.fetchrow(
            "SELECT * FROM script_versions WHERE script_name = $1 AND version = $2", name, version
        )
        if row is None:
            return None
        if previous != version:
            await conn.execute(
                "UPDATE scripts SET current_version = $2, updated_at = now() WHERE name = $1", name, version
            )
        return previous, _version(row)


async def delete_script(conn: asyncpg.Connection, name: str) -> bool:
    """Delete the script and all its versions; ``False`` if it does not exist.

    Raises :class:`ScriptInUse` while routes, KV triggers or schedules refer to it. Execution history is
    kept (it refers to scripts by name and version, not by key).
    """
    async with conn.transaction():
        exists = await conn.fetchval("SELECT true FROM scripts WHERE name = $1 FOR UPDATE", name)
        if not exists:
            return False
        users = [
            [r["id"] for r in await conn.fetch(
                f"SELECT id FROM {table} WHERE script_name = $1 ORDER BY id FOR SHARE", name)]
            for table in ("routes", "kv_triggers", "schedules")
        ]
        if any(users):
            raise ScriptInUse(name, *users)
        try:
            await conn.execute(
                """
                INSERT INTO script_tombstones (name, last_version)
                SELECT $1, max(version) FROM script_versions WHERE script_name = $1
                ON CONFLICT (name) DO UPDATE
                    SET last_version = greatest(script_tombstones.last_version, excluded.last_version),
                        deleted_at = now()
                """,
                name,
            )
            await conn.execute("DELETE FROM scripts WHERE name = $1", name)
        except asyncpg.ForeignKeyViolationError:
            # A route was added concurrently after our check.
            raise ScriptInUse(name, []) from None
        return True
