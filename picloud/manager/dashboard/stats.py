"""Aggregates for the overview page: one read-only operation for ``Database.run``.

The only SQL of the dashboard: counts have no API endpoint. Everything else
goes through the control-plane handlers and their store functions.
"""

from __future__ import annotations

import datetime as dt

import asyncpg
import attrs

WINDOW_MINUTES = 60


@attrs.frozen
class Overview:
    scripts: int
    routes: int
    triggers: int
    executions: int
    by_status: dict[str, int]
    per_minute: list[tuple[dt.datetime, int, int]]
    """``(minute, succeeded or still running, failed)`` for each of the last 60 minutes, oldest first."""


async def overview(conn: asyncpg.Connection, now: dt.datetime) -> Overview:
    async with conn.transaction(readonly=True, isolation="repeatable_read"):
        counts = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM scripts) AS scripts, (SELECT count(*) FROM routes) AS routes, "
            "(SELECT count(*) FROM kv_triggers) AS triggers"
        )
        by_status = {row["status"]: row["n"] for row in await conn.fetch(
            "SELECT status, count(*) AS n FROM executions GROUP BY status")}
        end = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        start = end - dt.timedelta(minutes=WINDOW_MINUTES)
        rows = await conn.fetch(
            """
            SELECT date_trunc('minute', created_at) AS minute,
                   count(*) FILTER (WHERE status NOT IN ('failed', 'dead_lettered')) AS ok,
                   count(*) FILTER (WHERE status IN ('failed', 'dead_lettered')) AS failed
            FROM executions WHERE created_at >= $1 AND created_at < $2
            GROUP BY 1
            """,
            start, end,
        )
    buckets = {row["minute"].astimezone(dt.UTC): (row["ok"], row["failed"]) for row in rows}
    per_minute = []
    for i in range(WINDOW_MINUTES):
        minute = start + dt.timedelta(minutes=i)
        ok, failed = buckets.get(minute, (0, 0))
        per_minute.append((minute, ok, failed))
    return Overview(
        scripts=counts["scripts"], routes=counts["routes"], triggers=counts["triggers"],
        executions=sum(by_status.values()), by_status=by_status, per_minute=per_minute,
    )
