"""``/executions``: read execution records, newest first, keyset-paginated."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from typing import Any

from picloud.store import executions as store

from .context import Context
from .responses import Response, bad_request, iso, not_found
from .router import Request, Router
from .validation import check_script_name, positive_int_param

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def encode_cursor(key: store.PageKey) -> str:
    created_at, execution_id = key
    raw = f"{created_at.astimezone(dt.UTC).isoformat()}|{execution_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> store.PageKey:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created_at, _, execution_id = raw.partition("|")
        parsed = dt.datetime.fromisoformat(created_at)
        if parsed.tzinfo is None:
            raise ValueError("naive timestamp")
        return parsed, uuid.UUID(execution_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad_request("before: not a cursor returned as 'next' by this API") from None


def duration_ms(execution: store.Execution) -> float | None:
    if execution.started_at is None or execution.finished_at is None:
        return None
    return round((execution.finished_at - execution.started_at).total_seconds() * 1000, 3)


def execution_json(execution: store.Execution, *, detail: bool = True) -> dict[str, Any]:
    payload = {
        "id": str(execution.id),
        "status": execution.status,
        "attempts": execution.attempts,
        "max_attempts": execution.max_attempts,
        "trigger": execution.trigger,
        "route_id": execution.route_id,
        "script": execution.script,
        "version": execution.version,
        "dispatch_mode": execution.dispatch_mode,
        "http_status": execution.http_status,
        "result": execution.result,
        "error": execution.error,
        "created_at": iso(execution.created_at),
        "started_at": iso(execution.started_at),
        "finished_at": iso(execution.finished_at),
        "next_attempt_at": iso(execution.next_attempt_at),
        "duration_ms": duration_ms(execution),
    }
    if detail:
        payload["logs"] = execution.logs
        payload["input"] = execution.input
    return payload


def parse_uuid(value: str, what: str = "execution") -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise not_found(f"no {what} with id {value!r}") from None


async def list_page(ctx: Context, request: Request, *, status: str | None, key: str) -> Response:
    """Shared by /executions and /dead-letters (which fixes ``status``)."""
    allowed = {"route", "script", "limit", "before"} | ({"status"} if status is None else set())
    query = request.query(allowed)
    filters: dict[str, Any] = {"status": status}
    if "route" in query:
        route_id = positive_int_param(query["route"])
        if route_id is None:
            raise bad_request(f"route: must be a route id (a positive integer), not {query['route']!r}")
        filters["route_id"] = route_id
    if "script" in query:
        filters["script"] = check_script_name(query["script"], "script")
    if "status" in query:
        if query["status"] not in store.STATUSES:
            raise bad_request(f"status: must be one of {', '.join(store.STATUSES)}, not {query['status']!r}")
        filters["status"] = query["status"]
    limit = DEFAULT_LIMIT
    if "limit" in query:
        limit = positive_int_param(query["limit"]) or 0
        if not 1 <= limit <= MAX_LIMIT:
            raise bad_request(f"limit: must be an integer between 1 and {MAX_LIMIT}, not {query['limit']!r}")
    before = decode_cursor(query["before"]) if query.get("before") else None
    page = await ctx.db.run(store.list_executions, limit=limit, before=before, **filters)
    return Response(200, {
        key: [execution_json(e, detail=False) for e in page.executions],
        "next": encode_cursor(page.next) if page.next else None,
    })


async def list_executions(ctx: Context, request: Request) -> Response:
    return await list_page(ctx, request, status=None, key="executions")


async def get_execution(ctx: Context, request: Request) -> Response:
    execution_id = parse_uuid(request.params["id"])
    execution = await ctx.db.run(store.get_execution, execution_id)
    if execution is None:
        raise not_found(f"no execution with id {request.params['id']!r}")
    return Response(200, execution_json(execution))


def register(router: Router) -> None:
    router.add("GET", "/executions", list_executions)
    router.add("GET", "/executions/{id}", get_execution)
