"""RootApp hands the dashboard its paths and nothing else (picloud/app.py)."""

from __future__ import annotations

from picloud.app import RootApp
from picloud.manager.dashboard import is_dashboard_path


class Recorder:
    def __init__(self, name: str, calls: list):
        self.name, self.calls = name, calls

    async def __call__(self, scope, receive, send):
        self.calls.append((self.name, scope["path"]))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def _call(app, path: str, method: str = "GET") -> list:
    sent: list = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app({"type": "http", "method": method, "path": path, "headers": [], "query_string": b""}, receive, send)
    return sent


def test_dashboard_paths():
    for path in ("/_picloud", "/_picloud/", "/_picloud/ui", "/_picloud/ui/", "/_picloud/ui/scripts/x"):
        assert is_dashboard_path(path), path
    for path in ("/_picloud/health", "/_picloud/api/v1/scripts", "/_picloud/metrics", "/_picloud/uix",
                 "/_picloud/other", "/ui", "/"):
        assert not is_dashboard_path(path), path


async def test_root_app_mounts_the_dashboard():
    calls: list = []
    app = RootApp(Recorder("health", calls), Recorder("api", calls), Recorder("ingress", calls),
                  dashboard=Recorder("dashboard", calls))
    for path in ("/_picloud/", "/_picloud/ui/login", "/_picloud/health", "/_picloud/api/v1/routes", "/hello"):
        await _call(app, path)
    assert calls == [("dashboard", "/_picloud/"), ("dashboard", "/_picloud/ui/login"),
                     ("health", "/_picloud/health"), ("api", "/_picloud/api/v1/routes"), ("ingress", "/hello")]
    sent = await _call(app, "/_picloud/nothing")
    assert sent[0]["status"] == 404 and calls[-1] == ("ingress", "/hello")
