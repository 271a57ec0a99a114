"""Read side of scripts and routes for the data plane (``ScriptReader``)."""

from __future__ import annotations

import json

import asyncpg

from picloud.shared.protocols import RouteRecord, ScriptVersion

from .database import Database


def _script(row: asyncpg.Record) -> ScriptVersion:
    limits = row["limits"]
    return ScriptVersion(
        name=row["script_name"],
        version=row["version"],
        source=row["source"],
        timeout_seconds=row["timeout_seconds"],
        limits=json.loads(limits) if isinstance(limits, str) else dict(limits),
    )


async def _load_version(conn: asyncpg.Connection, name: str, version: int) -> ScriptVersion | None:
    row = await conn.fetchrow(
        """SELECT script_name, version, source, timeout_seconds, limits
           FROM script_versions WHERE script_name = $1 AND version = $2""",
        name,
        version,
    )
    return None if row is None else _script(row)


async def _load_routes(conn: asyncpg.Connection) -> list[RouteRecord]:
    rows = await conn.fetch(
        """SELECT r.id, r.method, r.path, r.dispatch_mode, r.max_attempts, r.auth,
                  v.script_name, v.version, v.source, v.timeout_seconds, v.limits
           FROM routes r
           JOIN scripts s ON s.name = r.script_name
           JOIN script_versions v ON v.script_name = s.name AND v.version = s.current_version
           ORDER BY r.id"""
    )
    return [
        RouteRecord(
            id=row["id"], method=row["method"], path=row["path"], dispatch_mode=row["dispatch_mode"],
            max_attempts=row["max_attempts"], script=_script(row), auth=row["auth"],
        )
        for row in rows
    ]


class PgScriptReader:
    def __init__(self, db: Database):
        self._db = db

    async def load_version(self, name: str, version: int) -> ScriptVersion | None:
        return await self._db.run(_load_version, name, version)

    async def load_routes(self) -> list[RouteRecord]:
        return await self._db.run(_load_routes)
