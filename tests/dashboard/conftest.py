"""The dashboard over real HTTP: hypercorn (trio) on a free port, a fresh migrated
database with a known admin token, and a tiny cookie-keeping client in a thread."""

from __future__ import annotations

import functools
import http.client
import re
import urllib.parse
from typing import Any

import attrs
import pytest
import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.trio import serve

from picloud.shared.http import answer_lifespan
from picloud.executor.compiler import CompiledCache
from picloud.manager.auth import Authenticator, ensure_admin_token
from picloud.manager.dashboard import Dashboard, is_dashboard_path
from picloud.manager.dashboard.session import csrf_token
from picloud.store.migrations import apply_migrations, load_migrations

TOKEN = "pc_dashboard-test-admin-token"
UI = "/_picloud/ui"


@attrs.define
class Page:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    @property
    def location(self) -> str | None:
        return self.header("location")

    def csrf(self) -> str:
        match = re.search(r'name="csrf" value="([^"]*)"', self.text)
        assert match, self.text[:2000]
        return match.group(1)


class Browser:
    """Keeps cookies (ignoring Path/Secure: one test host) and follows nothing by itself."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}

    def _request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Page:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            headers = dict(headers)
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            collected: dict[str, list[str]] = {}
            for name, value in response.getheaders():
                collected.setdefault(name.lower(), []).append(value)
            page = Page(response.status, collected, response.read())
        finally:
            conn.close()
        for cookie in page.headers.get("set-cookie", []):
            pair = cookie.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if "Max-Age=0" in cookie or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return page

    async def get(self, path: str, *, headers: dict[str, str] | None = None) -> Page:
        return await trio.to_thread.run_sync(self._request, "GET", _url(path), None, headers or {})

    async def post(self, path: str, form: dict[str, Any] | list[tuple[str, str]] | None = None, *,
                   csrf: str | None = None, headers: dict[str, str] | None = None) -> Page:
        pairs = list(form.items()) if isinstance(form, dict) else list(form or [])
        if csrf is not None:
            pairs.append(("csrf", csrf))
        body = urllib.parse.urlencode(pairs).encode()
        all_headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return await trio.to_thread.run_sync(self._request, "POST", _url(path), body, all_headers)

    async def follow(self, page: Page) -> Page:
        assert page.status in (302, 303), (page.status, page.text[:1000])
        return await self.get(page.location)


def _url(path: str) -> str:
    return path if path.startswith("/_picloud") else UI + path


@attrs.define
class Ui:
    browser: Browser
    db: Any
    csrf: str
    woken: list

    def anonymous(self) -> Browser:
        return Browser(self.browser.host, self.browser.port)

    async def login(self, browser: Browser | None = None) -> Browser:
        browser = browser or self.browser
        form = await browser.get("/login")
        assert form.status == 200
        page = await browser.post("/login", {"token": TOKEN, "next": "/"}, csrf=form.csrf())
        assert page.status == 303 and page.location == UI + "/", page
        return browser


class _Root:
    """Like picloud.app.RootApp for the dashboard's paths."""

    def __init__(self, dashboard: Dashboard):
        self._dashboard = dashboard

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await answer_lifespan(receive, send)
            return
        if is_dashboard_path(scope["path"]):
            await self._dashboard(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 404, "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture
async def ui(db, nursery, tmp_path):
    await apply_migrations(db, load_migrations())
    await ensure_admin_token(db, admin_token=TOKEN, data_dir=tmp_path, announce=lambda _: None)
    auth = Authenticator.for_database(db)
    woken: list = []

    async def routes_changed():
        pass

    dashboard = Dashboard(db, CompiledCache(), routes_changed, lambda: woken.append(1), auth)
    config = HypercornConfig()
    config.bind = ["127.0.0.1:0"]
    config.accesslog = None
    shutdown = trio.Event()
    binds = await nursery.start(functools.partial(serve, _Root(dashboard), config, shutdown_trigger=shutdown.wait))
    address = urllib.parse.urlsplit(binds[0])
    yield Ui(Browser(address.hostname, address.port), db, csrf_token(TOKEN), woken)
    shutdown.set()
