"""The ``picloud`` command line (reference: docs/cli.md).

``serve``, ``migrate`` and ``token`` run the platform or talk to its database
directly; every other command is a client of the control-plane API
(:class:`picloud.client.http.ApiClient`) at ``--url`` / ``PICLOUD_URL``.

Exit codes: 0 ok, 1 API or server error, 2 usage error (bad arguments, or the
API refused the request as malformed: 400), 3 not found, 4 authentication
failed, 5 cannot connect.
"""

from __future__ import annotations

import http
import json
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.text import Text

from picloud import __version__

from .http import (
    EXIT_AUTH,
    EXIT_ERROR,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    ApiClient,
    ApiError,
    ClientError,
    ConnectionFailed,
    quote,
    quote_key,
    resolve_token,
    resolve_url,
)
from .output import (
    Output,
    duration,
    http_status_text,
    shorten,
    status_text,
    timestamp,
)

FINAL_STATUSES = ("succeeded", "failed", "dead_lettered")
EXECUTION_STATUSES = ("pending", "running", "succeeded", "failed", "dead_lettered")
INVOKE_TIMEOUT = 330.0
"""Seconds to wait for a user route: scripts may run up to 300 s."""

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# -- shared options and state -------------------------------------------------------------


class State:
    """Options collected from the root group and the command (the command's win)."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.token: str | None = None
        self.json: bool = False
        self._client: ApiClient | None = None
        self._output: Output | None = None

    @property
    def client(self) -> ApiClient:
        if self._client is None:
            token, _ = resolve_token(self.token)
            self._client = ApiClient(resolve_url(self.url), token)
        return self._client

    @property
    def output(self) -> Output:
        if self._output is None:
            self._output = Output(json_mode=self.json)
        return self._output


def _state() -> State:
    ctx = click.get_current_context()
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def _delete(path: str, what: str, done: str) -> None:
    """DELETE one resource; say so (or print ``{"deleted": what}`` with --json)."""
    state = _state()
    state.client.api("DELETE", path)
    if state.json:
        state.output.json({"deleted": what})
        return
    state.output.success(done)


def _remember(name: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if value not in (None, False):
            root = ctx.find_root()
            if not isinstance(root.obj, State):
                root.obj = State()
            setattr(root.obj, name, value)

    return callback


def api_options(f: Callable) -> Callable:
    """``--url``, ``--token`` and ``--json``, accepted before or after the command name."""
    f = click.option("--json", "json_", is_flag=True, default=False, expose_value=False, is_eager=True,
                     callback=_remember("json"), help="Print JSON (the API's own documents) instead of tables.")(f)
    f = click.option("--token", metavar="TOKEN", expose_value=False, callback=_remember("token"),
                     help="API token [env PICLOUD_TOKEN; default: <data_dir>/admin-token].")(f)
    f = click.option("--url", metavar="URL", expose_value=False, callback=_remember("url"),
                     help="PiCloud server [env PICLOUD_URL; default http://127.0.0.1:8080].")(f)
    return f


class PiCloudGroup(click.Group):
    """Turns client failures into a message on stderr and the documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ClientError as exc:
            state = ctx.obj if isinstance(ctx.obj, State) else State()
            output = state.output
            if state.json and isinstance(exc, ApiError):
                output.json({"error": {"status": exc.status, **exc.payload}})
            output.error(str(exc))
            raise click.exceptions.Exit(exc.exit_code) from None


