"""The in-memory route table, refreshed whenever routes or scripts change.

Matching is in memory on every request (no database on the hot path). The
table is an immutable snapshot replaced as a whole on refresh, so a request
always sees one consistent version. Refreshes come from NOTIFY on
``picloud_routes`` (any node changed something) and from the control plane
directly after its own writes, so a route created through the API answers on
the very next request.

Path templates are parsed and matched by :mod:`picloud.shared.paths`. When
several routes match, the most specific wins: segment by segment, a literal
beats a parameter, which beats a catch-all; a route for the exact method beats
``ANY``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import trio

from picloud.executor.library import CompiledScript, ScriptLibrary
from picloud.shared.paths import Segment, parse_template
from picloud.shared.paths import match as match_template
from picloud.shared.protocols import ScriptReader

log = logging.getLogger(__name__)

ANY_METHOD = "ANY"
_RANK = {"literal": 0, "param": 1, "catch_all": 2}


@attrs.frozen
class Route:
    id: int
    method: str
    path: str
    segments: tuple[Segment, ...]
    dispatch_mode: str
    max_attempts: int
    script: CompiledScript
    auth: str = "none"

    @property
    def specificity(self) -> tuple:
        return (tuple(_RANK[s.kind] for s in self.segments), self.method == ANY_METHOD)


@attrs.frozen
class RouteMatch:
    route: Route
    params: dict[str, str]


@attrs.frozen
class MethodNotAllowed:
    allowed: tuple[str, ...]


class _Snapshot:
    def __init__(self, routes: list[Route]):
        self.routes = sorted(routes, key=lambda r: r.specificity)
        self.count = len(routes)

    def match(self, method: str, path: str) -> RouteMatch | MethodNotAllowed | None:
        allowed: list[str] = []
        for route in self.routes:
            params = match_template(route.segments, path)
            if params is None:
                continue
            if route.method == method or route.method == ANY_METHOD:
                return RouteMatch(route, params)
            if method == "HEAD" and route.method == "GET":
                return RouteMatch(route, params)
            allowed.append(route.method)
        if allowed:
            return MethodNotAllowed(tuple(sorted(set(allowed))))
        return None


Subscribe = Callable[[str], Awaitable[trio.MemoryReceiveChannel]]


class RouteTable:
    def __init__(self, reader: ScriptReader, library: ScriptLibrary, subscribe: Subscribe | None = None):
        self._reader = reader
        self._library = library
        self._subscribe = subscribe
        self._snapshot = _Snapshot([])
        self._lock = trio.Lock()
        self.refreshes = 0

    def match(self, method: str, path: str) -> RouteMatch | MethodNotAllowed | None:
        return self._snapshot.match(method, path)

    @property
    def routes(self) -> list[Route]:
        return list(self._snapshot.routes)

    async def refresh(self) -> None:
        """Reload every route and compile scripts not compiled yet."""
        async with self._lock:
            records = await self._reader.load_routes()
            routes = []
            for record in records:
                try:
                    script = await self._library.prepare(record.script)
                except Exception as exc:  # a stored script that no longer compiles
                    log.error("route %s %s: script %s v%s does not compile: %s", record.method,
                              record.path, record.script.name, record.script.version, exc)
                    continue
                routes.append(Route(record.id, record.method, record.path, tuple(parse_template(record.path)),
                                    record.dispatch_mode, record.max_attempts, script, auth=record.auth))
            self._snapshot = _Snapshot(routes)
            self.refreshes += 1

    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        changes = await self._subscribe("picloud_routes") if self._subscribe else None
        await self.refresh()
        task_status.started()
        if changes is None:
            await trio.sleep_forever()
        async with changes:
            async for _ in changes:
                # Notification or Overflow: either way, re-read the whole table.
                # Drain what queued meanwhile so a burst costs one reload.
                while True:
                    try:
                        changes.receive_nowait()
                    except (trio.WouldBlock, trio.EndOfChannel):
                        break
                await self.refresh()
