"""A small blocking HTTP client for the control-plane API (docs/api.md).

Standard library only (``http.client``), one connection per call: the CLI
makes a handful of calls per command, so keep-alive buys nothing and a
fresh connection never trips over one the server closed.

Failures are exceptions carrying the CLI's exit code (docs/cli.md):

- :class:`ConnectionFailed` (5): nothing answered at the URL;
- :class:`ApiError`: the API answered with an error, the code by status
  (``404`` → 3, ``401``/``403`` → 4, ``400`` → 2, others → 1);
- :class:`ClientError` (1, or 2 for a malformed URL): anything else.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import urllib.parse
from pathlib import Path
from typing import Any

import attrs

API_PREFIX = "/_picloud/api/v1"
DEFAULT_URL = "http://127.0.0.1:8080"
DEFAULT_TIMEOUT = 30.0
ADMIN_TOKEN_FILE = "admin-token"
"""Written by the server into its data folder on first start (picloud.manager.auth.ADMIN_TOKEN_FILE)."""

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_AUTH = 4
EXIT_CONNECTION = 5


class ClientError(Exception):
    """A failure the CLI reports with ``exit_code``."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class ConnectionFailed(ClientError):
    """Nothing answered: connection refused, unknown host, unreachable, connect timeout."""

    exit_code = EXIT_CONNECTION


class ApiError(ClientError):
    """The API answered with an error status; ``payload`` is its ``error`` object."""

    def __init__(self, status: int, kind: str, message: str, payload: dict | None = None):
        self.status = status
        self.kind = kind
        self.payload = payload or {}
        super().__init__(message, exit_code_for_status(status))

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """A one-line message for people, with the useful extras of the error."""
        if self.kind == "compile_error" and self.payload.get("line") is not None:
            where = f"line {self.payload['line']}"
            if self.payload.get("column") is not None:
                where += f", column {self.payload['column']}"
            return f"compile error at {where}: {self.message}"
        if self.status in (401, 403):
            return (f"{self.message} (HTTP {self.status}); pass --token, set PICLOUD_TOKEN, or run "
                    f"where the server's <data_dir>/{ADMIN_TOKEN_FILE} is readable")
        return self.message


def exit_code_for_status(status: int) -> int:
    if status == 404:
        return EXIT_NOT_FOUND
    if status in (401, 403):
        return EXIT_AUTH
    if status == 400:
        return EXIT_USAGE
    return EXIT_ERROR


@attrs.define
class Reply:
    status: int
    reason: str
    headers: dict[str, str]
    """Lower-case names; repeated headers joined with ``, ``."""
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def is_json(self) -> bool:
        media = self.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        return media == "application/json" or media.endswith("+json")

    @property
    def execution_id(self) -> str | None:
        return self.headers.get("x-picloud-execution-id")


def quote(segment: str) -> str:
    """A path segment (script name, id) percent-encoded for a URL."""
    return urllib.parse.quote(str(segment), safe="")


def quote_key(key: str) -> str:
    """A KV key for ``/kv/{key...}``: slashes stay (the API takes the rest of the path)."""
    return urllib.parse.quote(key, safe="/")