class SubGroup(click.Group):
    """Groups below the root list their commands in the order they were added."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


def usage_error(message: str) -> ClientError:
    return ClientError(message, EXIT_USAGE)


# -- the root -----------------------------------------------------------------------------------


@click.group(cls=PiCloudGroup, context_settings=CONTEXT_SETTINGS,
             help="PiCloud: a self-hosted serverless platform. Reference: docs/cli.md.\n\n"
                  "Exit codes: 0 ok, 1 API/server error, 2 usage error, 3 not found, "
                  "4 authentication failed, 5 cannot connect.")
@click.version_option(__version__, "--version", prog_name="picloud", message="%(prog)s %(version)s")
@api_options
def cli() -> None:
    _state()


# -- serve, migrate, token: the server side ------------------------------------------------------


def server_options(f: Callable) -> Callable:
    options = [
        click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default=None,
                     help="Log level (default: info)."),
        click.option("--pg-bindir", type=click.Path(path_type=Path), default=None,
                     help="PostgreSQL binaries for the embedded server."),
        click.option("--data-dir", type=click.Path(path_type=Path), default=None,
                     help="State folder (default: ./.picloud)."),
        click.option("--database-url", default=None,
                     help="PostgreSQL URL; default: embedded PostgreSQL in the data folder."),
        click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
                     help="TOML settings file (default: ./picloud.toml if present)."),
    ]
    for option in options:
        f = option(f)
    return f


def _load_server_settings(config_file: Path | None, **flags: Any) -> Any:
    from picloud.config import ConfigError, load_settings

    try:
        settings = load_settings(flags, config_file=config_file)
    except ConfigError as exc:
        print(f"picloud: {exc}", file=sys.stderr)
        raise click.exceptions.Exit(EXIT_USAGE) from None
    from picloud.shared.logging import configure_logging

    configure_logging(settings.log_level)  # JSON lines unless stderr is a terminal (docs/observability.md)
    return settings


def _run_server_side(function: Callable, *args: Any) -> int:
    """``trio.run`` with the exit codes of the server commands."""
    import trio

    from picloud.store.embedded import EmbeddedPostgresError
    from picloud.store.migrations import MigrationError

    try:
        result = trio.run(function, *args)
    except (EmbeddedPostgresError, MigrationError) as exc:
        print(f"picloud: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 0
    return result if isinstance(result, int) else 0


@cli.command(help="Run the all-in-one server.")
@server_options
@click.option("--listen", default=None, metavar="HOST:PORT", help="HTTP address (default: 127.0.0.1:8080).")
@click.option("--caddy", is_flag=True, default=None, help="Run Caddy in front of PiCloud (docs/deployment.md).")
@click.option("--domain", default=None, help="Public domain for Caddy: automatic HTTPS.")
@click.option("--http-port", type=int, default=None, help="Caddy's HTTP port (default: 8000).")
def serve(config_file: Path | None, **flags: Any) -> None:
    settings = _load_server_settings(config_file, **flags)
    from picloud.app import serve as run_server

    raise click.exceptions.Exit(_run_server_side(run_server, settings))


@cli.command(help="Apply database migrations and exit.")
@server_options
def migrate(config_file: Path | None, **flags: Any) -> None:
    settings = _load_server_settings(config_file, **flags)
    raise click.exceptions.Exit(_run_server_side(_migrate, settings))


async def _migrate(settings: Any) -> None:
    from picloud.store.service import open_store

    async with open_store(
        database_url=settings.database_url, data_dir=settings.data_dir, pg_bindir=settings.pg_bindir
    ) as store:
        applied = store.migrations.applied
        print(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else "")
              + f"; database: {store.description}")


@cli.group(cls=SubGroup, help="Create, list or revoke API tokens, directly in the database (docs/auth.md).")
def token() -> None:
    pass


def _token_command(action: str, argument: str | None, config_file: Path | None, flags: dict) -> None:
    settings = _load_server_settings(config_file, **flags)
    from picloud.manager.auth import run_token_command

    raise click.exceptions.Exit(_run_server_side(run_token_command, settings, action, argument))


@token.command("create", help="Create a token and print its secret once.")
@click.argument("name")
@server_options
def token_create(name: str, config_file: Path | None, **flags: Any) -> None:
    _token_command("create", name, config_file, flags)


@token.command("list", help="List tokens (never their secrets).")
@server_options
def token_list(config_file: Path | None, **flags: Any) -> None:
    _token_command("list", None, config_file, flags)


@token.command("revoke", help="Revoke a token by id.")
@click.argument("id")
@server_options
def token_revoke(id: str, config_file: Path | None, **flags: Any) -> None:
    _token_command("revoke", id, config_file, flags)


# -- status ------------------------------------------------------------------------------------------


@cli.command(help="Check the server's health (no token needed).")
@api_options
def status() -> None:
    state = _state()
    health = state.client.health()
    if state.json:
        state.output.json(health)
        return
    ok = isinstance(health, dict) and health.get("status") == "ok"
    state.output.fields([
        ("server", state.client.url),
        ("status", Text(str(health.get("status")), style="green" if ok else "red")),
        ("database", health.get("database")),
        ("version", health.get("version")),
        ("instance", health.get("instance")),
    ])
    if not ok:
        raise click.exceptions.Exit(EXIT_ERROR)


# -- deploy -----------------------------------------------------------------------------------------


def parse_route(spec: str) -> tuple[str, str]:
    """``'GET /path'`` → ``("GET", "/path")``."""
    parts = spec.split(None, 1)
    if len(parts) != 2 or not parts[1].strip().startswith("/"):
        raise usage_error(f"route {spec!r}: expected 'METHOD /path', e.g. 'GET /hello/{{name}}'")
    return parts[0].upper(), parts[1].strip()


def _upload(state: State, name: str, source: str, timeout: float | None, origin: str) -> dict:
    payload: dict[str, Any] = {"source": source}
    if timeout is not None:
        payload["timeout_seconds"] = timeout
    try:
        with state.output.spinner(f"Uploading {name}…"):
            return state.client.api("PUT", f"/scripts/{quote(name)}", json_body=payload)
    except ApiError as exc:
        if exc.kind == "compile_error":
            line, column = exc.payload.get("line"), exc.payload.get("column")
            where = ":".join(str(p) for p in (origin, line, column) if p is not None)
            raise ApiError(exc.status, exc.kind, f"{where}: {exc.message}", {**exc.payload, "line": None}) from None
        raise


def _ensure_route(state: State, method: str, path: str, script: str, dispatch_mode: str | None,
                  max_attempts: int | None) -> tuple[dict, str]:
    """Create the route, or find the existing one for this script; (route, "created"|"updated"|"exists")."""
    body: dict[str, Any] = {"method": method, "path": path, "script": script,
                            "dispatch_mode": dispatch_mode or "sync"}
    if max_attempts is not None:
        body["max_attempts"] = max_attempts
    try:
        return state.client.api("POST", "/routes", json_body=body), "created"
    except ApiError as exc:
        if exc.kind != "conflict" or exc.payload.get("route_id") is None:
            raise
        route_id = exc.payload["route_id"]
    route = state.client.api("GET", f"/routes/{route_id}")
    if route["script"] != script:
        raise ApiError(409, "conflict",
                       f"{method} {path} is already route {route_id} ({route['method']} {route['path']}), "
                       f"which runs script {route['script']!r}; remove it first "
                       f"(picloud routes rm {route_id}) or choose another path",
                       {"route_id": route_id})
    changes: dict[str, Any] = {}
    if dispatch_mode is not None and route["dispatch_mode"] != dispatch_mode:
        changes["dispatch_mode"] = dispatch_mode
    if max_attempts is not None and route["max_attempts"] != max_attempts:
        changes["max_attempts"] = max_attempts
    if changes:
        return state.client.api("PATCH", f"/routes/{route_id}", json_body=changes), "updated"
    return route, "exists"


def _route_line(route: dict) -> Text:
    mode = route["dispatch_mode"]
    attempts = route["max_attempts"]
    extra = f", {attempts} attempt{'s' if attempts != 1 else ''}" if mode == "async" else ""
    return Text.assemble(f"route {route['id']}: ", (f"{route['method']} {route['path']}", "bold"),
                         f" → {route['script']} ({mode}{extra})")


@cli.command(help="Upload a script (a new version) and optionally bind a route to it.\n\n"
                  "The name defaults to the file name without its extension. With --route, the route is "
                  "created unless it already exists for this script.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--name", help="Script name (default: the file's stem).")
@click.option("--route", "route_spec", metavar="'METHOD /path'", help="Bind this route to the script.")
@click.option("--async/--sync", "async_", default=None,
              help="Dispatch mode of the route (default for a new route: sync).")
@click.option("--max-attempts", type=click.IntRange(1, 100), help="Attempts of async executions (default 3).")
@click.option("--timeout", type=float, metavar="SECONDS", help="Script time limit (0 < t <= 300, default 5).")
@api_options
def deploy(file: str, name: str | None, route_spec: str | None, async_: bool | None, max_attempts: int | None,
           timeout: float | None) -> None:
    state = _state()
    if file == "-":
        source, origin = sys.stdin.read(), "<stdin>"
        if not name:
            raise usage_error("--name is required when the source comes from stdin")
    else:
        path = Path(file)
        try:
            source = path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise usage_error(f"cannot read {file}: {exc}") from None
        origin = file
        name = name or path.stem
    route_args = parse_route(route_spec) if route_spec else None
    if route_args is None and (async_ is not None or max_attempts is not None):
        raise usage_error("--async/--sync and --max-attempts need --route")
    script = _upload(state, name, source, timeout, origin)
    if not state.json:
        created = "new script" if script.get("created") else "new version"
        state.output.success(Text.assemble((script["name"], "bold"), f" version {script['version']} ({created}, "
                                           f"timeout {script['timeout_seconds']:g} s)"))
    route, outcome = None, None
    if route_args:
        with state.output.spinner(f"Binding {route_args[0]} {route_args[1]}…"):
            route, outcome = _ensure_route(state, *route_args, name,
                                           None if async_ is None else ("async" if async_ else "sync"),
                                           max_attempts)
    if state.json:
        state.output.json({"script": script, "route": route, "route_status": outcome})
    elif route is not None:
        verb = {"created": "created", "updated": "updated", "exists": "unchanged"}[outcome]
        state.output.success(Text.assemble(_route_line(route), f" [{verb}]"))


# -- scripts ---------------------------------------------------------------------------------------


@cli.group(cls=SubGroup, help="List, show, roll back and delete scripts.")
def scripts() -> None:
    pass


@scripts.command("list", help="List scripts.")
@api_options
def scripts_list() -> None:
    state = _state()
    data = state.client.api("GET", "/scripts")
    if state.json:
        state.output.json(data)
        return
    state.output.table(
        ["NAME", "CURRENT", "LATEST", "UPDATED"],
        ([s["name"], s["current_version"], s["latest_version"], timestamp(s["updated_at"])] for s in data["scripts"]),
        empty="no scripts yet: picloud deploy FILE.rhai")


@scripts.command("show", help="Show a script: settings, versions, routes and source.")
@click.argument("name")
@click.option("--version", "version", type=click.IntRange(1), help="Show this version instead of the current one.")
@click.option("--source", "source_only", is_flag=True, help="Print only the source.")
@api_options
def scripts_show(name: str, version: int | None, source_only: bool) -> None:
    state = _state()
    if version is not None:
        data = state.client.api("GET", f"/scripts/{quote(name)}/versions/{version}")
    else:
        data = state.client.api("GET", f"/scripts/{quote(name)}")
    if state.json:
        state.output.json(data)
        return
    if source_only:
        state.output.raw(data["source"])
        return
    out = state.output
    if version is None:
        out.fields([
            ("script", Text(data["name"], style="bold")),
            ("current version", f"{data['current_version']} (latest {data['latest_version']})"),
            ("timeout", f"{data['timeout_seconds']:g} s"),
            ("limits", ", ".join(f"{k}={v}" for k, v in data["limits"].items())),
            ("routes", ", ".join(str(r) for r in data["routes"]) or "-"),
            ("created", timestamp(data["created_at"])),
            ("updated", timestamp(data["updated_at"])),
        ])
        out.print()
        out.table(["VERSION", "CURRENT", "TIMEOUT", "CREATED"],
                  ([v["version"], Text("yes", style="green") if v["current"] else "", f"{v['timeout_seconds']:g} s",
                    timestamp(v["created_at"])] for v in data["versions"]))
    else:
        out.fields([
            ("script", Text(data["name"], style="bold")),
            ("version", f"{data['version']}" + (" (current)" if data["current"] else "")),
            ("timeout", f"{data['timeout_seconds']:g} s"),
            ("limits", ", ".join(f"{k}={v}" for k, v in data["limits"].items())),
            ("created", timestamp(data["created_at"])),
        ])
    out.print()
    if out.out.is_terminal:
        from rich.syntax import Syntax  # pygments: only for people at a terminal

        out.print(Syntax(data["source"], "rust", line_numbers=True, word_wrap=True))
    else:
        out.raw(data["source"])


@scripts.command("rollback", help="Make an earlier VERSION of script NAME current.")
@click.argument("name")
@click.argument("version", type=click.IntRange(1))
@api_options
def scripts_rollback(name: str, version: int) -> None:
    state = _state()
    data = state.client.api("POST", f"/scripts/{quote(name)}/rollback", json_body={"version": version})
    if state.json:
        state.output.json(data)
        return
    state.output.success(Text.assemble((name, "bold"), f": version {data['previous_version']} → {data['version']}"))


@scripts.command("rm", help="Delete a script and all its versions (refused while routes use it).")
@click.argument("name")
@api_options
def scripts_rm(name: str) -> None:
    _delete(f"/scripts/{quote(name)}", name, f"deleted script {name}")


# -- routes ---------------------------------------------------------------------------------------


@cli.group(cls=SubGroup, help="List, add and remove HTTP routes.")
def routes() -> None:
    pass


def _route_row(route: dict) -> list:
    return [route["id"], route["method"], route["path"], route["script"], route["dispatch_mode"],
            route["max_attempts"] if route["dispatch_mode"] == "async" else "-"]


@routes.command("list", help="List routes.")
@api_options
def routes_list() -> None:
    state = _state()
    data = state.client.api("GET", "/routes")
    if state.json:
        state.output.json(data)
        return
    state.output.table(["ID", "METHOD", "PATH", "SCRIPT", "MODE", "MAX ATTEMPTS"],
                       (_route_row(r) for r in data["routes"]), empty="no routes yet")


@routes.command("add", help="Add a route: picloud routes add 'GET /hello/{name}' hello "
                            "(or: picloud routes add GET /hello/{name} hello).")
@click.argument("spec", nargs=-1, required=True, metavar="'METHOD /path' SCRIPT")
@click.option("--async", "async_", is_flag=True, help="Answer 202 at once and run in the background with retries.")
@click.option("--max-attempts", type=click.IntRange(1, 100), help="Attempts of async executions (default 3).")
@api_options
def routes_add(spec: tuple[str, ...], async_: bool, max_attempts: int | None) -> None:
    state = _state()
    if len(spec) == 2:
        (method, path), script = parse_route(spec[0]), spec[1]
    elif len(spec) == 3:
        (method, path), script = parse_route(f"{spec[0]} {spec[1]}"), spec[2]
    else:
        raise usage_error("expected 'METHOD /path' SCRIPT")
    body: dict[str, Any] = {"method": method, "path": path, "script": script,
                            "dispatch_mode": "async" if async_ else "sync"}
    if max_attempts is not None:
        body["max_attempts"] = max_attempts
    route = state.client.api("POST", "/routes", json_body=body)
    if state.json:
        state.output.json(route)
        return
    state.output.success(_route_line(route))


@routes.command("show", help="Show one route.")
@click.argument("id")
@api_options
def routes_show(id: str) -> None:
    state = _state()
    route = state.client.api("GET", f"/routes/{quote(id)}")
    if state.json:
        state.output.json(route)
        return
    state.output.fields([("route", route["id"]), ("method", route["method"]), ("path", route["path"]),
                         ("script", route["script"]), ("mode", route["dispatch_mode"]),
                         ("max attempts", route["max_attempts"]), ("created", timestamp(route["created_at"])),
                         ("updated", timestamp(route["updated_at"]))])


@routes.command("rm", help="Remove a route by id.")
@click.argument("id")
@api_options
def routes_rm(id: str) -> None:
    _delete(f"/routes/{quote(id)}", id, f"removed route {id}")


# -- invoke -----------------------------------------------------------------------------------------


def _read_data(data: str) -> bytes:
    if data.startswith("@"):
        name = data[1:]
        if name == "-":
            return sys.stdin.buffer.read()
        try:
            return Path(name).read_bytes()
        except OSError as exc:
            raise usage_error(f"--data {data}: {exc.strerror or exc}") from None
    return data.encode()


def _looks_like_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _parse_body(reply: Any) -> Any:
    if reply.is_json:
        try:
            return reply.json()
        except ValueError:
            pass
    return reply.text


@cli.command(help="Call a user route and print its status, execution id and body.\n\n"
                  "Example: picloud invoke POST /orders --data '{\"id\": 1}' --header X-Trace:abc")
@click.argument("method")
@click.argument("path")
@click.option("-d", "--data", metavar="JSON|@FILE", help="Request body; @FILE reads a file, @- stdin. "
                                                        "Sent as application/json when it parses as JSON.")
@click.option("-H", "--header", "headers", multiple=True, metavar="NAME:VALUE", help="Extra header (repeatable).")
@click.option("--wait", is_flag=True, help="For an async route (202): wait for the execution to finish and show it.")
@click.option("--wait-timeout", type=float, default=300.0, show_default=True, metavar="SECONDS",
              help="Give up waiting after this long (exit 1).")
@api_options
def invoke(method: str, path: str, data: str | None, headers: tuple[str, ...], wait: bool,
           wait_timeout: float) -> None:
    state = _state()
    if not path.startswith("/"):
        raise usage_error(f"path {path!r} must start with '/'")
    request_headers: dict[str, str] = {}
    for header in headers:
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            raise usage_error(f"--header {header!r}: expected NAME:VALUE")
        request_headers[name.strip()] = value.strip()
    body = _read_data(data) if data is not None else None
    if body is not None and not any(k.lower() == "content-type" for k in request_headers):
        request_headers["Content-Type"] = "application/json" if _looks_like_json(body) else "text/plain"
    target = urllib.parse.quote(path, safe="/?&=%:@!$'()*+,;~-._")
    with state.output.spinner(f"{method.upper()} {path}…"):
        reply = state.client.request(method.upper(), target, body=body, headers=request_headers,
                                     timeout=INVOKE_TIMEOUT, send_token=False)
    parsed = _parse_body(reply)
    execution_id = reply.execution_id
    if execution_id is None and isinstance(parsed, dict) and isinstance(parsed.get("execution_id"), str):
        execution_id = parsed["execution_id"]
    execution = None
    if wait and reply.status == 202 and execution_id:
        execution = _wait_for(state, execution_id, wait_timeout)
    if state.json:
        document = {"status": reply.status, "execution_id": execution_id,
                    "headers": reply.headers, "body": parsed}
        if execution is not None:
            document["execution"] = execution
        state.output.json(document)
    else:
        out = state.output
        line = Text.assemble(http_status_text(reply.status), f" {reason_phrase(reply)}")
        if execution_id:
            line.append(f"  execution {execution_id}", style="dim")
        out.print(line)
        if reply.body:
            out.raw(json.dumps(parsed, indent=2, ensure_ascii=False) if not isinstance(parsed, str) else parsed)
        if execution is not None:
            out.print()
            _print_execution(out, execution)
    if execution is not None:
        if execution["status"] not in FINAL_STATUSES:
            state.output.error(f"execution {execution_id} still {execution['status']} after {wait_timeout:g} s")
            raise click.exceptions.Exit(EXIT_ERROR)
        raise click.exceptions.Exit(0 if execution["status"] == "succeeded" else EXIT_ERROR)
    raise click.exceptions.Exit(_invoke_exit_code(reply.status))


def reason_phrase(reply: Any) -> str:
    if reply.reason:
        return reply.reason
    try:
        return http.HTTPStatus(reply.status).phrase
    except ValueError:
        return ""


def _invoke_exit_code(status: int) -> int:
    if status < 400:
        return 0
    if status == 404:
        return EXIT_NOT_FOUND
    if status in (401, 403):
        return EXIT_AUTH
    return EXIT_ERROR


def _wait_for(state: State, execution_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    delay = 0.05
    with state.output.spinner(f"Waiting for execution {execution_id}…"):
        while True:
            execution = state.client.api("GET", f"/executions/{quote(execution_id)}")
            if execution["status"] in FINAL_STATUSES or time.monotonic() >= deadline:
                return execution
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


# -- executions and logs ------------------------------------------------------------------------


def _script_label(execution: dict) -> str:
    return f"{execution['script']}@{execution['version']}" if execution.get("version") is not None \
        else str(execution.get("script"))


def _error_text(error: Any) -> str:
    if error is None:
        return "-"
    if isinstance(error, dict):
        return f"{error.get('kind', 'error')}: {error.get('message', '')}".rstrip(": ")
    return str(error)


def _print_execution(out: Output, e: dict) -> None:
    origin = e["trigger"] + (f", route {e['route_id']}" if e.get("route_id") is not None else "")
    out.fields([
        ("execution", Text(e["id"], style="bold")),
        ("status", status_text(e["status"])),
        ("script", f"{_script_label(e)} ({origin}, {e['dispatch_mode']})"),
        ("attempts", f"{e['attempts']}/{e['max_attempts']}"),
        ("http status", http_status_text(e.get("http_status"))),
        ("created", timestamp(e["created_at"])),
        ("started", timestamp(e.get("started_at"))),
        ("finished", timestamp(e.get("finished_at"))),
        ("duration", duration(e.get("duration_ms"))),
        *([("next attempt", timestamp(e["next_attempt_at"]))] if e.get("next_attempt_at") else []),
        ("result", shorten(json.dumps(e.get("result"), ensure_ascii=False), 2000)
         if e.get("result") is not None else "-"),
        ("error", Text(_error_text(e.get("error")), style="red" if e.get("error") else "")),
    ])
    logs = e.get("logs")
    if logs is not None:
        out.print()
        out.print(Text(f"logs ({len(logs)} line{'s' if len(logs) != 1 else ''})", style="bold"))
        for line in logs:
            out.print(Text("  " + str(line)))


def _execution_row(e: dict) -> list:
    return [e["id"], status_text(e["status"]), _script_label(e), http_status_text(e.get("http_status")),
            f"{e['attempts']}/{e['max_attempts']}", duration(e.get("duration_ms")), timestamp(e["created_at"])]


EXECUTION_COLUMNS = ["ID", "STATUS", "SCRIPT", "HTTP", "ATTEMPTS", "DURATION", "CREATED (UTC)"]


@cli.group(cls=SubGroup, help="Inspect executions (newest first).")
def executions() -> None:
    pass


@executions.command("list", help="List executions, newest first.")
@click.option("--script", help="Only this script's executions.")
@click.option("--route", type=click.IntRange(1), help="Only this route's executions.")
@click.option("--status", type=click.Choice(EXECUTION_STATUSES), help="Only executions in this status.")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@api_options
def executions_list(script: str | None, route: int | None, status: str | None, limit: int) -> None:
    state = _state()
    data = state.client.get("/executions", script=script, route=route, status=status, limit=limit)
    if state.json:
        state.output.json(data)
        return
    state.output.table(EXECUTION_COLUMNS, (_execution_row(e) for e in data["executions"]), empty="no executions")


@executions.command("show", help="Show one execution with its result, error and logs.")
@click.argument("id")
@click.option("--input", "show_input", is_flag=True, help="Also print the input (request or event).")
@api_options
def executions_show(id: str, show_input: bool) -> None:
    state = _state()
    execution = state.client.api("GET", f"/executions/{quote(id)}")
    if state.json:
        state.output.json(execution)
        return
    _print_execution(state.output, execution)
    if show_input:
        state.output.print()
        state.output.print(Text("input", style="bold"))
        state.output.raw(json.dumps(execution.get("input"), indent=2, ensure_ascii=False))


def _log_block(out: Output, e: dict) -> None:
    header = Text.assemble(
        (timestamp(e.get("finished_at") or e["created_at"]), "dim"), "  ",
        (_script_label(e), "bold"), "  ", status_text(e["status"]), "  ",
        http_status_text(e.get("http_status")), "  ", duration(e.get("duration_ms")), "  ",
        (e["id"], "dim"))
    out.print(header)
    if e.get("error"):
        out.print(Text("  ! " + _error_text(e["error"]), style="red"))
    for line in e.get("logs") or []:
        out.print(Text("  │ " + str(line)))


@cli.command(help="Show finished executions with their log lines, oldest first; --follow keeps "
                  "polling the API (every --interval seconds) for new ones until Ctrl-C.")
@click.option("-f", "--follow", is_flag=True, help="Keep printing executions as they finish.")
@click.option("--script", help="Only this script's executions.")
@click.option("-n", "--lines", "count", type=click.IntRange(0, 500), default=10, show_default=True,
              help="How many recent executions to show first.")
@click.option("--interval", type=click.FloatRange(0.1), default=1.0, show_default=True, metavar="SECONDS")
@api_options
def logs(follow: bool, script: str | None, count: int, interval: float) -> None:
    state = _state()
    out = state.output
    page_size = 100

    def finished_page() -> list[dict]:
        data = state.client.get("/executions", script=script, limit=page_size)
        return data["executions"]

    def emit(summary: dict) -> None:
        try:
            detail = state.client.api("GET", f"/executions/{quote(summary['id'])}")
        except ApiError as exc:
            if exc.status != 404:  # deleted meanwhile (retention): skip it
                raise
            return
        if state.json:
            out.json_line(detail)
        else:
            _log_block(out, detail)

    page = finished_page()
    seen = {(e["id"], e.get("finished_at")) for e in page if e["status"] in FINAL_STATUSES}
    recent = [e for e in page if e["status"] in FINAL_STATUSES]
    recent.sort(key=lambda e: (e.get("finished_at") or "", e["id"]))
    for summary in recent[-count:] if count else []:
        emit(summary)
    if not follow:
        return
    if not state.json:
        out.note(f"following {state.client.url} (polling every {interval:g} s; Ctrl-C to stop)")
    disconnected = False
    try:
        while True:
            time.sleep(interval)
            try:
                page = finished_page()
                fresh = [e for e in page
                         if e["status"] in FINAL_STATUSES and (e["id"], e.get("finished_at")) not in seen]
                fresh.sort(key=lambda e: (e.get("finished_at") or "", e["id"]))
                on_page = {e["id"] for e in page}
                seen = {key for key in seen if key[0] in on_page}
                for summary in fresh:
                    emit(summary)
                    seen.add((summary["id"], summary.get("finished_at")))
            except ConnectionFailed as exc:
                if not disconnected:
                    out.warn(f"{exc.message}; retrying")
                    disconnected = True
                continue
            if disconnected:
                out.note("reconnected")
                disconnected = False
    except KeyboardInterrupt:
        raise click.exceptions.Exit(0) from None


# -- KV -----------------------------------------------------------------------------------------


@cli.group(cls=SubGroup, help="Read and write the KV store (writes fire KV triggers).")
def kv() -> None:
    pass


@kv.command("get", help="Print a key's value as JSON.")
@click.argument("key")
@api_options
def kv_get(key: str) -> None:
    state = _state()
    entry = state.client.api("GET", f"/kv/{quote_key(key)}")
    if state.json:
        state.output.json(entry)
        return
    state.output.raw(json.dumps(entry["value"], ensure_ascii=False))


@kv.command("set", help="Set KEY to VALUE. VALUE is parsed as JSON (42, true, {\"a\": 1}, \"text\"); "
                        "anything that is not JSON is stored as a string. @FILE reads a file, @- stdin.")
@click.argument("key")
@click.argument("value")
@click.option("--string", "as_string", is_flag=True, help="Store VALUE as a string even if it parses as JSON.")
@api_options
def kv_set(key: str, value: str, as_string: bool) -> None:
    state = _state()
    text = _read_data(value).decode("utf-8", "replace") if value.startswith("@") else value
    if as_string:
        parsed: Any = text
    else:
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = text
    entry = state.client.api("PUT", f"/kv/{quote_key(key)}", body=json.dumps(parsed),
                             headers={"Content-Type": "application/json"})
    if state.json:
        state.output.json(entry)
        return
    state.output.success(Text.assemble((key, "bold"), " = ", shorten(json.dumps(entry["value"], ensure_ascii=False))))


@kv.command("rm", help="Delete a key.")
@click.argument("key")
@api_options
def kv_rm(key: str) -> None:
    _delete(f"/kv/{quote_key(key)}", key, f"deleted {key}")


@kv.command("ls", help="List keys (sorted), optionally only those starting with PREFIX.")
@click.argument("prefix", default="")
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True, help="At most this many keys.")
@api_options
def kv_ls(prefix: str, limit: int) -> None:
    state = _state()
    entries: list[dict] = []
    after = None
    while len(entries) < limit:
        data = state.client.get("/kv", prefix=prefix or None, limit=min(limit - len(entries), 1000), after=after)
        entries.extend(data["entries"])
        after = data.get("next")
        if not after:
            break
    if state.json:
        state.output.json({"entries": entries, "next": after})
        return
    state.output.table(["KEY", "VALUE", "UPDATED (UTC)"],
                       ([e["key"], shorten(json.dumps(e["value"], ensure_ascii=False)), timestamp(e["updated_at"])]
                        for e in entries), empty="no keys" + (f" starting with {prefix!r}" if prefix else ""))
    if after:
        state.output.note(f"more keys follow; raise --limit (now {limit})")


# -- triggers ------------------------------------------------------------------------------------


@cli.group(cls=SubGroup, help="KV triggers: run a script when a KV write matches a pattern.")
def triggers() -> None:
    pass


@triggers.command("list", help="List KV triggers.")
@api_options
def triggers_list() -> None:
    state = _state()
    data = state.client.api("GET", "/triggers")
    if state.json:
        state.output.json(data)
        return
    state.output.table(["ID", "PATTERN", "SCRIPT", "OPS", "MAX ATTEMPTS", "CREATED (UTC)"],
                       ([t["id"], t["pattern"], t["script"], ",".join(t["ops"]), t["max_attempts"],
                         timestamp(t["created_at"])] for t in data["triggers"]), empty="no triggers")


@triggers.command("add", help="Run SCRIPT when a KV key matching the glob PATTERN is written, e.g. 'orders/*'.")
@click.argument("pattern")
@click.argument("script")
@click.option("--ops", default="set,delete", show_default=True, help="Which writes fire: set, delete or both.")
@click.option("--max-attempts", type=click.IntRange(1, 100), help="Attempts before dead-lettering (default 3).")
@api_options
def triggers_add(pattern: str, script: str, ops: str, max_attempts: int | None) -> None:
    state = _state()
    body: dict[str, Any] = {"pattern": pattern, "script": script,
                            "ops": [op.strip() for op in ops.split(",") if op.strip()]}
    if max_attempts is not None:
        body["max_attempts"] = max_attempts
    trigger = state.client.api("POST", "/triggers", json_body=body)
    if state.json:
        state.output.json(trigger)
        return
    state.output.success(Text.assemble(f"trigger {trigger['id']}: ", (trigger["pattern"], "bold"),
                                       f" ({','.join(trigger['ops'])}) → {trigger['script']}"))


@triggers.command("rm", help="Remove a KV trigger by id.")
@click.argument("id")
@api_options
def triggers_rm(id: str) -> None:
    _delete(f"/triggers/{quote(id)}", id, f"removed trigger {id}")


# -- schedules ---------------------------------------------------------------------------------------


@cli.group(cls=SubGroup, help="Cron schedules: run a script at times given by a cron expression.")
def schedules() -> None:
    pass


def _schedule_row(s: dict) -> list:
    return [s["id"], s["cron"], s["timezone"], s["script"],
            Text("yes", style="green") if s["enabled"] else Text("no", style="yellow"),
            timestamp(s.get("next_fire_at")), timestamp(s.get("last_fired_at"))]


@schedules.command("list", help="List schedules.")
@api_options
def schedules_list() -> None:
    state = _state()
    data = state.client.api("GET", "/schedules")
    if state.json:
        state.output.json(data)
        return
    state.output.table(["ID", "CRON", "TIMEZONE", "SCRIPT", "ENABLED", "NEXT (UTC)", "LAST (UTC)"],
                       (_schedule_row(s) for s in data["schedules"]), empty="no schedules")


@schedules.command("add", help="Run SCRIPT on the cron expression CRON, e.g. '*/5 * * * *'.")
@click.argument("cron")
@click.argument("script")
@click.option("--timezone", help="IANA time zone the expression is read in (default UTC).")
@click.option("--disabled", is_flag=True, help="Create it disabled.")
@api_options
def schedules_add(cron: str, script: str, timezone: str | None, disabled: bool) -> None:
    state = _state()
    body: dict[str, Any] = {"cron": cron, "script": script}
    if timezone:
        body["timezone"] = timezone
    if disabled:
        body["enabled"] = False
    schedule = state.client.api("POST", "/schedules", json_body=body)
    _print_schedule(state, schedule, "schedule")


def _print_schedule(state: State, schedule: dict, prefix: str) -> None:
    if state.json:
        state.output.json(schedule)
        return
    when = (f"enabled, next run {timestamp(schedule['next_fire_at'])} UTC"
            if schedule["enabled"] and schedule.get("next_fire_at") else
            "enabled" if schedule["enabled"] else "disabled")
    state.output.success(Text.assemble(f"{prefix} {schedule['id']}: ", (schedule["cron"], "bold"),
                                       f" ({schedule['timezone']}) → {schedule['script']}, {when}"))


def _set_enabled(id: str, enabled: bool) -> None:
    state = _state()
    schedule = state.client.api("PATCH", f"/schedules/{quote(id)}", json_body={"enabled": enabled})
    _print_schedule(state, schedule, "schedule")


@schedules.command("enable", help="Enable a schedule.")
@click.argument("id")
@api_options
def schedules_enable(id: str) -> None:
    _set_enabled(id, True)


@schedules.command("disable", help="Disable a schedule (it stays, and does not fire).")
@click.argument("id")
@api_options
def schedules_disable(id: str) -> None:
    _set_enabled(id, False)


@schedules.command("rm", help="Remove a schedule by id.")
@click.argument("id")
@api_options
def schedules_rm(id: str) -> None:
    _delete(f"/schedules/{quote(id)}", id, f"removed schedule {id}")


# -- dead letters ------------------------------------------------------------------------------------


@cli.group(cls=SubGroup, help="Dead letters: executions whose attempts ran out.")
def dlq() -> None:
    pass


@dlq.command("list", help="List dead letters, newest first.")
@click.option("--script", help="Only this script's dead letters.")
@click.option("--route", type=click.IntRange(1), help="Only this route's dead letters.")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@api_options
def dlq_list(script: str | None, route: int | None, limit: int) -> None:
    state = _state()
    data = state.client.get("/dead-letters", script=script, route=route, limit=limit)
    if state.json:
        state.output.json(data)
        return
    state.output.table(["ID", "SCRIPT", "TRIGGER", "ATTEMPTS", "ERROR", "CREATED (UTC)"],
                       ([e["id"], _script_label(e), e["trigger"], f"{e['attempts']}/{e['max_attempts']}",
                         shorten(_error_text(e.get("error")), 60), timestamp(e["created_at"])]
                        for e in data["dead_letters"]), empty="no dead letters")


@dlq.command("show", help="Show a dead letter with its error and logs.")
@click.argument("id")
@api_options
def dlq_show(id: str) -> None:
    state = _state()
    execution = state.client.api("GET", f"/dead-letters/{quote(id)}")
    if state.json:
        state.output.json(execution)
        return
    _print_execution(state.output, execution)


@dlq.command("retry", help="Run a dead letter again (same id), with the script's current version "
                           "or --version N.")
@click.argument("id")
@click.option("--version", "version", type=click.IntRange(1), help="Run this version of the script.")
@api_options
def dlq_retry(id: str, version: int | None) -> None:
    state = _state()
    body = {"version": version} if version is not None else {}
    execution = state.client.api("POST", f"/dead-letters/{quote(id)}/retry", json_body=body)
    if state.json:
        state.output.json(execution)
        return
    state.output.success(f"re-enqueued execution {execution['id']} ({_script_label(execution)}); "
                         f"follow it with: picloud executions show {execution['id']}")


@dlq.command("rm", help="Discard a dead letter.")
@click.argument("id")
@api_options
def dlq_rm(id: str) -> None:
    _delete(f"/dead-letters/{quote(id)}", id, f"discarded dead letter {id}")


# -- entry point ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; the exit code (``picloud = picloud.cli:main`` exits with it)."""
    try:
        cli.main(args=argv, prog_name="picloud")
    except SystemExit as exc:
        if exc.code is None:
            return 0
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    return 0


__all__ = ["cli", "main"]
