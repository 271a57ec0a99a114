"""``/dead-letters``: executions that used up their attempts; retry or discard."""

from __future__ import annotations

from picloud.store import executions as store

from .context import Context
from .executions import execution_json, list_page, parse_uuid
from .responses import Response, conflict, not_found
from .router import Request, Router
from .validation import Fields, json_body


def _missing(request: Request):
    return not_found(f"no dead letter with id {request.params['id']!r}")


async def list_dead_letters(ctx: Context, request: Request) -> Response:
    return await list_page(ctx, request, status="dead_lettered", key="dead_letters")


async def get_dead_letter(ctx: Context, request: Request) -> Response:
    execution = await ctx.db.run(store.get_dead_letter, parse_uuid(request.params["id"], "dead letter"))
    if execution is None:
        raise _missing(request)
    return Response(200, execution_json(execution))


async def retry(ctx: Context, request: Request) -> Response:
    execution_id = parse_uuid(request.params["id"], "dead letter")
    fields = Fields(json_body(request, optional=True), ["version"])
    version = fields.integer("version", minimum=1, maximum=2**31 - 1)
    try:
        execution = await ctx.db.run(
            store.retry_dead_letter, execution_id, None if not isinstance(version, int) else version
        )
    except store.RetryRefused as exc:
        raise conflict(str(exc)) from None
    if execution is None:
        raise _missing(request)
    ctx.wake_dispatcher()
    return Response(202, execution_json(execution))


async def delete_dead_letter(ctx: Context, request: Request) -> Response:
    if not await ctx.db.run(store.delete_dead_letter, parse_uuid(request.params["id"], "dead letter")):
        raise _missing(request)
    return Response(204)


def register(router: Router) -> None:
    router.add("GET", "/dead-letters", list_dead_letters)
    router.add("GET", "/dead-letters/{id}", get_dead_letter)
    router.add("DELETE", "/dead-letters/{id}", delete_dead_letter)
    router.add("POST", "/dead-letters/{id}/retry", retry)
