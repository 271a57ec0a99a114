"""``picloud serve --caddy``: every call goes through a real Caddy child process."""

from __future__ import annotations

import http.client
import socket
import time

import pytest

from tests.e2e.client import Client, Server
from tests.e2e.serve import ServeProcess, free_port

pytestmark = pytest.mark.slow


class CaddyServer(Server):
    """A Server whose client talks to Caddy's port instead of PiCloud's."""

    def __init__(self):
        from tests.conftest import make_reachable_tmpdir

        self.workdir = make_reachable_tmpdir("picloud-caddy-")
        self.data_dir = self.workdir / "data"
        self.env = None
        self.caddy_port = free_port()
        self.serve = ServeProcess(self.data_dir, "--caddy", "--http-port", str(self.caddy_port))
        self.client = Client(f"http://127.0.0.1:{self.caddy_port}")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def server():
    server = CaddyServer()
    try:
        server.serve.wait_healthy()
        deadline = time.monotonic() + 30
        while not port_open(server.caddy_port):  # Caddy starts last, after PiCloud answers
            assert time.monotonic() < deadline, server.serve.output()
            time.sleep(0.1)
        yield server
    finally:
        server.close()


def test_health_and_api_through_caddy(server):
    reply = server.client.request("GET", "/_picloud/health")
    assert reply.status == 200 and reply.json["status"] == "ok"
    assert "caddy" in reply.headers.get("via", "").lower() or reply.headers.get("server", "") == "Caddy"
    assert server.client.api("GET", "/routes").status == 200
    assert Client(f"http://127.0.0.1:{server.caddy_port}", token="").api("GET", "/routes").status == 401
    server.serve.wait_for_output(f"Caddy serving http://127.0.0.1:{server.caddy_port}")


def test_sync_call(server):
    server.client.deploy("hello", '`hello ${request.params.name}`', "GET", "/hello/{name}")
    reply = server.client.call("GET", "/hello/caddy")
    assert reply.status == 200 and reply.text == "hello caddy"
    assert reply.execution_id


def test_async_call(server):
    server.client.deploy("job", "#{done: request.json.n + 1}", "POST", "/job", dispatch_mode="async")
    reply = server.client.call("POST", "/job", json_body={"n": 41})
    assert reply.status == 202, reply
    execution = server.client.wait_for_status(reply.json["execution_id"])
    assert execution["status"] == "succeeded" and execution["result"] == {"done": 42}


def test_timeout_is_504(server):
    server.client.deploy("spin", "loop { }", "GET", "/spin", timeout_seconds=0.5,
                         limits={"max_operations": 1_000_000_000})
    started = time.monotonic()
    reply = server.client.call("GET", "/spin")
    assert reply.status == 504, reply
    assert reply.error["kind"] == "timeout"
    assert time.monotonic() - started < 5


def test_large_body_is_413(server):
    server.client.deploy("echo", "request.body.len()", "POST", "/echo")
    assert server.client.call("POST", "/echo", body=b"x" * 1000).text == "1000"
    # Over the 1 MiB limit by less than the 256 KiB that Go's HTTP server drains
    # after an early answer, so the client reads the 413 instead of a reset.
    # Known race (docs/deployment.md): PiCloud may answer 413 on Content-Length
    # while Caddy is still forwarding the body; Caddy then sometimes reports
    # the aborted upload as 502. Retry that case, never accept a 2xx.
    for _ in range(5):
        try:
            reply = server.client.call("POST", "/echo", body=b"x" * ((1 << 20) + (1 << 10)))
        except (ConnectionError, http.client.HTTPException):
            continue
        assert reply.status in (413, 502), reply
        if reply.status == 413:
            break
    assert reply.status == 413, reply


def test_stopping_picloud_stops_caddy():
    server = CaddyServer()
    try:
        server.serve.wait_healthy()
        deadline = time.monotonic() + 30
        while not port_open(server.caddy_port):
            assert time.monotonic() < deadline, server.serve.output()
            time.sleep(0.1)
        assert server.serve.stop() == 0
        assert not port_open(server.caddy_port)
    finally:
        server.close()
