"""``/scripts``: upload (new immutable version), read, roll back, delete."""

from __future__ import annotations

from typing import Any

from picloud.executor.compiler import CompileError, ScriptKey
from picloud.executor.limits import DEFAULT_TIMEOUT_SECONDS, LimitsError, ScriptLimits, check_timeout
from picloud.store import scripts as store

from .context import Context, log
from .responses import ApiError, Response, bad_request, conflict, iso, location, not_found
from .router import Request, Router
from .validation import MISSING, Fields, check_script_name, check_string, json_body, positive_int_param


def version_json(version: store.ScriptVersion, current_version: int, *, source: bool = False) -> dict[str, Any]:
    payload = {
        "name": version.name,
        "version": version.version,
        "current": version.version == current_version,
        "timeout_seconds": version.timeout_seconds,
        "limits": version.limits,
        "created_at": iso(version.created_at),
    }
    if source:
        payload["source"] = version.source
    return payload


def summary_json(summary: store.ScriptSummary) -> dict[str, Any]:
    return {
        "name": summary.name,
        "current_version": summary.current_version,
        "latest_version": summary.latest_version,
        "created_at": iso(summary.created_at),
        "updated_at": iso(summary.updated_at),
    }


def _upload(request: Request) -> tuple[str, float, ScriptLimits]:
    if request.content_type == "text/plain":
        charset = request.headers.get("content-type", "").lower().partition("charset=")[2].strip(' "')
        if charset and charset not in ("utf-8", "utf8", "us-ascii", "ascii"):
            raise ApiError(415, "unsupported_media_type", f"charset {charset!r} is not supported; use utf-8")
        try:
            source = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise bad_request("the body is not valid UTF-8") from None
        return check_string("source", source), DEFAULT_TIMEOUT_SECONDS, ScriptLimits()
    hint = " (or send the bare source as text/plain)"
    fields = Fields(json_body(request, hint=hint), ["source", "timeout_seconds", "limits"])
    source = fields.string("source", required=True)
    try:
        timeout = fields.get("timeout_seconds")
        timeout = DEFAULT_TIMEOUT_SECONDS if timeout is MISSING else check_timeout(timeout)
        limits = fields.get("limits")
        if limits is None:
            raise LimitsError("limits", "must be an object")
        limits = ScriptLimits() if limits is MISSING else ScriptLimits.from_mapping(limits)
    except LimitsError as exc:
        raise bad_request(str(exc)) from None
    return source, timeout, limits


async def put_script(ctx: Context, request: Request) -> Response:
    name = check_script_name(request.params["name"])
    source, timeout, limits = _upload(request)
    try:
        ast = await ctx.compile(source, limits)
    except CompileError as exc:
        raise ApiError(422, "compile_error", exc.message, line=exc.line, column=exc.column) from None
    result = await ctx.db.run(store.put_script, name, source, timeout, limits.to_mapping())
    version = result.version
    ctx.cache.put(ScriptKey(name, version.version), ast)
    await ctx.routes_changed()
    payload = version_json(version, version.version)
    payload["created"] = result.created
    if result.created:
        return Response(201, payload, (location(f"/scripts/{name}"),))
    return Response(200, payload)


async def list_scripts(ctx: Context, request: Request) -> Response:
    request.query(set())
    scripts = await ctx.db.run(store.list_scripts)
    return Response(200, {"scripts": [summary_json(s) for s in scripts]})


async def get_script(ctx: Context, request: Request) -> Response:
    name = request.params["name"]
    detail = await ctx.db.run(store.get_script, name)
    if detail is None:
        raise not_found(f"no script named {name!r}")
    current = detail.current
    payload = summary_json(detail.summary)
    payload.update(
        source=current.source,
        timeout_seconds=current.timeout_seconds,
        limits=current.limits,
        versions=[
            {"version": v.version, "current": v.version == current.version,
             "timeout_seconds": v.timeout_seconds, "created_at": iso(v.created_at)}
            for v in detail.versions
        ],
        routes=detail.route_ids,
    )
    return Response(200, payload)


async def get_version(ctx: Context, request: Request) -> Response:
    name = request.params["name"]
    number = positive_int_param(request.params["version"])
    if number is not None and number > 2**31 - 1:  # the column is a 32-bit integer: no such version
        number = None
    version = None if number is None else await ctx.db.run(store.get_version, name, number)
    if version is None:
        raise not_found(f"script {name!r} has no version {request.params['version']}")
    current = await ctx.db.run(store.current_version_number, name)
    return Response(200, version_json(version, current, source=True))


async def rollback(ctx: Context, request: Request) -> Response:
    name = request.params["name"]
    fields = Fields(json_body(request), ["version"])
    number = fields.integer("version", required=True, minimum=1, maximum=2**31 - 1)
    outcome = await ctx.db.run(store.rollback_script, name, number)
    if outcome is None:
        if await ctx.db.run(store.current_version_number, name) is None:
            raise not_found(f"no script named {name!r}")
        raise not_found(f"script {name!r} has no version {number}")
    previous, version = outcome
    await _warm_cache(ctx, version)
    await ctx.routes_changed()
    payload = version_json(version, version.version)
    payload["previous_version"] = previous
    return Response(200, payload)


async def _warm_cache(ctx: Context, version: store.ScriptVersion) -> None:
    key = ScriptKey(version.name, version.version)
    if ctx.cache.get(key) is not None:
        return
    try:
        limits = ScriptLimits.from_mapping(version.limits)
        ctx.cache.put(key, await ctx.compile(version.source, limits))
    except Exception:
        # The executor compiles on a cache miss anyway; this only saves time.
        log.warning("could not precompile %s v%d after rollback", version.name, version.version,
                    exc_info=True)


async def delete_script(ctx: Context, request: Request) -> Response:
    name = request.params["name"]
    try:
        deleted = await ctx.db.run(store.delete_script, name)
    except store.ScriptInUse as exc:
        raise conflict(
            f"script {name!r} is used by {exc.users() or 'something added just now'}; "
            "delete or re-point them first",
            routes=exc.route_ids, triggers=exc.trigger_ids, schedules=exc.schedule_ids,
        ) from None
    if not deleted:
        raise not_found(f"no script named {name!r}")
    await ctx.routes_changed()
    return Response(204)


def register(router: Router) -> None:
    router.add("GET", "/scripts", list_scripts)
    router.add("PUT", "/scripts/{name}", put_script)
    router.add("GET", "/scripts/{name}", get_script)
    router.add("DELETE", "/scripts/{name}", delete_script)
    router.add("GET", "/scripts/{name}/versions/{version}", get_version)
    router.add("POST", "/scripts/{name}/rollback", rollback)
