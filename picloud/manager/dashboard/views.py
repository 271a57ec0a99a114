"""The dashboard's pages. Reads and writes go through the control-plane handlers."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from typing import TYPE_CHECKING, Any

from picloud.executor.limits import DEFAULT_TIMEOUT_SECONDS
from picloud.manager.api import dead_letters as dead_letters_api
from picloud.manager.api import executions as executions_api
from picloud.manager.api import kv as kv_api
from picloud.manager.api import routes as routes_api
from picloud.manager.api import scripts as scripts_api
from picloud.manager.api import triggers as triggers_api
from picloud.manager.api.responses import ApiError
from picloud.manager.auth import SESSION_COOKIE
from picloud.store.executions import STATUSES

from . import diff as diffing
from . import session, stats
from .app import UI_PREFIX, PageRequest, Reply

try:  # cron schedules may not be part of this build
    from picloud.manager.api import schedules as schedules_api
except ImportError:  # pragma: no cover
    schedules_api = None

if TYPE_CHECKING:
    from .app import Dashboard

PAGE_SIZE = 50
STARTER_SOURCE = """\
// `request` has method, path, params, query, headers, body and json.
print(`called with ${request.path}`);   // shows up in the execution's logs
#{ status: 200, body: "hello from PiCloud" }
"""


def register(ui: Dashboard) -> None:
    ui.page("/", get=overview)
    ui.page("/login", get=login_form, post=login, public=True)
    ui.page("/logout", post=logout)
    ui.page("/deploy", get=deploy_form, post=deploy)
    ui.page("/scripts", get=scripts_list)
    ui.page("/scripts/{name}", get=script_detail)
    ui.page("/scripts/{name}/diff", get=script_diff)
    ui.page("/scripts/{name}/rollback", post=script_rollback)
    ui.page("/scripts/{name}/delete", post=script_delete)
    ui.page("/routes", get=routes_list, post=route_create)
    ui.page("/routes/{id}/delete", post=route_delete)
    ui.page("/executions", get=executions_list)
    ui.page("/executions/{id}", get=execution_detail)
    ui.page("/dead-letters", get=dead_letters_list)
    ui.page("/dead-letters/{id}/retry", post=dead_letter_retry)
    ui.page("/dead-letters/{id}/discard", post=dead_letter_discard)
    ui.page("/kv", get=kv_list, post=kv_save)
    ui.page("/kv/entry", get=kv_entry)
    ui.page("/kv/delete", post=kv_delete)
    ui.page("/triggers", get=triggers_list, post=trigger_create)
    ui.page("/triggers/{id}/delete", post=trigger_delete)
    if schedules_api is not None:
        ui.page("/schedules", get=schedules_list, post=schedule_create)
        ui.page("/schedules/{id}/toggle", post=schedule_toggle)
        ui.page("/schedules/{id}/delete", post=schedule_delete)


def not_found(ui: Dashboard, req: PageRequest, message: str) -> Reply:
    return ui.render(req, "error.html", 404, title="Not found", message=message)


def _quote(value: str) -> str:
    return urllib.parse.quote(value, safe="")


# -- login ----------------------------------------------------------------------------------


def _safe_next(value: str) -> str:
    """A dashboard path to go to after login; anything odd goes to the overview."""
    if not value.startswith("/") or value.startswith("//") or "\\" in value or any(ord(c) < 32 for c in value):
        return "/"
    return value


async def login_form(ui: Dashboard, req: PageRequest, *, error: str | None = None, status: int = 200) -> Reply:
    if error is None and req.method == "GET":
        token = session.cookies(req.scope).get(SESSION_COOKIE)
        if token and await ui.auth.verify(token) is not None:
            return Reply(303, b"", [(b"location", (UI_PREFIX + _safe_next(req.query.get("next", "/"))).encode())],
                         None)
    login_csrf = session.cookies(req.scope).get(session.LOGIN_CSRF_COOKIE) or session.new_login_csrf()
    req.set_cookies.append(session.make_cookie(session.LOGIN_CSRF_COOKIE, login_csrf, req.scope, max_age=3600))
    req.csrf = login_csrf
    flash = session.cookies(req.scope).get(session.FLASH_COOKIE)
    if flash and req.method == "GET":
        req.flash = urllib.parse.unquote(flash)[:300]
        req.set_cookies.append(session.clear_cookie(session.FLASH_COOKIE, req.scope))
    next_path = _safe_next(req.field("next") or req.query.get("next", "/"))
    return ui.render(req, "login.html", status, error=error, next_path=next_path, nav="login")


async def login(ui: Dashboard, req: PageRequest) -> Reply:
    expected = session.cookies(req.scope).get(session.LOGIN_CSRF_COOKIE)
    if not session.same_origin(req.scope) or not session.tokens_match(expected, req.field("csrf")):
        return await login_form(ui, req, error="The login form expired; please try again.", status=403)
    token = req.field("token").strip()
    if not token:
        return await login_form(ui, req, error="Paste an API token.", status=400)
    if await ui.auth.verify(token) is None:
        return await login_form(ui, req, error="That token is not valid (or it was revoked).", status=401)
    location = UI_PREFIX + _safe_next(req.field("next", "/"))
    return Reply(303, b"", [(b"location", location.encode()),
                           session.session_cookie(token, req.scope),
                           session.clear_cookie(session.LOGIN_CSRF_COOKIE, req.scope)], None)


async def logout(ui: Dashboard, req: PageRequest) -> Reply:
    reply = ui.redirect(req, "/login", "You are logged out.")
    reply.headers.append(session.clear_cookie(SESSION_COOKIE, req.scope))
    return reply


# -- overview -------------------------------------------------------------------------------


def _chart(per_minute: list[tuple[dt.datetime, int, int]]) -> dict[str, Any]:
    width, height, bar = 600, 90, 10
    peak = max((ok + failed for _, ok, failed in per_minute), default=0)
    bars = []
    for index, (minute, ok, failed) in enumerate(per_minute):
        total = ok + failed
        h_total = 0 if peak == 0 else max(1, round(total / peak * height)) if total else 0
        h_failed = 0 if total == 0 else round(h_total * failed / total)
        if failed and h_failed == 0:
            h_failed = 1
        bars.append({
            "x": index * bar, "width": bar - 2,
            "ok_y": height - h_total, "ok_h": h_total - h_failed,
            "failed_y": height - h_failed, "failed_h": h_failed,
            "label": f"{minute:%H:%M} UTC: {ok} ok, {failed} failed",
        })
    return {"width": width, "height": height, "bars": bars, "peak": peak,
            "total": sum(ok + failed for _, ok, failed in per_minute),
            "start": per_minute[0][0] if per_minute else None}


async def overview(ui: Dashboard, req: PageRequest) -> Reply:
    summary = await ui.db.run(stats.overview, dt.datetime.now(dt.UTC))
    failures = (await ui.api(executions_api.list_executions, query={"status": "failed", "limit": 8}))["executions"]
    dead = (await ui.api(dead_letters_api.list_dead_letters, query={"limit": 5}))["dead_letters"]
    return ui.render(req, "overview.html", summary=summary, failures=failures, dead=dead,
                     chart=_chart(summary.per_minute), statuses=STATUSES)


# -- scripts ---------------------------------------------------------------------------------


async def scripts_list(ui: Dashboard, req: PageRequest) -> Reply:
    scripts = (await ui.api(scripts_api.list_scripts))["scripts"]
    return ui.render(req, "scripts.html", scripts=scripts)


async def _routes_by_id(ui: Dashboard) -> dict[int, dict]:
    return {r["id"]: r for r in (await ui.api(routes_api.list_routes))["routes"]}


async def script_detail(ui: Dashboard, req: PageRequest) -> Reply:
    name = req.params["name"]
    try:
        script = await ui.api(scripts_api.get_script, params={"name": name})
    except ApiError as exc:
        return not_found(ui, req, exc.message)
    shown = script
    wanted = req.query.get("version")
    if wanted and wanted != str(script["current_version"]):
        try:
            shown = await ui.api(scripts_api.get_version, params={"name": name, "version": wanted})
        except ApiError as exc:
            return not_found(ui, req, exc.message)
    routes = await _routes_by_id(ui)
    recent = (await ui.api(executions_api.list_executions, query={"script": name, "limit": 10}))["executions"]
    versions = sorted(script["versions"], key=lambda v: v["version"], reverse=True)
    return ui.render(
        req, "script.html", script=script, shown=shown,
        shown_version=shown.get("version", script["current_version"]), versions=versions,
        routes=[routes[i] for i in script["routes"] if i in routes], recent=recent,
    )


async def script_diff(ui: Dashboard, req: PageRequest) -> Reply:
    name = req.params["name"]
    try:
        script = await ui.api(scripts_api.get_script, params={"name": name})
    except ApiError as exc:
        return not_found(ui, req, exc.message)
    numbers = [v["version"] for v in script["versions"]]
    current = script["current_version"]
    a = req.query.get("a") or str(max([n for n in numbers if n < current], default=current))
    b = req.query.get("b") or str(current)
    try:
        left = await ui.api(scripts_api.get_version, params={"name": name, "version": a})
        right = await ui.api(scripts_api.get_version, params={"name": name, "version": b})
    except ApiError as exc:
        return not_found(ui, req, exc.message)
    rows = diffing.side_by_side(left["source"], right["source"])
    added, removed = diffing.stats(rows)
    return ui.render(req, "diff.html", nav="scripts", script=script, left=left, right=right, rows=rows,
                     added=added, removed=removed, numbers=sorted(numbers, reverse=True))


async def script_rollback(ui: Dashboard, req: PageRequest) -> Reply:
    name = req.params["name"]
    version = req.field("version")
    if not version.isdigit():
        return ui.redirect(req, f"/scripts/{_quote(name)}", "Error: pick a version to roll back to.")
    try:
        result = await ui.api(scripts_api.rollback, params={"name": name}, json_body={"version": int(version)},
                              method="POST")
    except ApiError as exc:
        return ui.redirect(req, f"/scripts/{_quote(name)}", f"Error: {exc.message}")
    return ui.redirect(req, f"/scripts/{_quote(name)}",
                       f"Rolled {name} back to version {result['version']} (was version "
                       f"{result['previous_version']}). Routes run it from the next request on.")


async def _delete(ui: Dashboard, req: PageRequest, handler, params: dict, page: str, done: str,
                  error_page: str | None = None) -> Reply:
    """DELETE through the API, then back to ``page`` saying ``done`` (on an API error:
    to ``error_page``, default ``page``, saying why)."""
    try:
        await ui.api(handler, params=params, method="DELETE")
    except ApiError as exc:
        return ui.redirect(req, error_page or page, f"Error: {exc.message}")
    return ui.redirect(req, page, done)


async def script_delete(ui: Dashboard, req: PageRequest) -> Reply:
    name = req.params["name"]
    return await _delete(ui, req, scripts_api.delete_script, {"name": name}, "/scripts",
                         f"Deleted script {name} and all its versions.", error_page=f"/scripts/{_quote(name)}")


async def deploy_form(ui: Dashboard, req: PageRequest) -> Reply:
    name = req.query.get("name", "")
    source, timeout, existing = STARTER_SOURCE, DEFAULT_TIMEOUT_SECONDS, None
    if name:
        try:
            existing = await ui.api(scripts_api.get_script, params={"name": name})
            source, timeout = existing["source"], existing["timeout_seconds"]
        except ApiError:
            existing = None
    return ui.render(req, "deploy.html", nav="scripts", name=name, source=source, timeout=_number(timeout),
                     existing=existing, error=None)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _excerpt(source: str, line: int | None, column: int | None) -> list[dict] | None:
    """A few lines around a compile error, the bad one marked, for the form."""
    lines = source.split("\n")
    if line is None or not 1 <= line <= len(lines):
        return None
    rows = []
    for number in range(max(1, line - 2), min(len(lines), line + 2) + 1):
        rows.append({"number": number, "text": lines[number - 1], "bad": number == line,
                     "caret": " " * max(0, (column or 1) - 1) + "^" if number == line and column else ""})
    return rows


async def deploy(ui: Dashboard, req: PageRequest) -> Reply:
    name, source, timeout_text = req.field("name").strip(), req.field("source"), req.field("timeout").strip()
    error: dict[str, Any] | None = None
    payload: dict[str, Any] = {"source": source}
    if timeout_text:
        try:
            payload["timeout_seconds"] = float(timeout_text)
        except ValueError:
            error = {"field": "timeout", "message": "Timeout: enter a number of seconds, e.g. 5 or 0.5."}
    if error is None and not name:
        error = {"field": "name", "message": "Name: give the script a name, e.g. hello."}
    if error is None and not source.strip():
        error = {"field": "source", "message": "Source: the script is empty."}
    if error is None:
        try:
            result = await ui.api(scripts_api.put_script, params={"name": name}, json_body=payload, method="PUT")
        except ApiError as exc:
            error = {"field": exc.message.split(":", 1)[0] if exc.status == 400 else "source",
                     "message": exc.message, "kind": exc.kind,
                     "line": exc.extra.get("line"), "column": exc.extra.get("column")}
            if exc.kind == "compile_error":
                error["excerpt"] = _excerpt(source, error["line"], error["column"])
                where = f" at line {error['line']}, column {error['column']}" if error["line"] else ""
                error["message"] = f"The script does not compile{where}: {exc.message}"
            elif error["field"] == "timeout_seconds":
                error["field"] = "timeout"
        else:
            what = "Created script" if result.get("created") else "Deployed"
            return ui.redirect(req, f"/scripts/{_quote(name)}", f"{what} {name} version {result['version']}.")
    existing = None
    try:
        existing = await ui.api(scripts_api.get_script, params={"name": name}) if name else None
    except ApiError:
        existing = None
    status = 422 if error and error.get("kind") == "compile_error" else 400
    return ui.render(req, "deploy.html", status, nav="scripts", name=name, source=source,
                     timeout=timeout_text, existing=existing, error=error)


# -- routes ---------------------------------------------------------------------------------


async def routes_list(ui: Dashboard, req: PageRequest, *, error: str | None = None, status: int = 200) -> Reply:
    routes = (await ui.api(routes_api.list_routes))["routes"]
    scripts = [s["name"] for s in (await ui.api(scripts_api.list_scripts))["scripts"]]
    values = {"method": req.field("method", "GET"), "path": req.field("path"),
              "script": req.field("script") or req.query.get("script", ""),
              "dispatch_mode": req.field("dispatch_mode", "sync"),
              "max_attempts": req.field("max_attempts", str(routes_api.DEFAULT_MAX_ATTEMPTS))}
    return ui.render(req, "routes.html", status, routes=routes, scripts=scripts, values=values, error=error,
                     methods=routes_api.METHODS, modes=routes_api.DISPATCH_MODES)


async def route_create(ui: Dashboard, req: PageRequest) -> Reply:
    body: dict[str, Any] = {"method": req.field("method"), "path": req.field("path").strip(),
                            "script": req.field("script"), "dispatch_mode": req.field("dispatch_mode", "sync")}
    attempts = req.field("max_attempts").strip()
    if attempts:
        if not attempts.isdigit():
            return await routes_list(ui, req, error="max_attempts: enter a whole number from 1 to 100.",
                                     status=400)
        body["max_attempts"] = int(attempts)
    if not body["script"]:
        return await routes_list(ui, req, error="script: pick the script this route runs (deploy one first).",
                                 status=400)
    try:
        route = await ui.api(routes_api.create_route, json_body=body, method="POST")
    except ApiError as exc:
        return await routes_list(ui, req, error=exc.message, status=exc.status)
    return ui.redirect(req, "/routes", f"Added route {route['id']}: {route['method']} {route['path']} "
                                      f"runs {route['script']}.")


async def route_delete(ui: Dashboard, req: PageRequest) -> Reply:
    rid = req.params["id"]
    return await _delete(ui, req, routes_api.delete_route, {"id": rid}, "/routes", f"Deleted route {rid}.")


# -- executions -----------------------------------------------------------------------------


async def executions_list(ui: Dashboard, req: PageRequest) -> Reply:
    filters = {k: req.query.get(k, "") for k in ("script", "status", "route")}
    query = {**filters, "before": req.query.get("before", ""), "limit": PAGE_SIZE}
    error, page = None, {"executions": [], "next": None}
    try:
        page = await ui.api(executions_api.list_executions, query=query)
    except ApiError as exc:
        error = exc.message
    scripts = [s["name"] for s in (await ui.api(scripts_api.list_scripts))["scripts"]]
    first_query = urllib.parse.urlencode({k: v for k, v in filters.items() if v})
    next_query = None
    if page["next"]:
        next_query = urllib.parse.urlencode({**{k: v for k, v in filters.items() if v}, "before": page["next"]})
    return ui.render(req, "executions.html", executions=page["executions"], filters=filters, scripts=scripts,
                     statuses=STATUSES, error=error, next_query=next_query, first_query=first_query,
                     paged=bool(req.query.get("before")))


async def execution_detail(ui: Dashboard, req: PageRequest) -> Reply:
    try:
        execution = await ui.api(executions_api.get_execution, params={"id": req.params["id"]})
    except ApiError as exc:
        return not_found(ui, req, exc.message)
    return ui.render(req, "execution.html", nav="executions", execution=execution)


# -- dead letters ---------------------------------------------------------------------------


async def dead_letters_list(ui: Dashboard, req: PageRequest) -> Reply:
    query = {"script": req.query.get("script", ""), "before": req.query.get("before", ""), "limit": PAGE_SIZE}
    error, page = None, {"dead_letters": [], "next": None}
    try:
        page = await ui.api(dead_letters_api.list_dead_letters, query=query)
    except ApiError as exc:
        error = exc.message
    next_query = urllib.parse.urlencode({"before": page["next"]}) if page["next"] else None
    return ui.render(req, "dead_letters.html", dead_letters=page["dead_letters"], error=error,
                     next_query=next_query)


async def dead_letter_retry(ui: Dashboard, req: PageRequest) -> Reply:
    execution_id = req.params["id"]
    back = req.field("back", "/dead-letters")
    back = back if back in ("/dead-letters", f"/executions/{execution_id}") else "/dead-letters"
    body: dict[str, Any] = {}
    if req.field("version").strip():
        if not req.field("version").strip().isdigit():
            return ui.redirect(req, back, "Error: version must be a number (or empty for the current version).")
        body["version"] = int(req.field("version").strip())
    try:
        await ui.api(dead_letters_api.retry, params={"id": execution_id}, json_body=body, method="POST")
    except ApiError as exc:
        return ui.redirect(req, back, f"Error: {exc.message}")
    return ui.redirect(req, f"/executions/{_quote(execution_id)}",
                       "Retry queued: the execution is pending again and keeps its id.")


async def dead_letter_discard(ui: Dashboard, req: PageRequest) -> Reply:
    try:
        await ui.api(dead_letters_api.delete_dead_letter, params={"id": req.params["id"]}, method="DELETE")
    except ApiError as exc:
        return ui.redirect(req, "/dead-letters", f"Error: {exc.message}")
    return ui.redirect(req, "/dead-letters", f"Discarded dead letter {req.params['id']}.")


# -- KV ----------------------------------------------------------------------------------------


async def kv_list(ui: Dashboard, req: PageRequest, *, error: str | None = None, status: int = 200) -> Reply:
    prefix = req.query.get("prefix", "")
    query = {"prefix": prefix, "after": req.query.get("after", ""), "limit": PAGE_SIZE}
    page, list_error = {"entries": [], "next": None}, None
    try:
        page = await ui.api(kv_api.list_entries, query=query)
    except ApiError as exc:
        list_error = exc.message
    next_query = urllib.parse.urlencode({"prefix": prefix, "after": page["next"]}) if page["next"] else None
    values = {"key": req.field("key"), "value": req.field("value")}
    return ui.render(req, "kv.html", status, entries=page["entries"], prefix=prefix, next_query=next_query,
                     error=error, list_error=list_error, values=values, paged=bool(req.query.get("after")))


async def kv_entry(ui: Dashboard, req: PageRequest, *, error: str | None = None, status: int = 200) -> Reply:
    key = req.query.get("key") or req.field("key")
    try:
        entry = await ui.api(kv_api.get_entry, params={"key": key})
    except ApiError as exc:
        if error is None:
            return not_found(ui, req, exc.message)
        entry = None
    value_text = req.field("value") if error else json.dumps(entry["value"], indent=2, ensure_ascii=False)
    return ui.render(req, "kv_entry.html", status, nav="kv", key=key, entry=entry, value_text=value_text,
                     error=error)


async def kv_save(ui: Dashboard, req: PageRequest) -> Reply:
    key, text = req.field("key"), req.field("value")
    from_entry = req.field("from") == "entry"
    fail = kv_entry if from_entry else kv_list
    if not key:
        return await fail(ui, req, error="Key: enter a key.", status=400)
    try:
        json.loads(text)
    except ValueError:
        return await fail(ui, req, status=400, error=(
            "Value: not valid JSON. Values are JSON: a string needs double quotes (\"hello\"); "
            "numbers, true/false, null, [arrays] and {objects} are written as is."))
    try:
        await ui.api(kv_api.put_entry, params={"key": key}, raw_body=text.encode(), method="PUT")
    except ApiError as exc:
        return await fail(ui, req, error=exc.message, status=exc.status)
    return ui.redirect(req, f"/kv/entry?key={_quote(key)}", f"Saved {key}.")


async def kv_delete(ui: Dashboard, req: PageRequest) -> Reply:
    key = req.field("key")
    return await _delete(ui, req, kv_api.delete_entry, {"key": key}, "/kv", f"Deleted {key}.")


# -- triggers ------------------------------------------------------------------------------------


async def triggers_list(ui: Dashboard, req: PageRequest, *, error: str | None = None, status: int = 200) -> Reply:
    triggers = (await ui.api(triggers_api.list_all))["triggers"]
    scripts = [s["name"] for s in (await ui.api(scripts_api.list_scripts))["scripts"]]
    ops = req.fields("ops") if req.method == "POST" else list(triggers_api.OPS)
    values = {"pattern": req.field("pattern"), "script": req.field("script"), "ops": ops,
              "max_attempts": req.field("max_attempts", "3")}
    return ui.render(req, "triggers.html", status, triggers=triggers, scripts=scripts, values=values, error=error,
                     all_ops=triggers_api.OPS)


async def trigger_create(ui: Dashboard, req: PageRequest) -> Reply:
    body: dict[str, Any] = {"pattern": req.field("pattern").strip(), "script": req.field("script"),
                            "ops": req.fields("ops")}
    attempts = req.field("max_attempts").strip()
    if attempts:
        if not attempts.isdigit():
            return await triggers_list(ui, req, error="max_attempts: enter a whole number from 1 to 100.",
                                       status=400)
        body["max_attempts"] = int(attempts)
    if not body["ops"]:
        return await triggers_list(ui, req, error="ops: tick at least one of set and delete.", status=400)
    try:
        trigger = await ui.api(triggers_api.create, json_body=body, method="POST")
    except ApiError as exc:
        return await triggers_list(ui, req, error=exc.message, status=exc.status)
    return ui.redirect(req, "/triggers", f"Added trigger {trigger['id']}: {trigger['pattern']} runs "
                                        f"{trigger['script']}.")


async def trigger_delete(ui: Dashboard, req: PageRequest) -> Reply:
    tid = req.params["id"]
    return await _delete(ui, req, triggers_api.delete, {"id": tid}, "/triggers", f"Deleted trigger {tid}.")


# -- schedules -------------------------------------------------------------------------------------


async def schedules_list(ui: Dashboard, req: PageRequest, *, error: str | None = None,
                         status: int = 200) -> Reply:
    schedules = (await ui.api(schedules_api.list_schedules))["schedules"]
    scripts = [s["name"] for s in (await ui.api(scripts_api.list_scripts))["scripts"]]
    values = {"cron": req.field("cron"), "timezone": req.field("timezone", "UTC"), "script": req.field("script")}
    return ui.render(req, "schedules.html", status, schedules=schedules, scripts=scripts, values=values,
                     error=error)


async def schedule_create(ui: Dashboard, req: PageRequest) -> Reply:
    body = {"cron": req.field("cron").strip(), "timezone": req.field("timezone").strip() or "UTC",
            "script": req.field("script")}
    if not body["script"]:
        return await schedules_list(ui, req, error="script: pick the script to run.", status=400)
    try:
        schedule = await ui.api(schedules_api.create_schedule, json_body=body, method="POST")
    except ApiError as exc:
        return await schedules_list(ui, req, error=exc.message, status=exc.status)
    return ui.redirect(req, "/schedules", f"Added schedule {schedule['id']}: {schedule['cron']} runs "
                                         f"{schedule['script']}.")


async def schedule_toggle(ui: Dashboard, req: PageRequest) -> Reply:
    enabled = req.field("enabled") == "true"
    try:
        await ui.api(schedules_api.patch_schedule, params={"id": req.params["id"]},
                     json_body={"enabled": enabled}, method="PATCH")
    except ApiError as exc:
        return ui.redirect(req, "/schedules", f"Error: {exc.message}")
    return ui.redirect(req, "/schedules", f"{'Enabled' if enabled else 'Paused'} schedule {req.params['id']}.")


async def schedule_delete(ui: Dashboard, req: PageRequest) -> Reply:
    sid = req.params["id"]
    return await _delete(ui, req, schedules_api.delete_schedule, {"id": sid}, "/schedules",
                         f"Deleted schedule {sid}.")
