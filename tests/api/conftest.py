"""A real control plane over real HTTP: hypercorn (trio) on a free port, a
fresh migrated database, and a small stdlib HTTP client run in a thread."""

from __future__ import annotations

import functools
import http.client
import json
import urllib.parse
from typing import Any

import attrs
import pytest
import rhai
import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.trio import serve

from picloud.shared.http import answer_lifespan
from picloud.executor.compiler import CompiledCache
from picloud.manager.api import ControlPlane
from picloud.store.migrations import apply_migrations, load_migrations

PREFIX = "/_picloud/api/v1"

needs_engine = pytest.mark.skipif(not hasattr(rhai, "Engine"), reason="rhai engine not landed yet")


@attrs.define
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error(self) -> dict:
        return self.json["error"]


class Client:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port

    def _request(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Reply:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            # An iterable body goes out chunked, without Content-Length.
            conn.request(method, url, body=body, headers=headers,
                         encode_chunked=not isinstance(body, (bytes, type(None))))
            response = conn.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            conn.close()

    async def request(self, method: str, path: str, json_body: Any = None, *, body: bytes | None = None,
                      headers: dict[str, str] | None = None, query: dict | None = None,
                      raw_path: bool = False) -> Reply:
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        url = path if raw_path else PREFIX + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        return await trio.to_thread.run_sync(self._request, method, url, body, headers)

    async def get(self, path: str, **kw) -> Reply:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, json_body: Any = None, **kw) -> Reply:
        return await self.request("POST", path, json_body, **kw)

    async def put(self, path: str, json_body: Any = None, **kw) -> Reply:
        return await self.request("PUT", path, json_body, **kw)

    async def patch(self, path: str, json_body: Any = None, **kw) -> Reply:
        return await self.request("PATCH", path, json_body, **kw)

    async def delete(self, path: str, **kw) -> Reply:
        return await self.request("DELETE", path, **kw)


@attrs.define
class Callbacks:
    routes_changed: int = 0
    dispatcher_woken: int = 0

    async def on_routes_changed(self) -> None:
        self.routes_changed += 1

    def wake_dispatcher(self) -> None:
        self.dispatcher_woken += 1


@attrs.define
class Api:
    client: Client
    db: Any
    cache: CompiledCache
    callbacks: Callbacks


class _Root:
    """Like picloud.app.RootApp: lifespan, then /_picloud/api/v1/ to the control plane."""

    def __init__(self, control_plane: ControlPlane):
        self._control_plane = control_plane

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await answer_lifespan(receive, send)
            return
        if scope["path"].startswith(PREFIX + "/"):
            await self._control_plane(scope, receive, send)
            return
        body = b'{"error":{"kind":"not_found","message":"not the API"}}'
        await send({"type": "http.response.start", "status": 404,
                    "headers": [(b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


@pytest.fixture
async def api(db, nursery):
    await apply_migrations(db, load_migrations())
    cache = CompiledCache()
    callbacks = Callbacks()
    app = _Root(ControlPlane(db, cache, callbacks.on_routes_changed, callbacks.wake_dispatcher))
    config = HypercornConfig()
    config.bind = ["127.0.0.1:0"]
    config.accesslog = None
    shutdown = trio.Event()
    binds = await nursery.start(functools.partial(serve, app, config, shutdown_trigger=shutdown.wait))
    address = urllib.parse.urlsplit(binds[0])
    yield Api(Client(address.hostname, address.port), db, cache, callbacks)
    shutdown.set()


async def seed_script(db, name: str, versions: int = 1, source: str = "42") -> None:
    """Store a script with SQL (no compiler needed)."""

    async def insert(conn):
        async with conn.transaction():
            await conn.execute("INSERT INTO scripts (name, current_version) VALUES ($1, $2)", name, versions)
            for version in range(1, versions + 1):
                await conn.execute(
                    "INSERT INTO script_versions (script_name, version, source, timeout_seconds) "
                    "VALUES ($1, $2, $3, 5)",
                    name, version, source,
                )

    await db.run(insert)
