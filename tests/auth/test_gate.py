"""Control-plane auth through a real ``picloud serve`` (docs/auth.md)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from tests.e2e.client import Client, Server
from tests.e2e.serve import TEST_ADMIN_TOKEN

pytestmark = pytest.mark.slow

UNAUTHORIZED = {"error": {"kind": "unauthorized", "message": "a valid token is required"}}


@pytest.fixture(scope="module")
def server():
    server = Server("picloud-auth-")
    try:
        server.serve.wait_healthy()
        yield server
    finally:
        server.close()


def anonymous(server: Server, token: str = "") -> Client:
    return Client(server.serve.base_url, token=token)


def test_health_is_public_and_the_api_is_not(server):
    client = anonymous(server)
    assert client.request("GET", "/_picloud/health").status == 200
    for method, path in [("GET", "/routes"), ("GET", "/scripts"), ("POST", "/tokens"), ("GET", "/tokens"),
                         ("DELETE", "/tokens/1"), ("GET", "/nope"), ("PUT", "/scripts/x")]:
        reply = client.api(method, path)
        assert reply.status == 401, (method, path, reply)
        assert reply.json == UNAUTHORIZED
        assert reply.headers["www-authenticate"] == "Bearer"
    assert client.request("GET", "/_picloud/api").status == 401
    assert client.request("GET", "/_picloud/metrics").status == 401


@pytest.mark.parametrize("header", ["Bearer pc_wrong", "Bearer " + TEST_ADMIN_TOKEN + "x", "Basic YTpi",
                                    "Bearer", TEST_ADMIN_TOKEN])
def test_wrong_tokens_get_the_same_answer(server, header):
    reply = anonymous(server).api("GET", "/routes", headers={"Authorization": header})
    assert reply.status == 401 and reply.json == UNAUTHORIZED


def test_admin_token_bearer_and_cookie(server):
    assert server.client.api("GET", "/routes").status == 200
    reply = anonymous(server).api("GET", "/routes", headers={"Cookie": f"picloud_session={TEST_ADMIN_TOKEN}"})
    assert reply.status == 200


def test_token_lifecycle_revocation_takes_effect_at_once(server):
    reply = server.client.api("POST", "/tokens", json_body={"name": "ci-lifecycle"})
    assert reply.status == 201, reply
    secret, token_id = reply.json["token"], reply.json["id"]
    ci = anonymous(server, secret)
    assert ci.api("GET", "/scripts").status == 200
    listing = server.client.api("GET", "/tokens").json["tokens"]
    mine = next(t for t in listing if t["id"] == token_id)
    assert mine["last_used_at"] is not None and "token" not in mine
    assert secret not in json.dumps(listing)
    assert ci.api("DELETE", f"/tokens/{token_id}").status == 204  # a token may revoke itself
    assert ci.api("GET", "/scripts").status == 401
    assert server.client.api("GET", "/scripts").status == 200


def test_routes_stay_public_by_default(server):
    server.client.deploy("open-hello", '"hi"', "GET", "/open-hello")
    assert anonymous(server).call("GET", "/open-hello").text == "hi"


def test_token_route_needs_a_token(server):
    route = server.client.deploy("private", '"secret"', "GET", "/private", auth="token")
    assert route["auth"] == "token"
    reply = anonymous(server).call("GET", "/private")
    assert reply.status == 401 and reply.error["kind"] == "unauthorized"
    assert reply.headers["www-authenticate"] == "Bearer"
    assert reply.execution_id is not None
    ok = anonymous(server).call("GET", "/private", headers={"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"})
    assert ok.status == 200 and ok.text == "secret"
    # Switching it back to public.
    reply = server.client.api("PATCH", f"/routes/{route['id']}", json_body={"auth": "none"})
    assert reply.status == 200 and reply.json["auth"] == "none"
    assert anonymous(server).call("GET", "/private").status == 200
    bad = server.client.api("PATCH", f"/routes/{route['id']}", json_body={"auth": "password"})
    assert bad.status == 400 and bad.error["message"].startswith("auth:")


def test_token_route_hides_the_token_from_the_script_and_the_record(server):
    server.client.deploy("echo-headers", "request.headers", "GET", "/echo-headers", auth="token")
    reply = anonymous(server).call("GET", "/echo-headers",
                                   headers={"Authorization": f"Bearer {TEST_ADMIN_TOKEN}", "X-Other": "kept"})
    assert reply.status == 200
    assert "authorization" not in reply.json and reply.json["x-other"] == "kept"
    record = server.client.api("GET", f"/executions/{reply.execution_id}").json
    assert TEST_ADMIN_TOKEN not in json.dumps(record)


def test_first_start_generates_an_admin_token_once():
    server = Server("picloud-auth-first-", env={"PICLOUD_ADMIN_TOKEN": None})
    try:
        server.serve.wait_healthy()
        path = server.data_dir / "admin-token"
        secret = path.read_text().strip()
        assert secret.startswith("pc_")
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert anonymous(server, secret).api("GET", "/routes").status == 200
        assert anonymous(server, "pc_nope").api("GET", "/routes").status == 401
        assert server.serve.stop() == 0
        assert server.serve.log_path.read_text().count(secret) == 1  # printed once

        server.restart()  # tokens exist: no new admin token
        server.serve.wait_healthy()
        assert path.read_text().strip() == secret
        assert anonymous(server, secret).api("GET", "/routes").status == 200
        assert server.serve.stop() == 0
        assert secret not in server.serve.log_path.read_text()

        # The CLI talks to the database directly (the server is stopped here).
        cli = [sys.executable, "-m", "picloud.cli", "token"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PICLOUD_")}
        common = ["--data-dir", str(server.data_dir)]
        created = subprocess.run([*cli, "create", "deploy", *common], capture_output=True, text=True, env=env,
                                 timeout=60)
        assert created.returncode == 0, created
        cli_secret = created.stdout.strip().splitlines()[-1]
        assert cli_secret.startswith("pc_")
        listed = subprocess.run([*cli, "list", *common], capture_output=True, text=True, env=env, timeout=60)
        assert listed.returncode == 0 and "deploy" in listed.stdout and "admin" in listed.stdout
        assert cli_secret not in listed.stdout and secret not in listed.stdout

        server.restart()
        server.serve.wait_healthy()
        assert anonymous(server, cli_secret).api("GET", "/routes").status == 200
        # Revoking from the CLI while the server runs reaches its cache through NOTIFY.
        token_id = next(t["id"] for t in anonymous(server, secret).api("GET", "/tokens").json["tokens"]
                        if t["name"] == "deploy")
        revoked = subprocess.run([*cli, "revoke", str(token_id), *common], capture_output=True, text=True,
                                 env=env, timeout=60)
        assert revoked.returncode == 0, revoked
        deadline = __import__("time").monotonic() + 5
        while anonymous(server, cli_secret).api("GET", "/routes").status != 401:
            assert __import__("time").monotonic() < deadline, "revocation did not reach the server"
        # The CLI did not stop the server's database.
        assert server.client.api("GET", "/routes").status in (200, 401)
        assert anonymous(server, secret).api("GET", "/routes").status == 200
    finally:
        server.close()


def test_admin_token_from_the_environment_is_idempotent_and_rotates():
    server = Server("picloud-auth-env-", env={"PICLOUD_ADMIN_TOKEN": "pc_first-admin-token-value"})
    try:
        server.serve.wait_healthy()
        first = anonymous(server, "pc_first-admin-token-value")
        assert first.api("GET", "/routes").status == 200
        assert not (server.data_dir / "admin-token").exists()
        server.serve.stop()
        server.restart()
        server.serve.wait_healthy()
        first = anonymous(server, "pc_first-admin-token-value")
        tokens = first.api("GET", "/tokens").json["tokens"]
        assert [(t["name"], t["admin"]) for t in tokens] == [("admin", True)]
        server.serve.stop()
        server.env = {"PICLOUD_ADMIN_TOKEN": "pc_second-admin-token-value"}
        server.restart()
        server.serve.wait_healthy()
        assert anonymous(server, "pc_first-admin-token-value").api("GET", "/routes").status == 401
        assert anonymous(server, "pc_second-admin-token-value").api("GET", "/routes").status == 200
    finally:
        server.close()
