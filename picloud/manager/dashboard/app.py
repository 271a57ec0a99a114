"""The dashboard's ASGI callable: routing, login, CSRF, rendering.

Pages live under ``/_picloud/ui/``; ``/_picloud`` and ``/_picloud/`` redirect
there. Every page but the login form and the static files needs a session
(a valid API token in the ``picloud_session`` cookie, checked with
:meth:`picloud.manager.auth.Authenticator.check_request`); without one a GET
redirects to the login form and a POST is refused. Forms POST back to the
dashboard and redirect on success (POST-redirect-GET); on a refused input
the form is shown again with the error next to it.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import attrs

from picloud import __version__
from picloud.executor.compiler import CompiledCache
from picloud.manager.api.context import Context
from picloud.manager.api.router import Request
from picloud.manager.auth import SESSION_COOKIE, Authenticator, Principal, token_from_scope
from picloud.shared.http import BodyTooLarge, Receive, Scope, Send, read_body
from picloud.shared.paths import Segment, match, parse_template
from picloud.store.database import Database, DatabaseUnavailable
from picloud.store.kv import DEFAULT_MAX_CHAIN_DEPTH

from . import session
from .templating import make_environment

log = logging.getLogger("picloud.dashboard")

ROOT = "/_picloud"
UI_PREFIX = "/_picloud/ui"
STATIC_DIR = Path(__file__).parent / "static"
STATIC_TYPES = {".css": b"text/css; charset=utf-8", ".js": b"text/javascript; charset=utf-8",
                ".svg": b"image/svg+xml"}
# Script sources may be up to 1 MiB; URL-encoding can triple that.
MAX_FORM_BYTES = 4 << 20
FLASH_MAX = 300

SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
     b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


def is_dashboard_path(path: str) -> bool:
    """Paths the dashboard answers: ``/_picloud``, ``/_picloud/`` and ``/_picloud/ui...``."""
    return path in (ROOT, ROOT + "/") or path == UI_PREFIX or path.startswith(UI_PREFIX + "/")


@attrs.define
class Reply:
    status: int
    body: bytes = b""
    headers: list[tuple[bytes, bytes]] = attrs.Factory(list)
    content_type: bytes | None = b"text/html; charset=utf-8"


class FormError(Exception):
    """Bad form input found by the dashboard itself (before the API sees it)."""


@attrs.define
class PageRequest:
    scope: Scope
    method: str
    path: str
    """Below ``/_picloud/ui``, e.g. ``/scripts/hello``."""
    params: dict[str, str]
    query: dict[str, str]
    form: dict[str, list[str]]
    principal: Principal | None = None
    csrf: str = ""
    flash: str | None = None
    set_cookies: list[tuple[bytes, bytes]] = attrs.Factory(list)

    def field(self, name: str, default: str = "") -> str:
        values = self.form.get(name)
        return values[0] if values else default

    def fields(self, name: str) -> list[str]:
        return self.form.get(name, [])


View = Callable[["Dashboard", PageRequest], Awaitable[Reply]]


@attrs.frozen
class _Page:
    segments: list[Segment]
    handlers: dict[str, View]
    public: bool = False


class Dashboard:
    """ASGI app for the dashboard. Give it what the control plane gets, plus the authenticator."""

    def __init__(
        self,
        db: Database,
        cache: CompiledCache,
        on_routes_changed: Callable[[], Awaitable[None]],
        wake_dispatcher: Callable[[], None],
        auth: Authenticator,
        *,
        max_chain_depth: int = DEFAULT_MAX_CHAIN_DEPTH,
        on_tokens_changed: Callable[[], None] | None = None,
    ):
        self.db = db
        self.auth = auth
        self.ctx = Context(db, cache, on_routes_changed, wake_dispatcher)
        self.ctx.max_chain_depth = max_chain_depth
        if on_tokens_changed is not None:
            self.ctx.tokens_changed = on_tokens_changed
        self.templates = make_environment(UI_PREFIX)
        self._pages: list[_Page] = []
        from . import views

        views.register(self)

    # -- registration ------------------------------------------------------------

    def page(self, template: str, *, get: View | None = None, post: View | None = None,
             public: bool = False) -> None:
        handlers: dict[str, View] = {}
        if get is not None:
            handlers["GET"] = get
        if post is not None:
            handlers["POST"] = post
        self._pages.append(_Page(parse_template(template), handlers, public))

    # -- the API, in-process -----------------------------------------------------------

    async def api(self, handler: Callable[..., Awaitable[Any]], *, params: dict[str, str] | None = None,
                  json_body: Any = None, raw_body: bytes | None = None, query: dict[str, Any] | None = None,
                  method: str = "GET") -> Any:
        """Call a control-plane handler; its JSON payload, or :class:`ApiError`."""
        if raw_body is None:
            raw_body = b"" if json_body is None else json.dumps(json_body).encode()
        query = {k: v for k, v in (query or {}).items() if v not in (None, "")}
        request = Request(method=method, path="", params=params or {},
                          query_string=urllib.parse.urlencode(query).encode(),
                          headers={"content-type": "application/json"}, body=raw_body)
        response = await handler(self.ctx, request)
        return response.payload

    # -- rendering ---------------------------------------------------------------------

    def render(self, req: PageRequest, template: str, status: int = 200, **values: Any) -> Reply:
        values.setdefault("nav", template.split("/")[0].split(".")[0])
        body = self.templates.get_template(template).render(
            request=req, csrf=req.csrf, principal=req.principal, flash=req.flash, version=__version__,
            has_schedules=self.has_schedules, **values,
        )
        return Reply(status, body.encode())

    @property
    def has_schedules(self) -> bool:
        from .views import schedules_api

        return schedules_api is not None

    def redirect(self, req: PageRequest, location: str, flash: str | None = None) -> Reply:
        """303 to ``location`` (a path below ``/_picloud/ui``), with a one-time message."""
        headers = [(b"location", (UI_PREFIX + location).encode())]
        if flash:
            quoted = urllib.parse.quote(flash[:FLASH_MAX], safe="")
            headers.append(session.make_cookie(session.FLASH_COOKIE, quoted, req.scope, max_age=60))
        return Reply(303, b"", headers, None)

    # -- ASGI ------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        try:
            reply = await self._handle(scope, receive)
        except DatabaseUnavailable:
            log.warning("dashboard: database unavailable for %s %s", scope["method"], scope["path"])
            reply = self._error_page(503, "The database is unreachable",
                                     "PiCloud cannot reach its database right now. Try again in a moment.")
            reply.headers.append((b"retry-after", b"2"))
        except Exception:
            log.exception("dashboard: %s %s failed", scope["method"], scope["path"])
            reply = self._error_page(500, "Something went wrong",
                                     "The dashboard hit an internal error; the server log has the details.")
        await self._send(scope, send, reply)

    async def _send(self, scope: Scope, send: Send, reply: Reply) -> None:
        headers = [(b"content-length", str(len(reply.body)).encode())]
        if reply.content_type is not None:
            headers.append((b"content-type", reply.content_type))
        if not any(name == b"cache-control" for name, _ in reply.headers):
            headers.append((b"cache-control", b"no-store"))
        headers.extend(SECURITY_HEADERS)
        headers.extend(reply.headers)
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else reply.body})

    def _error_page(self, status: int, title: str, message: str) -> Reply:
        body = self.templates.get_template("error.html").render(
            status=status, title=title, message=message, request=None, csrf="", principal=None, flash=None,
            version=__version__, has_schedules=False, nav="",
        )
        return Reply(status, body.encode())

    async def _handle(self, scope: Scope, receive: Receive) -> Reply:
        path: str = scope["path"]
        method: str = scope["method"]
        if path in (ROOT, ROOT + "/", UI_PREFIX):
            return Reply(302, b"", [(b"location", (UI_PREFIX + "/").encode())], None)
        sub = path[len(UI_PREFIX):]
        if sub.startswith("/static/"):
            return self._static(sub[len("/static/"):], method)
        page, params = self._resolve(sub)
        if page is None:
            return self._error_page(404, "Page not found", f"There is no dashboard page at {path}.")
        lookup = "GET" if method == "HEAD" else method
        view = page.handlers.get(lookup)
        if view is None:
            reply = self._error_page(405, "Method not allowed", f"{method} is not allowed here.")
            reply.headers.append((b"allow", ", ".join(page.handlers).encode()))
            return reply
        query = _parse_query(scope.get("query_string", b""))
        form: dict[str, list[str]] = {}
        if lookup == "POST":
            try:
                form = await _read_form(scope, receive)
            except FormError as exc:
                return self._error_page(400, "Bad request", str(exc))
        req = PageRequest(scope=scope, method=lookup, path=sub, params=params, query=query, form=form)
        cookies = session.cookies(scope)
        if not page.public:
            token = token_from_scope(scope)
            req.principal = await self.auth.verify(token)
            if req.principal is None:
                if lookup == "GET":
                    target = sub + ("?" + scope["query_string"].decode("latin-1")
                                    if scope.get("query_string") else "")
                    location = f"{UI_PREFIX}/login?next={urllib.parse.quote(target, safe='')}"
                    return Reply(303, b"", [(b"location", location.encode())], None)
                return self._error_page(401, "Not logged in",
                                        "Your session has ended (or the token was revoked). Log in again.")
            req.csrf = session.csrf_token(token)
            if lookup == "POST":
                if not session.same_origin(scope) or not session.tokens_match(req.csrf, req.field("csrf")):
                    return self._error_page(403, "Form expired",
                                            "This form could not be verified (CSRF check). Go back, reload "
                                            "the page and submit it again.")
            if lookup == "GET" and session.FLASH_COOKIE in cookies:
                req.flash = urllib.parse.unquote(cookies[session.FLASH_COOKIE])[:FLASH_MAX] or None
                req.set_cookies.append(session.clear_cookie(session.FLASH_COOKIE, scope))
        reply = await view(self, req)
        reply.headers.extend(req.set_cookies)
        return reply

    def _resolve(self, sub: str) -> tuple[_Page | None, dict[str, str]]:
        if not sub:
            sub = "/"
        for page in self._pages:
            params = match(page.segments, sub)
            if params is not None:
                return page, params
        return None, {}

    def _static(self, name: str, method: str) -> Reply:
        if method not in ("GET", "HEAD"):
            return Reply(405, b"", [(b"allow", b"GET, HEAD")], None)
        path = STATIC_DIR / name
        if "/" in name or name.startswith(".") or path.suffix not in STATIC_TYPES or not path.is_file():
            return self._error_page(404, "Not found", "No such file.")
        return Reply(200, path.read_bytes(), [(b"cache-control", b"public, max-age=3600")],
                     STATIC_TYPES[path.suffix])


def _parse_query(raw: bytes) -> dict[str, str]:
    values: dict[str, str] = {}
    try:
        pairs = urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return values
    for key, value in pairs:
        values.setdefault(key, value)
    return values


async def _read_form(scope: Scope, receive: Receive) -> dict[str, list[str]]:
    content_type = (session.header(scope, b"content-type") or "").split(";")[0].strip().lower()
    try:
        body = await read_body(receive, MAX_FORM_BYTES)
    except BodyTooLarge:
        raise FormError(f"The form is too large (limit {MAX_FORM_BYTES} bytes).") from None
    if content_type != "application/x-www-form-urlencoded":
        if not body:
            return {}
        raise FormError("Forms must be sent as application/x-www-form-urlencoded.")
    try:
        pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise FormError("The form is not valid UTF-8.") from None
    form: dict[str, list[str]] = {}
    for key, value in pairs:
        # Browsers send textarea line breaks as CRLF.
        form.setdefault(key, []).append(value.replace("\r\n", "\n"))
    return form


__all__ = ["Dashboard", "PageRequest", "Reply", "UI_PREFIX", "is_dashboard_path", "SESSION_COOKIE"]