class ApiClient:
    """Calls to one PiCloud server at ``url`` (scheme, host, port, optional path prefix)."""

    def __init__(self, url: str = DEFAULT_URL, token: str | None = None, *, timeout: float = DEFAULT_TIMEOUT):
        parts = urllib.parse.urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ClientError(f"invalid URL {url!r}: expected http://HOST[:PORT] or https://HOST[:PORT]",
                              EXIT_USAGE)
        try:
            port = parts.port
        except ValueError:
            raise ClientError(f"invalid URL {url!r}: bad port", EXIT_USAGE) from None
        self.url = url.strip().rstrip("/")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = port
        self.prefix = parts.path.rstrip("/")
        self.token = token or None
        self.timeout = timeout

    # -- raw ------------------------------------------------------------------------

    def request(self, method: str, path: str, *, body: bytes | str | None = None, json_body: Any = None,
                headers: dict[str, str] | None = None, query: dict[str, Any] | None = None,
                timeout: float | None = None, send_token: bool = True) -> Reply:
        """One HTTP call to ``path`` (below the URL's prefix); any status is returned, not raised."""
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body)
            headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        if send_token and self.token and not any(k.lower() == "authorization" for k in headers):
            headers["Authorization"] = f"Bearer {self.token}"
        headers.setdefault("User-Agent", "picloud-cli")
        if query:
            pairs = [(k, str(v)) for k, v in query.items() if v is not None]
            if pairs:
                path += "?" + urllib.parse.urlencode(pairs)
        timeout = self.timeout if timeout is None else timeout
        if self.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                self.host, self.port, timeout=timeout, context=ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            try:
                conn.connect()
            except ssl.SSLError as exc:
                raise ConnectionFailed(f"TLS handshake with {self.url} failed: {exc}") from None
            except (OSError, socket.timeout) as exc:
                raise ConnectionFailed(f"cannot connect to {self.url}: {_describe_os_error(exc)}"
                                       " (is `picloud serve` running there? set --url or PICLOUD_URL)") from None
            try:
                conn.request(method, self.prefix + path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except TimeoutError:
                raise ClientError(f"{method} {self.url}{path}: no answer within {timeout:g} s") from None
            except (OSError, http.client.HTTPException) as exc:
                raise ClientError(f"{method} {self.url}{path}: connection lost: {exc}") from None
            merged: dict[str, str] = {}
            for name, value in response.getheaders():
                name = name.lower()
                merged[name] = f"{merged[name]}, {value}" if name in merged else value
            return Reply(response.status, response.reason, merged, data)
        finally:
            conn.close()

    # -- the API --------------------------------------------------------------------

    def api(self, method: str, path: str, **kw: Any) -> Any:
        """Call ``/_picloud/api/v1{path}``; the JSON body (``None`` for 204); :class:`ApiError` on errors."""
        reply = self.request(method, API_PREFIX + path, **kw)
        if reply.status >= 400:
            raise api_error(reply)
        if reply.status == 204 or not reply.body:
            return None
        try:
            return reply.json()
        except ValueError:
            raise ClientError(f"{method} {path}: the server answered {reply.status} with a body that is "
                              f"not JSON: {reply.text[:200]!r}") from None

    def get(self, path: str, **query: Any) -> Any:
        return self.api("GET", path, query=query or None)

    def health(self) -> dict:
        reply = self.request("GET", "/_picloud/health", send_token=False)
        if reply.status >= 400 and not reply.is_json:
            raise api_error(reply)
        return reply.json()


def api_error(reply: Reply) -> ApiError:
    """The :class:`ApiError` of an error reply (API errors are ``{"error": {"kind", "message", ...}}``)."""
    payload: dict = {}
    try:
        body = reply.json()
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            payload = body["error"]
    except ValueError:
        pass
    kind = str(payload.get("kind") or "http_error")
    message = str(payload.get("message") or f"HTTP {reply.status} {reply.reason}".strip())
    return ApiError(reply.status, kind, message, payload)


def _describe_os_error(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror or exc})"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "connection timed out"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


# -- where the CLI finds its server and token -------------------------------------------


def resolve_url(flag: str | None, environ: dict[str, str] | None = None) -> str:
    """``--url``, else ``PICLOUD_URL``, else :data:`DEFAULT_URL`."""
    environ = os.environ if environ is None else environ
    return flag or environ.get("PICLOUD_URL") or DEFAULT_URL


def resolve_token(flag: str | None, environ: dict[str, str] | None = None) -> tuple[str | None, str]:
    """The token and where it came from.

    ``--token``, else ``PICLOUD_TOKEN``, else the server's own admin token
    setting (``PICLOUD_ADMIN_TOKEN`` or ``admin_token`` in picloud.toml),
    else the file ``<data_dir>/admin-token`` that ``picloud serve`` writes on
    first start (``data_dir`` from ``PICLOUD_DATA_DIR``, picloud.toml, or
    ``./.picloud``). ``(None, "none")`` when there is none.
    """
    environ = dict(os.environ if environ is None else environ)
    if flag:
        return flag, "--token"
    if environ.get("PICLOUD_TOKEN"):
        return environ["PICLOUD_TOKEN"], "PICLOUD_TOKEN"
    data_dir = Path(environ.get("PICLOUD_DATA_DIR") or ".picloud")
    try:
        from picloud.config import load_settings

        settings = load_settings({}, environ=environ)
        admin_token = getattr(settings, "admin_token", None)
        if admin_token:
            return admin_token, "admin_token setting"
        data_dir = settings.data_dir
    except Exception:  # a broken picloud.toml is the server's business, not the client's
        pass
    path = data_dir / ADMIN_TOKEN_FILE
    try:
        token = path.read_text().strip()
    except OSError:
        return None, "none"
    return (token, str(path)) if token else (None, "none")
