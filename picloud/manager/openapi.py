"""The OpenAPI 3.1 document of the control plane, ``/_picloud/api/v1/openapi.json``.

Built at import from the same constants the handlers validate with (methods,
dispatch modes, limits and their ceilings, statuses, page sizes), so the
schemas say what the server really accepts: request bodies are closed
(``additionalProperties: false``, as the API refuses unknown fields), with
their required fields, enums and bounds.

Every endpoint of the router (:func:`picloud.manager.api.control_plane.build_router`)
appears: the documented ones from :data:`OPERATIONS`, and any endpoint added
later without an entry there as a bare operation (tests/observability flags
those, so the table keeps up). docs/observability.md tells how to use it.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from typing import Any

from picloud import __version__
from picloud.executor.limits import CEILINGS, MAX_TIMEOUT_SECONDS
from picloud.shared.http import Receive, Scope, Send, send_error, send_response

from .api import dead_letters, executions, kv, routes, schedules, scripts, tokens, triggers  # noqa: F401
from .api.control_plane import MAX_BODY_BYTES, build_router

API_PREFIX = "/_picloud/api/v1"
OPENAPI_PATH = API_PREFIX + "/openapi.json"
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def api_templates() -> list[tuple[list[Any], str]]:
    """``(segments, template)`` of every control-plane endpoint, in router order."""
    router = build_router()
    return [(segments, "/" + "/".join(str(s) for s in segments)) for segments, _ in router._routes]


def router_operations() -> set[tuple[str, str]]:
    """``(method, template)`` the router serves, templates as the router writes them."""
    router = build_router()
    found = set()
    for segments, handlers in router._routes:
        template = "/" + "/".join(str(s) for s in segments)
        found.update((method, template) for method in handlers)
    return found


def openapi_path(template: str) -> str:
    """A router template as an OpenAPI path: ``{key...}`` becomes ``{key}``."""
    return re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)\.\.\.\}", r"{\1}", template)


# -- schemas -----------------------------------------------------------------------------

def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ci_pattern(words: tuple[str, ...] | list[str]) -> str:
    """A regex matching any of ``words`` in any letter case (JSON Schema has no flags)."""
    def ci(word: str) -> str:
        return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)
    return "^(" + "|".join(ci(w) for w in words) + ")$"


SCRIPT_NAME = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$",
               "description": "1-128 letters, digits, '_', '.', '-', starting with a letter or digit."}
TIMESTAMP = {"type": ["string", "null"], "format": "date-time",
             "description": "ISO 8601 in UTC with milliseconds; null when absent."}
TEXT = {"type": "string", "description": "No NUL characters."}
ID = {"type": "integer", "minimum": 1, "maximum": INT64_MAX}

_route_fields: dict[str, dict[str, Any]] = {
    "method": {"type": "string", "pattern": _ci_pattern(routes.METHODS),
               "description": f"One of {', '.join(routes.METHODS)}, any letter case (stored upper-case)."},
    "path": {"type": "string", "minLength": 1, "maxLength": 1024,
             "description": "A path template (docs/api.md#path-templates); not under /_picloud."},
    "script": SCRIPT_NAME,
    "dispatch_mode": {"type": "string", "enum": list(routes.DISPATCH_MODES), "default": "sync"},
    "max_attempts": {"type": "integer", "minimum": 1, "maximum": routes.MAX_ATTEMPTS, "default": 3},
}
if hasattr(routes, "AUTH_MODES"):
    _route_fields["auth"] = {"type": "string", "enum": list(routes.AUTH_MODES), "default": "none",
                             "description": "'token': callers of the route need a valid API token."}

_schedule_fields: dict[str, dict[str, Any]] = {
    "cron": {"type": "string", "description": "A cron expression (docs/schedules.md)."},
    "timezone": {"type": "string", "maxLength": 128, "default": "UTC",
                 "description": "An IANA time zone name the expression is read in."},
    "script": SCRIPT_NAME,
    "enabled": {"type": "boolean", "default": True},
}


def _body(fields: dict[str, dict[str, Any]], names: tuple[str, ...] | list[str], required: list[str],
          **extra: Any) -> dict[str, Any]:
    """A closed object schema with ``names`` (unknown names get no constraint)."""
    return {"type": "object", "additionalProperties": False,
            "properties": {name: fields.get(name, {}) for name in names}, "required": required, **extra}


LIMITS = {
    "type": "object", "additionalProperties": False,
    "properties": {name: {"type": "integer", "minimum": 1, "maximum": ceiling} for name, ceiling in CEILINGS.items()},
    "description": "Sandbox limits; missing ones take the defaults.",
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {
            "type": "object", "required": ["kind", "message"],
            "properties": {
                "kind": {"type": "string", "enum": [
                    "bad_request", "unauthorized", "not_found", "method_not_allowed", "conflict",
                    "payload_too_large", "unsupported_media_type", "compile_error", "internal", "unavailable"]},
                "message": {"type": "string"},
                "line": {"type": ["integer", "null"]}, "column": {"type": ["integer", "null"]},
                "route_id": {"type": ["integer", "null"]}, "routes": {"type": "array", "items": {"type": "integer"}},
            },
        }},
    },
    "ScriptUpload": {
        "type": "object", "additionalProperties": False, "required": ["source"],
        "properties": {
            "source": TEXT,
            "timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_TIMEOUT_SECONDS,
                                "default": 5},
            "limits": LIMITS,
        },
    },
    "Rollback": {"type": "object", "additionalProperties": False, "required": ["version"],
                 "properties": {"version": {"type": "integer", "minimum": 1, "maximum": INT32_MAX}}},
    "RetryDeadLetter": {"type": "object", "additionalProperties": False,
                        "properties": {"version": {"type": "integer", "minimum": 1, "maximum": INT32_MAX,
                                                   "description": "Default: the script's current version."}}},
    "RouteCreate": _body(_route_fields, routes.FIELDS, ["method", "path", "script"]),
    "RouteUpdate": _body(_route_fields, routes.FIELDS, []),
    "TriggerCreate": {
        "type": "object", "additionalProperties": False, "required": ["pattern", "script"],
        "properties": {
            "pattern": {"type": "string", "minLength": 1, "maxLength": 512,
                        "description": "A glob over KV keys (docs/api.md)."},
            "script": {"type": "string", "maxLength": 128},
            "ops": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": list(triggers.OPS)}},
            "max_attempts": {"type": "integer", "minimum": 1, "maximum": 100, "default": 3},
        },
    },
    "TokenCreate": {
        "type": "object", "additionalProperties": False, "required": ["name"],
        "properties": {"name": {"type": "string", "pattern": f"^{tokens.TOKEN_NAME.pattern}$",
                                "not": {"const": "admin"}}},
    },
    "ScheduleCreate": _body(_schedule_fields, schedules.FIELDS, ["cron", "script"]),
    "ScheduleUpdate": _body(_schedule_fields, schedules.FIELDS, []),
    "ScriptVersion": {
        "type": "object",
        "properties": {
            "name": {"type": "string"}, "version": {"type": "integer"}, "current": {"type": "boolean"},
            "timeout_seconds": {"type": "number"}, "limits": {"type": "object"}, "created_at": TIMESTAMP,
            "source": {"type": "string"}, "created": {"type": "boolean"},
            "previous_version": {"type": "integer"},
        },
        "required": ["name", "version", "current", "timeout_seconds", "limits", "created_at"],
    },
    "ScriptSummary": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "current_version": {"type": "integer"},
                       "latest_version": {"type": "integer"}, "created_at": TIMESTAMP, "updated_at": TIMESTAMP},
        "required": ["name", "current_version", "latest_version"],
    },
    "ScriptDetail": {
        "allOf": [_ref("ScriptSummary"), {"type": "object", "properties": {
            "source": {"type": "string"}, "timeout_seconds": {"type": "number"}, "limits": {"type": "object"},
            "versions": {"type": "array", "items": {"type": "object"}},
            "routes": {"type": "array", "items": {"type": "integer"}}}}],
    },
    "Route": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, **{k: {"type": "string"} for k in routes.FIELDS},
                       "max_attempts": {"type": "integer"}, "created_at": TIMESTAMP, "updated_at": TIMESTAMP},
        "required": ["id", "method", "path", "script", "dispatch_mode", "max_attempts"],
    },
    "Execution": {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "status": {"type": "string", "enum": list(executions.store.STATUSES)},
            "attempts": {"type": "integer"}, "max_attempts": {"type": "integer"},
            "trigger": {"type": "string"}, "route_id": {"type": ["integer", "null"]},
            "script": {"type": "string"}, "version": {"type": ["integer", "null"]},
            "dispatch_mode": {"type": "string"}, "http_status": {"type": ["integer", "null"]},
            "result": {}, "error": {"type": ["object", "null"]},
            "logs": {"type": ["array", "null"], "items": {"type": "string"}}, "input": {},
            "created_at": TIMESTAMP, "started_at": TIMESTAMP, "finished_at": TIMESTAMP,
            "next_attempt_at": TIMESTAMP, "duration_ms": {"type": ["number", "null"]},
        },
        "required": ["id", "status", "script"],
    },
    "KvEntry": {"type": "object", "required": ["key", "value"],
                "properties": {"key": {"type": "string"}, "value": {}, "updated_at": TIMESTAMP}},
    "Trigger": {"type": "object", "properties": {
        "id": {"type": "integer"}, "pattern": {"type": "string"}, "script": {"type": "string"},
        "ops": {"type": "array", "items": {"type": "string"}}, "max_attempts": {"type": "integer"},
        "created_at": TIMESTAMP}},
    "Token": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "admin": {"type": "boolean"},
        "created_at": TIMESTAMP, "last_used_at": TIMESTAMP,
        "token": {"type": "string", "description": "The secret; only in the answer to POST /tokens."}}},
    "Schedule": {"type": "object", "properties": {
        "id": {"type": "integer"}, "cron": {"type": "string"}, "timezone": {"type": "string"},
        "script": {"type": "string"}, "enabled": {"type": "boolean"}, "next_fire_at": TIMESTAMP,
        "last_fired_at": TIMESTAMP, "created_at": TIMESTAMP, "updated_at": TIMESTAMP}},
}

_ERRORS = {
    "400": "Malformed JSON; a missing, unknown or wrong-typed field; an invalid value or query parameter.",
    "401": "No valid API token (bearer header or session cookie).",
    "404": "No such object (or a malformed id).",
    "405": "Known path, wrong method; Allow lists the methods.",
    "409": "Conflict with existing state.",
    "413": f"Body over {MAX_BODY_BYTES} bytes.",
    "415": "Body type other than JSON.",
    "422": "The script does not compile (line, column).",
    "500": "Platform fault (logged).",
    "503": "The database is unreachable; Retry-After: 2.",
}

# -- operations ----------------------------------------------------------------------------------


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _ok(status: int, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description}
    if schema is not None:
        response["content"] = _json(schema)
    return {str(status): response}


def _list(key: str, item: str, paged: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {key: {"type": "array", "items": _ref(item)}}
    if paged:
        properties["next"] = {"type": ["string", "null"], "description": "Cursor for `before`/`after`."}
    return {"type": "object", "properties": properties, "required": [key]}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _page_params(with_status: bool) -> list[dict[str, Any]]:
    params = [
        _query("route", ID, "Only executions of this route id."),
        _query("script", SCRIPT_NAME, "Only executions of this script."),
        _query("limit", {"type": "integer", "minimum": 1, "maximum": executions.MAX_LIMIT,
                         "default": executions.DEFAULT_LIMIT}, "Page size."),
        _query("before", {"type": "string"}, "The `next` cursor of the previous page."),
    ]
    if with_status:
        params.insert(2, _query("status", {"type": "string", "enum": list(executions.store.STATUSES)},
                                "Only executions in this status."))
    return params


def _op(summary: str, responses: dict[str, Any], errors: str, *, tag: str, body: dict[str, Any] | None = None,
        body_required: bool = True, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "tags": [tag], "parameters": params or []}
    if body is not None:
        operation["requestBody"] = {"required": body_required, "content": body}
    all_errors = responses | {code: {"$ref": f"#/components/responses/E{code}"}
                              for code in sorted(set(errors.split()) | {"401", "500", "503"})}
    operation["responses"] = all_errors
    return operation


_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
_ID = {"name": "id", "in": "path", "required": True, "schema": ID}
_UUID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
_KEY = {"name": "key", "in": "path", "required": True,
        "schema": {"type": "string", "minLength": 1, "description": "1-512 bytes of UTF-8; may contain '/'."}}

OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    # scripts
    ("GET", "/scripts"): _op("List scripts", _ok(200, "Scripts, by name", _list("scripts", "ScriptSummary")),
                             "400", tag="scripts"),
    ("PUT", "/scripts/{name}"): _op(
        "Upload a new version of a script",
        _ok(200, "A new version of an existing script", _ref("ScriptVersion"))
        | _ok(201, "A new script", _ref("ScriptVersion")),
        "400 413 415 422", tag="scripts",
        body=_json(_ref("ScriptUpload")) | {"text/plain": {"schema": {"type": "string"}}},
        params=[{**_NAME, "schema": SCRIPT_NAME}]),
    ("GET", "/scripts/{name}"): _op("Read a script", _ok(200, "The current version and history",
                                                          _ref("ScriptDetail")), "404", tag="scripts",
                                    params=[_NAME]),
    ("DELETE", "/scripts/{name}"): _op("Delete a script", _ok(204, "Deleted"), "404 409", tag="scripts",
                                       params=[_NAME]),
    ("GET", "/scripts/{name}/versions/{version}"): _op(
        "Read one version", _ok(200, "The version with its source", _ref("ScriptVersion")), "404",
        tag="scripts", params=[_NAME, {"name": "version", "in": "path", "required": True,
                                       "schema": {"type": "integer", "minimum": 1, "maximum": INT64_MAX}}]),
    ("POST", "/scripts/{name}/rollback"): _op(
        "Make an earlier version current", _ok(200, "The now current version", _ref("ScriptVersion")),
        "400 404 413 415", tag="scripts", body=_json(_ref("Rollback")), params=[_NAME]),
    # routes
    ("GET", "/routes"): _op("List routes", _ok(200, "Routes, by id", _list("routes", "Route")), "400",
                            tag="routes"),
    ("POST", "/routes"): _op("Create a route", _ok(201, "Created", _ref("Route")), "400 409 413 415",
                             tag="routes", body=_json(_ref("RouteCreate"))),
    ("GET", "/routes/{id}"): _op("Read a route", _ok(200, "The route", _ref("Route")), "404", tag="routes",
                                 params=[_ID]),
    ("PATCH", "/routes/{id}"): _op("Change a route", _ok(200, "The route", _ref("Route")),
                                   "400 404 409 413 415", tag="routes", body=_json(_ref("RouteUpdate")),
                                   params=[_ID]),
    ("DELETE", "/routes/{id}"): _op("Delete a route", _ok(204, "Deleted"), "404", tag="routes", params=[_ID]),
    # executions
    ("GET", "/executions"): _op("List executions, newest first",
                                _ok(200, "A page", _list("executions", "Execution", paged=True)), "400",
                                tag="executions", params=_page_params(True)),
    ("GET", "/executions/{id}"): _op("Read an execution", _ok(200, "The execution", _ref("Execution")), "404",
                                     tag="executions", params=[_UUID]),
    # dead letters
    ("GET", "/dead-letters"): _op("List dead letters",
                                  _ok(200, "A page", _list("dead_letters", "Execution", paged=True)), "400",
                                  tag="dead-letters", params=_page_params(False)),
    ("GET", "/dead-letters/{id}"): _op("Read a dead letter", _ok(200, "The execution", _ref("Execution")), "404",
                                       tag="dead-letters", params=[_UUID]),
    ("DELETE", "/dead-letters/{id}"): _op("Discard a dead letter", _ok(204, "Deleted"), "404",
                                          tag="dead-letters", params=[_UUID]),
    ("POST", "/dead-letters/{id}/retry"): _op(
        "Run a dead letter again", _ok(202, "Re-enqueued", _ref("Execution")), "400 404 409 413 415",
        tag="dead-letters", body=_json(_ref("RetryDeadLetter")), body_required=False, params=[_UUID]),
    # kv
    ("GET", "/kv"): _op("List KV entries by key", _ok(200, "A page", {
        "type": "object", "required": ["entries"],
        "properties": {"entries": {"type": "array", "items": _ref("KvEntry")},
                       "next": {"type": ["string", "null"]}}}), "400", tag="kv", params=[
        _query("prefix", {"type": "string"}, "Only keys starting with this."),
        _query("limit", {"type": "integer", "minimum": 1, "maximum": kv.MAX_KEYS_LIMIT,
                         "default": kv.DEFAULT_LIMIT}, "Page size."),
        _query("after", {"type": "string"}, "The `next` key of the previous page.")]),
    ("GET", "/kv/{key...}"): _op("Read a KV entry", _ok(200, "The entry", _ref("KvEntry")), "400 404", tag="kv",
                                 params=[_KEY]),
    ("PUT", "/kv/{key...}"): _op("Set a KV entry (fires KV triggers)", _ok(200, "The entry", _ref("KvEntry")),
                                 "400 413", tag="kv", body=_json({"description": "Any JSON value, at most 1 MiB."}),
                                 params=[_KEY]),
    ("DELETE", "/kv/{key...}"): _op("Delete a KV entry (fires KV triggers)", _ok(204, "Deleted"), "400 404",
                                    tag="kv", params=[_KEY]),
    # triggers
    ("GET", "/triggers"): _op("List KV triggers", _ok(200, "Triggers", _list("triggers", "Trigger")), "",
                              tag="triggers"),
    ("POST", "/triggers"): _op("Create a KV trigger", _ok(201, "Created", _ref("Trigger")), "400 413 415",
                               tag="triggers", body=_json(_ref("TriggerCreate"))),
    ("GET", "/triggers/{id}"): _op("Read a KV trigger", _ok(200, "The trigger", _ref("Trigger")), "404",
                                   tag="triggers", params=[_ID]),
    ("DELETE", "/triggers/{id}"): _op("Delete a KV trigger", _ok(204, "Deleted"), "404", tag="triggers",
                                      params=[_ID]),
    # tokens
    ("GET", "/tokens"): _op("List API tokens (never their secrets)", _ok(200, "Tokens", _list("tokens", "Token")),
                            "400", tag="tokens"),
    ("POST", "/tokens"): _op("Create an API token; the secret is shown once", _ok(201, "Created", _ref("Token")),
                             "400 409 413 415", tag="tokens", body=_json(_ref("TokenCreate"))),
    ("GET", "/tokens/{id}"): _op("Read a token", _ok(200, "The token", _ref("Token")), "404", tag="tokens",
                                 params=[_ID]),
    ("DELETE", "/tokens/{id}"): _op("Revoke a token", _ok(204, "Revoked"), "404", tag="tokens", params=[_ID]),
    # schedules
    ("GET", "/schedules"): _op("List cron schedules", _ok(200, "Schedules", _list("schedules", "Schedule")),
                               "400", tag="schedules"),
    ("POST", "/schedules"): _op("Create a cron schedule", _ok(201, "Created", _ref("Schedule")), "400 413 415",
                                tag="schedules", body=_json(_ref("ScheduleCreate"))),
    ("GET", "/schedules/{id}"): _op("Read a schedule", _ok(200, "The schedule", _ref("Schedule")), "404",
                                    tag="schedules", params=[_ID]),
    ("PATCH", "/schedules/{id}"): _op("Change a schedule", _ok(200, "The schedule", _ref("Schedule")),
                                      "400 404 413 415", tag="schedules", body=_json(_ref("ScheduleUpdate")),
                                      params=[_ID]),
    ("DELETE", "/schedules/{id}"): _op("Delete a schedule", _ok(204, "Deleted"), "404", tag="schedules",
                                       params=[_ID]),
}

OPENAPI_OPERATION = _op("This document", _ok(200, "The OpenAPI 3.1 document", {"type": "object"}), "",
                        tag="meta")


def _undocumented(method: str, template: str) -> dict[str, Any]:
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
              for name in re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)", template)]
    return _op(f"{method} {template} (not described yet)", {"default": {"description": "See docs/api.md"}}, "",
               tag="undocumented", params=params)


def build_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {"/openapi.json": {"get": OPENAPI_OPERATION}}
    served = router_operations()
    for method, template in sorted(served):
        operation = OPERATIONS.get((method, template)) or _undocumented(method, template)
        paths.setdefault(openapi_path(template), {})[method.lower()] = copy.deepcopy(operation)
    responses = {f"E{code}": {"description": text, "content": _json(_ref("Error"))}
                 for code, text in _ERRORS.items()}
    responses["E401"]["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    responses["E503"]["headers"] = {"Retry-After": {"schema": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "PiCloud control plane",
            "version": __version__,
            "description": "Manage scripts, routes, executions, dead letters, the KV store, KV triggers, "
                           "API tokens and cron schedules. See docs/api.md.",
        },
        "servers": [{"url": API_PREFIX}],
        "security": [{"bearer": []}, {"session": []}],
        "tags": [{"name": name} for name in ("scripts", "routes", "executions", "dead-letters", "kv", "triggers",
                                             "tokens", "schedules", "meta")],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "responses": responses,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "An API token: `picloud token create NAME` or POST /tokens."},
                "session": {"type": "apiKey", "in": "cookie", "name": "picloud_session",
                            "description": "The dashboard's session cookie (same token)."},
            },
        },
    }


@functools.cache
def document_bytes() -> bytes:
    return json.dumps(build_document(), indent=1).encode()


async def openapi_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """ASGI endpoint for ``GET /_picloud/api/v1/openapi.json``."""
    if scope["method"] not in ("GET", "HEAD"):
        await send_error(send, 405, "method_not_allowed", "use GET", [(b"allow", b"GET, HEAD")])
        return
    body = document_bytes()
    await send_response(send, 200, b"" if scope["method"] == "HEAD" else body, content_type=b"application/json")
