"""``/kv``: browse and edit the KV store. Writes fire KV triggers like script writes."""

from __future__ import annotations

import json

import asyncpg

from picloud.shared.clock import SystemClock
from picloud.shared.kv import MAX_KEYS_LIMIT, KvEffects, KvError, KvWrite, check_key, check_prefix, encode_value
from picloud.store import kv as store

from .context import Context
from .responses import Response, bad_request, iso, not_found
from .router import Request, Router
from .validation import is_json

DEFAULT_LIMIT = 100
_clock = SystemClock()


def _entry_json(entry: dict) -> dict:
    return {"key": entry["key"], "value": entry["value"], "updated_at": iso(entry["updated_at"])}


def _key(request: Request) -> str:
    try:
        return check_key(request.params["key"])
    except KvError as exc:
        raise bad_request(f"key: {exc}") from None


async def list_entries(ctx: Context, request: Request) -> Response:
    query = request.query({"prefix", "limit", "after"})
    for name in ("prefix", "after"):
        try:
            check_prefix(query.get(name, ""))
        except KvError as exc:
            raise bad_request(f"{name}: {exc}") from None
    limit = query.get("limit", str(DEFAULT_LIMIT))
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_KEYS_LIMIT:
        raise bad_request(f"limit: must be an integer from 1 to {MAX_KEYS_LIMIT}")
    entries = await ctx.db.run(store.list_entries, query.get("prefix", ""), int(limit) + 1, query.get("after"))
    page, more = entries[: int(limit)], len(entries) > int(limit)
    return Response(200, {"entries": [_entry_json(e) for e in page],
                          "next": page[-1]["key"] if more and page else None})


async def get_entry(ctx: Context, request: Request) -> Response:
    entry = await ctx.db.run(store.get_entry, _key(request))
    if entry is None:
        raise not_found(f"no key {request.params['key']!r}")
    return Response(200, _entry_json(entry))


async def put_entry(ctx: Context, request: Request) -> Response:
    key = _key(request)
    if request.content_type and not is_json(request.content_type):
        raise bad_request("the body must be the value as JSON (content-type application/json)")
    try:
        value = json.loads(request.body)
    except (UnicodeDecodeError, ValueError):
        raise bad_request("the body must be the value as JSON") from None
    try:
        text = encode_value(value)
    except (KvError, ValueError) as exc:
        raise bad_request(f"value: {exc}") from None
    await _write(ctx, KvEffects(writes={key: KvWrite("set", text)}))
    entry = await ctx.db.run(store.get_entry, key)
    return Response(200, _entry_json(entry))


async def delete_entry(ctx: Context, request: Request) -> Response:
    key = _key(request)
    applied = await _write(ctx, KvEffects(writes={key: KvWrite("delete")}))
    if not applied:
        raise not_found(f"no key {request.params['key']!r}")
    return Response(204)


async def _write(ctx: Context, effects: KvEffects) -> list:
    context = store.WriteContext(source="api", now=_clock.now(), max_chain_depth=ctx.max_chain_depth)
    applied = await ctx.db.run(_apply, effects, context)
    if applied:
        ctx.wake_dispatcher()  # a trigger may have fired
    return applied


async def _apply(conn: asyncpg.Connection, effects: KvEffects, context: store.WriteContext) -> list:
    async with conn.transaction():
        return await store.apply_effects(conn, effects, context)


def register(router: Router) -> None:
    router.add("GET", "/kv", list_entries)
    router.add("GET", "/kv/{key...}", get_entry)
    router.add("PUT", "/kv/{key...}", put_entry)
    router.add("DELETE", "/kv/{key...}", delete_entry)
