"""``/triggers``: run a script when a committed KV write matches a glob pattern."""

from __future__ import annotations

from picloud.store import triggers as store

from .context import Context
from .responses import Response, bad_request, iso, not_found
from .router import Request, Router
from .validation import MISSING, Fields, json_body, positive_int_param

OPS = ("set", "delete")


def trigger_json(trigger: store.Trigger) -> dict:
    return {"id": trigger.id, "pattern": trigger.pattern, "script": trigger.script, "ops": trigger.ops,
            "max_attempts": trigger.max_attempts, "created_at": iso(trigger.created_at)}


def _id(request: Request) -> int:
    trigger_id = positive_int_param(request.params["id"])
    if trigger_id is None:
        raise not_found(f"no trigger with id {request.params['id']!r}")
    return trigger_id


async def create(ctx: Context, request: Request) -> Response:
    fields = Fields(json_body(request), ["pattern", "script", "ops", "max_attempts"])
    pattern = fields.string("pattern", required=True, max_length=512)
    if not pattern:
        raise bad_request("pattern: must not be empty")
    script = fields.string("script", required=True, max_length=128)
    ops = fields.get("ops")
    if ops is MISSING:
        ops = list(OPS)
    if not isinstance(ops, list) or not ops or any(op not in OPS for op in ops):
        raise bad_request("ops: must be a non-empty list of 'set' and 'delete'")
    max_attempts = fields.integer("max_attempts", minimum=1, maximum=100)
    try:
        trigger = await ctx.db.run(store.create_trigger, pattern, script, sorted(set(ops)),
                                   3 if not isinstance(max_attempts, int) else max_attempts)
    except store.UnknownScript:
        raise bad_request(f"script: no script named {script!r}") from None
    return Response(201, trigger_json(trigger))


async def list_all(ctx: Context, request: Request) -> Response:
    return Response(200, {"triggers": [trigger_json(t) for t in await ctx.db.run(store.list_triggers)]})


async def get_one(ctx: Context, request: Request) -> Response:
    trigger = await ctx.db.run(store.get_trigger, _id(request))
    if trigger is None:
        raise not_found(f"no trigger with id {request.params['id']!r}")
    return Response(200, trigger_json(trigger))


async def delete(ctx: Context, request: Request) -> Response:
    if not await ctx.db.run(store.delete_trigger, _id(request)):
        raise not_found(f"no trigger with id {request.params['id']!r}")
    return Response(204)


def register(router: Router) -> None:
    router.add("POST", "/triggers", create)
    router.add("GET", "/triggers", list_all)
    router.add("GET", "/triggers/{id}", get_one)
    router.add("DELETE", "/triggers/{id}", delete)
