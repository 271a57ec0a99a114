"""``/routes``: bind HTTP method + path template to a script."""

from __future__ import annotations

from typing import Any

from picloud.store import routes as store

from .context import Context
from picloud.shared.paths import is_reserved, parse_template, shape
from .responses import Response, bad_request, conflict, iso, location, not_found
from .router import Request, Router
from .validation import MISSING, Fields, check_script_name, json_body, positive_int_param

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
DISPATCH_MODES = ("sync", "async")
AUTH_MODES = ("none", "token")
DEFAULT_MAX_ATTEMPTS = 3
MAX_ATTEMPTS = 100
FIELDS = ("method", "path", "script", "dispatch_mode", "max_attempts", "auth")


def route_json(route: store.Route) -> dict[str, Any]:
    return {
        "id": route.id,
        "method": route.method,
        "path": route.path,
        "script": route.script,
        "dispatch_mode": route.dispatch_mode,
        "max_attempts": route.max_attempts,
        "auth": route.auth,
        "created_at": iso(route.created_at),
        "updated_at": iso(route.updated_at),
    }


def _shape_of(path: str) -> str:
    return shape(parse_template(path))


def _read(fields: Fields, *, required: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    method = fields.string("method", required=required)
    if method is not MISSING:
        method = method.upper()
        if method not in METHODS:
            raise bad_request(f"method: must be one of {', '.join(METHODS)}, not {method!r}")
        values["method"] = method
    path = fields.string("path", required=required)
    if path is not MISSING:
        try:
            segments = parse_template(path)
        except ValueError as exc:
            raise bad_request(f"path: {exc}") from None
        if is_reserved(segments):
            raise bad_request("path: paths under /_picloud are reserved for the platform")
        values["path"] = path
    script = fields.string("script", required=required)
    if script is not MISSING:
        values["script"] = check_script_name(script, "script")
    mode = fields.choice("dispatch_mode", DISPATCH_MODES)
    if mode is not MISSING:
        values["dispatch_mode"] = mode
    attempts = fields.integer("max_attempts", minimum=1, maximum=MAX_ATTEMPTS)
    if attempts is not MISSING:
        values["max_attempts"] = attempts
    auth = fields.choice("auth", AUTH_MODES)
    if auth is not MISSING:
        values["auth"] = auth
    return values


def _route_id(request: Request) -> int:
    route_id = positive_int_param(request.params["id"])
    if route_id is None:
        raise not_found(f"no route with id {request.params['id']}")
    return route_id


def _conflict(exc: store.RouteConflict):
    existing = exc.existing
    return conflict(str(exc), route_id=existing.id if existing else None)


async def create_route(ctx: Context, request: Request) -> Response:
    values = _read(Fields(json_body(request), FIELDS), required=True)
    try:
        route = await ctx.db.run(
            store.create_route, values["method"], values["path"], values["script"],
            values.get("dispatch_mode", "sync"), values.get("max_attempts", DEFAULT_MAX_ATTEMPTS), _shape_of,
            values.get("auth", "none"),
        )
    except store.RouteConflict as exc:
        raise _conflict(exc) from None
    except store.UnknownScript as exc:
        raise bad_request(f"script: {exc}") from None
    await ctx.routes_changed()
    return Response(201, route_json(route), (location(f"/routes/{route.id}"),))


async def list_routes(ctx: Context, request: Request) -> Response:
    request.query(set())
    routes = await ctx.db.run(store.list_routes)
    return Response(200, {"routes": [route_json(r) for r in routes]})


async def get_route(ctx: Context, request: Request) -> Response:
    route_id = _route_id(request)
    route = await ctx.db.run(store.get_route, route_id)
    if route is None:
        raise not_found(f"no route with id {route_id}")
    return Response(200, route_json(route))


async def patch_route(ctx: Context, request: Request) -> Response:
    route_id = _route_id(request)
    values = _read(Fields(json_body(request), FIELDS), required=False)
    try:
        route = await ctx.db.run(store.update_route, route_id, values, _shape_of)
    except store.RouteConflict as exc:
        raise _conflict(exc) from None
    except store.UnknownScript as exc:
        raise bad_request(f"script: {exc}") from None
    if route is None:
        raise not_found(f"no route with id {route_id}")
    if values:
        await ctx.routes_changed()
    return Response(200, route_json(route))


async def delete_route(ctx: Context, request: Request) -> Response:
    route_id = _route_id(request)
    if not await ctx.db.run(store.delete_route, route_id):
        raise not_found(f"no route with id {route_id}")
    await ctx.routes_changed()
    return Response(204)


def register(router: Router) -> None:
    router.add("GET", "/routes", list_routes)
    router.add("POST", "/routes", create_route)
    router.add("GET", "/routes/{id}", get_route)
    router.add("PATCH", "/routes/{id}", patch_route)
    router.add("DELETE", "/routes/{id}", delete_route)
