"""HTTP routes (table ``routes``): operations for ``Database.run``.

Route writes are serialised by a transaction-level advisory lock, so the
check for an *equivalent* route (same method, template of the same shape,
e.g. ``/a/{x}`` vs ``/a/{y}``) cannot race with another writer. The store
does not parse templates itself (the parser belongs to the manager); the
caller passes ``shape_of``, a function from template text to its shape key.
The migration's trigger NOTIFYs ``picloud_routes`` on every change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import asyncpg
import attrs

# Any fixed 64-bit number; "PiRt" in ASCII.
ROUTES_LOCK_KEY = 0x50695274

ShapeOf = Callable[[str], str]


@attrs.frozen
class Route:
    id: int
    method: str
    path: str
    script: str
    dispatch_mode: str
    max_attempts: int
    created_at: dt.datetime
    updated_at: dt.datetime
    auth: str = "none"


class RouteConflict(Exception):
    """Another route already answers the same method and path."""

    def __init__(self, existing: Route | None, method: str, path: str):
        where = f"{method} {path}"
        detail = f" (route {existing.id}: {existing.method} {existing.path})" if existing else ""
        super().__init__(f"a route for {where} already exists{detail}")
        self.existing = existing


class UnknownScript(Exception):
    def __init__(self, name: str):
        super().__init__(f"no script named {name!r}")
        self.name = name


def _route(row: asyncpg.Record) -> Route:
    return Route(
        id=row["id"],
        method=row["method"],
        path=row["path"],
        script=row["script_name"],
        dispatch_mode=row["dispatch_mode"],
        max_attempts=row["max_attempts"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        auth=row["auth"],
    )


async def list_routes(conn: asyncpg.Connection) -> list[Route]:
    return [_route(r) for r in await conn.fetch("SELECT * FROM routes ORDER BY id")]


async def get_route(conn: asyncpg.Connection, route_id: int) -> Route | None:
    row = await conn.fetchrow("SELECT * FROM routes WHERE id = $1", route_id)
    return None if row is None else _route(row)


async def _check_free(
    conn: asyncpg.Connection, method: str, path: str, shape_of: ShapeOf, exclude_id: int | None
) -> None:
    wanted = shape_of(path)
    rows = await conn.fetch("SELECT * FROM routes WHERE method = $1 AND id IS DISTINCT FROM $2", method, exclude_id)
    for row in rows:
        if shape_of(row["path"]) == wanted:
            raise RouteConflict(_route(row), method, path)


async def _check_script(conn: asyncpg.Connection, name: str) -> None:
    # FOR KEY SHARE: the script cannot be deleted before we commit.
    if not await conn.fetchval("SELECT true FROM scripts WHERE name = $1 FOR KEY SHARE", name):
        raise UnknownScript(name)


async def create_route(
    conn: asyncpg.Connection,
    method: str,
    path: str,
    script: str,
    dispatch_mode: str,
    max_attempts: int,
    shape_of: ShapeOf,
    auth: str = "none",
) -> Route:
    """Insert a route; raise :class:`RouteConflict` or :class:`UnknownScript`."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", ROUTES_LOCK_KEY)
        await _check_script(conn, script)
        await _check_free(conn, method, path, shape_of, None)
        try:
            row = await conn.fetchrow(
                """
                INSERT INTO routes (method, path, script_name, dispatch_mode, max_attempts, auth)
                VALUES ($1, $2, $3, $4, $5, $6) RETURNING *
                """,
                method, path, script, dispatch_mode, max_attempts, auth,
            )
        except asyncpg.UniqueViolationError:
            raise RouteConflict(None, method, path) from None
        except asyncpg.ForeignKeyViolationError:
            raise UnknownScript(script) from None
        return _route(row)


_PATCHABLE = {"method": "method", "path": "path", "script": "script_name",
              "dispatch_mode": "dispatch_mode", "max_attempts": "max_attempts", "auth": "auth"}


async def update_route(
    conn: asyncpg.Connection, route_id: int, changes: Mapping[str, Any], shape_of: ShapeOf
) -> Route | None:
    """Apply ``changes`` (keys: method, path, script, dispatch_mode,
    max_attempts); ``None`` if the route does not exist."""
    unknown = set(changes) - set(_PATCHABLE)
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", ROUTES_LOCK_KEY)
        row = await conn.fetchrow("SELECT * FROM routes WHERE id = $1 FOR UPDATE", route_id)
        if row is None:
            return None
        current = _route(row)
        if not changes:
            return current
        if "script" in changes:
            await _check_script(conn, changes["script"])
        method = changes.get("method", current.method)
        path = changes.get("path", current.path)
        if (method, path) != (current.method, current.path):
            await _check_free(conn, method, path, shape_of, route_id)
        columns = [_PATCHABLE[key] for key in changes]
        assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(columns, start=2))
        try:
            row = await conn.fetchrow(
                f"UPDATE routes SET {assignments}, updated_at = now() WHERE id = $1 RETURNING *",
                route_id, *changes.values(),
            )
        except asyncpg.UniqueViolationError:
            raise RouteConflict(None, method, path) from None
        except asyncpg.ForeignKeyViolationError:
            raise UnknownScript(changes.get("script", current.script)) from None
        return _route(row)


async def delete_route(conn: asyncpg.Connection, route_id: int) -> bool:
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", ROUTES_LOCK_KEY)
        deleted = await conn.fetchval("DELETE FROM routes WHERE id = $1 RETURNING id", route_id)
    return deleted is not None
