"""A small stdlib HTTP client for end-to-end tests against ``picloud serve``.

Plain blocking calls (``http.client``), one connection per request, so tests
can run them from threads to make concurrent calls.
"""

from __future__ import annotations

import http.client
import json
import shutil
import time
import urllib.parse
from pathlib import Path
from typing import Any

import attrs

API = "/_picloud/api/v1"
FINAL_STATUSES = ("succeeded", "failed", "dead_lettered")


@attrs.define
class Reply:
    status: int
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error(self) -> dict:
        return self.json["error"]

    @property
    def execution_id(self) -> str | None:
        return self.headers.get("x-picloud-execution-id")

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.headers!r}, {self.body[:500]!r})"


class Client:
    def __init__(self, base_url: str, *, timeout: float = 15.0, token: str | None = None):
        from tests.e2e.serve import TEST_ADMIN_TOKEN

        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.timeout = timeout
        self.token = TEST_ADMIN_TOKEN if token is None else token
        """Sent with control-plane calls (``api``); ``""`` sends none."""

    # -- raw -------------------------------------------------------------------

    def request(self, method: str, path: str, *, body: bytes | str | None = None, json_body: Any = None,
                headers: dict[str, str] | None = None, query: dict | None = None,
                timeout: float | None = None) -> Reply:
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body)
            headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        if query:
            path += "?" + urllib.parse.urlencode(query)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout or self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            conn.close()

    def call(self, method: str, path: str, **kw) -> Reply:
        """Call a user route."""
        return self.request(method, path, **kw)

    def api(self, method: str, path: str, **kw) -> Reply:
        if self.token:
            kw["headers"] = {"Authorization": f"Bearer {self.token}", **(kw.get("headers") or {})}
        return self.request(method, API + path, **kw)

    # -- control plane -----------------------------------------------------------

    def put_script(self, name: str, source: str, *, timeout_seconds: float | None = None,
                   limits: dict | None = None) -> Reply:
        payload: dict[str, Any] = {"source": source}
        if timeout_seconds is not None:
            payload["timeout_seconds"] = timeout_seconds
        if limits is not None:
            payload["limits"] = limits
        return self.api("PUT", f"/scripts/{name}", json_body=payload)

    def add_route(self, method: str, path: str, script: str, **fields) -> Reply:
        return self.api("POST", "/routes", json_body={"method": method, "path": path, "script": script, **fields})

    def deploy(self, name: str, source: str, method: str, path: str, *, timeout_seconds: float | None = None,
               limits: dict | None = None, **route_fields) -> dict:
        """Upload a script and bind a route to it; the route's JSON."""
        reply = self.put_script(name, source, timeout_seconds=timeout_seconds, limits=limits)
        assert reply.status in (200, 201), reply
        reply = self.add_route(method, path, name, **route_fields)
        assert reply.status == 201, reply
        return reply.json

    def get_execution(self, execution_id: str) -> Reply:
        return self.api("GET", f"/executions/{execution_id}")

    def list_executions(self, **query) -> list[dict]:
        reply = self.api("GET", "/executions", query=query)
        assert reply.status == 200, reply
        return reply.json["executions"]

    def wait_for_status(self, execution_id: str, statuses: str | tuple[str, ...] = FINAL_STATUSES, *,
                        deadline: float = 20.0, interval: float = 0.05) -> dict:
        """Poll an execution until its status is one of ``statuses``; its JSON."""
        if isinstance(statuses, str):
            statuses = (statuses,)
        end = time.monotonic() + deadline
        last = None
        while True:
            reply = self.get_execution(execution_id)
            if reply.status == 200:
                last = reply.json
                if last["status"] in statuses:
                    return last
            if time.monotonic() > end:
                raise AssertionError(f"execution {execution_id} not {statuses} after {deadline}s: {last or reply}")
            time.sleep(interval)


def stop_embedded(data_dir: Path) -> None:
    """Stop an embedded PostgreSQL a killed or failed server left running."""
    from picloud.store.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(data_dir=data_dir)
    if (server.cluster_dir / "PG_VERSION").exists():
        try:
            server.stop()
        except Exception:
            pass


def cleanup(workdir: Path, data_dir: Path) -> None:
    stop_embedded(data_dir)
    shutil.rmtree(workdir, ignore_errors=True)


class Server:
    """A ``picloud serve`` subprocess on its own data folder, with a client."""

    def __init__(self, prefix: str = "picloud-e2e-", env: dict | None = None):
        from tests.conftest import make_reachable_tmpdir
        from tests.e2e.serve import ServeProcess

        self.workdir = make_reachable_tmpdir(prefix)
        self.data_dir = self.workdir / "data"
        self.env = env
        self.serve = ServeProcess(self.data_dir, env=env)
        self.client = Client(self.serve.base_url)

    def restart(self) -> None:
        """Start a new process on the same data folder (after stop or kill)."""
        from tests.e2e.serve import ServeProcess

        self.serve = ServeProcess(self.data_dir, env=self.env)
        self.client = Client(self.serve.base_url)

    def close(self) -> None:
        try:
            if self.serve.process.poll() is None:
                self.serve.stop()
        except Exception:
            pass
        finally:
            self.serve.kill()
            cleanup(self.workdir, self.data_dir)
