"""The ``picloud`` CLI against a real server (docs/cli.md)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.e2e.serve import free_port

pytestmark = pytest.mark.slow

HELLO = 'print(`hello called for ${request.params.name}`);\n`hello ${request.params.name}!`\n'


def test_deploy_with_a_route_then_invoke(pc):
    path = pc.write("greet.rhai", HELLO)
    run = pc.ok("deploy", str(path), "--route", "GET /greet/{name}")
    assert "greet version 1 (new script" in run.stdout
    assert "GET /greet/{name} → greet (sync)" in run.stdout and "[created]" in run.stdout

    run = pc.ok("invoke", "GET", "/greet/world")
    first, *rest = run.stdout.splitlines()
    assert first.startswith("200 OK  execution ")
    assert rest == ["hello world!"]

    # A second deploy is a new version; the route exists already (an equivalent template).
    run = pc.ok("deploy", str(path), "--route", "GET /greet/{who}", "--timeout", "2")
    assert "greet version 2 (new version, timeout 2 s)" in run.stdout and "[unchanged]" in run.stdout

    data = pc.ok("--json", "invoke", "GET", "/greet/json").json
    assert data["status"] == 200 and data["body"] == "hello json!" and data["execution_id"]


def test_deploy_options(pc):
    path = pc.write("jobs.rhai", "print(`job ${request.json.n}`); #{ done: request.json.n }\n")
    data = pc.ok("deploy", str(path), "--name", "job-runner", "--route", "POST /jobs", "--async",
                 "--max-attempts", "2", "--json").json
    assert data["script"]["name"] == "job-runner" and data["route_status"] == "created"
    assert data["route"]["dispatch_mode"] == "async" and data["route"]["max_attempts"] == 2
    # Redeploy with --sync switches the existing route's mode.
    data = pc.ok("deploy", str(path), "--name", "job-runner", "--route", "POST /jobs", "--sync", "--json").json
    assert data["route_status"] == "updated" and data["route"]["dispatch_mode"] == "sync"
    data = pc.ok("deploy", str(path), "--name", "job-runner", "--route", "POST /jobs", "--async", "--json").json
    assert data["route"]["dispatch_mode"] == "async"

    # invoke --wait follows the async execution to its end.
    run = pc.ok("invoke", "POST", "/jobs", "--data", '{"n": 7}', "--wait")
    assert run.stdout.startswith("202 Accepted")
    assert "succeeded" in run.stdout and '{"done": 7}' in run.stdout and "job 7" in run.stdout
    body = pc.write("body.json", '{"n": 8}')
    data = pc.ok("invoke", "POST", "/jobs", "--data", f"@{body}", "--wait", "--json").json
    assert data["status"] == 202 and data["execution"]["status"] == "succeeded"
    assert data["execution"]["result"] == {"done": 8} and data["execution"]["logs"] == ["job 8"]

    # The route belongs to another script: deploy refuses to take it over.
    other = pc.write("other.rhai", "1\n")
    run = pc("deploy", str(other), "--route", "POST /jobs")
    assert run.exit_code == 1
    assert "runs script 'job-runner'" in run.stderr and "other version 1" in run.stdout

    run = pc("deploy", str(other), "--async")
    assert run.exit_code == 2 and "need --route" in run.stderr
    run = pc("deploy", str(other), "--route", "/no-method")
    assert run.exit_code == 2 and "expected 'METHOD /path'" in run.stderr
    assert pc("deploy", str(pc.workdir / "missing.rhai")).exit_code == 2


def test_compile_errors_name_file_line_and_column(pc):
    path = pc.write("broken.rhai", "let x = 1;\nlet y = ;\n")
    run = pc("deploy", str(path))
    assert run.exit_code == 1
    assert f"{path}:2:" in run.stderr
    assert pc("scripts", "show", "broken").exit_code == 3


def test_scripts_list_show_and_rollback(pc):
    v1 = pc.write("versions.rhai", '"one"\n')
    pc.ok("deploy", str(v1))
    v1.write_text('"two"\n')
    pc.ok("deploy", str(v1))

    run = pc.ok("scripts", "list")
    assert run.stdout.splitlines()[0].split() == ["NAME", "CURRENT", "LATEST", "UPDATED"]
    line = next(line for line in run.stdout.splitlines() if line.startswith("versions "))
    assert line.split()[1:3] == ["2", "2"]
    listed = {s["name"]: s for s in pc.ok("scripts", "list", "--json").json["scripts"]}
    assert listed["versions"]["current_version"] == 2

    run = pc.ok("scripts", "show", "versions")
    assert "current version  2 (latest 2)" in run.stdout and run.stdout.rstrip().endswith('"two"')
    assert pc.ok("scripts", "show", "versions", "--version", "1", "--source").stdout == '"one"\n'
    assert pc.ok("scripts", "show", "versions", "--version", "1", "--json").json["current"] is False

    run = pc.ok("scripts", "rollback", "versions", "1")
    assert "versions: version 2 → 1" in run.stdout
    assert pc.ok("scripts", "show", "versions", "--json").json["current_version"] == 1
    assert pc.ok("scripts", "show", "versions", "--source").stdout == '"one"\n'

    run = pc("scripts", "rollback", "versions", "9")
    assert run.exit_code == 3 and "version" in run.stderr
    run = pc("scripts", "show", "no-such-script")
    assert run.exit_code == 3 and "no script named 'no-such-script'" in run.stderr
    run = pc("--json", "scripts", "show", "no-such-script")
    assert run.exit_code == 3 and run.json["error"]["kind"] == "not_found"

    pc.ok("scripts", "rm", "versions")
    assert pc("scripts", "rm", "versions").exit_code == 3


def test_routes_add_list_and_rm(pc):
    pc.ok("deploy", str(pc.write("router.rhai", '"routed"\n')))
    route = pc.ok("routes", "add", "GET /r/{id}", "router", "--json").json
    assert route["method"] == "GET" and route["path"] == "/r/{id}" and route["dispatch_mode"] == "sync"
    run = pc.ok("routes", "add", "post", "/r", "router", "--async", "--max-attempts", "5")
    assert "POST /r → router (async, 5 attempts)" in run.stdout

    run = pc.ok("routes", "list")
    rows = [line.split() for line in run.stdout.splitlines()[2:]]
    assert [str(route["id"]), "GET", "/r/{id}", "router", "sync", "-"] in rows
    assert pc.ok("invoke", "GET", "/r/1").stdout.splitlines()[1] == "routed"
    assert pc.ok("routes", "show", str(route["id"]), "--json").json == route

    run = pc("routes", "add", "GET /r/{other}", "router")
    assert run.exit_code == 1 and "already exists" in run.stderr
    run = pc("routes", "add", "FETCH /r", "router")
    assert run.exit_code == 2 and "method" in run.stderr
    run = pc("routes", "add", "GET /r2", "no-such-script")
    assert run.exit_code == 2 and "no script named" in run.stderr

    assert "removed route" in pc.ok("routes", "rm", str(route["id"])).stdout
    assert pc("routes", "rm", str(route["id"])).exit_code == 3
    run = pc("invoke", "GET", "/r/1")
    assert run.exit_code == 3 and run.stdout.startswith("404 Not Found")


def test_executions_list_and_show_with_logs(pc):
    pc.ok("deploy", str(pc.write("logger.rhai", 'print("log line [red] 42"); debug(7); #{ status: 201, body: "made" }\n')),
          "--route", "POST /logger")
    data = pc.ok("invoke", "POST", "/logger", "--json").json
    assert data["status"] == 201 and data["body"] == "made"
    execution_id = data["execution_id"]

    run = pc.ok("executions", "show", execution_id)
    assert "log line [red] 42" in run.stdout  # printed as written, not as markup
    assert "succeeded" in run.stdout and "logger@1" in run.stdout and "logs (2 lines)" in run.stdout
    detail = pc.ok("executions", "show", execution_id, "--json").json
    assert detail["id"] == execution_id and detail["logs"][0] == "log line [red] 42"
    run = pc.ok("executions", "show", execution_id, "--input")
    assert '"method": "POST"' in run.stdout

    listed = pc.ok("executions", "list", "--script", "logger", "--status", "succeeded", "--json").json
    assert [e["id"] for e in listed["executions"]] == [execution_id]
    run = pc.ok("executions", "list", "--script", "logger")
    assert execution_id in run.stdout and "succeeded" in run.stdout

    assert pc("executions", "show", "00000000-0000-0000-0000-000000000000").exit_code == 3
    assert pc("executions", "list", "--status", "bogus").exit_code == 2


def test_kv_set_get_ls_rm(pc):
    pc.ok("kv", "set", "cli/number", "42")
    pc.ok("kv", "set", "cli/word", "hello")            # not JSON: stored as a string
    pc.ok("kv", "set", "cli/forced", "42", "--string")
    pc.ok("kv", "set", "cli/map", '{"a": [1, 2]}')
    pc.ok("kv", "set", "cli/odd key?#%", "true")

    assert pc.ok("kv", "get", "cli/number").stdout == "42\n"
    assert pc.ok("kv", "get", "cli/word").stdout == '"hello"\n'
    assert pc.ok("kv", "get", "cli/forced").stdout == '"42"\n'
    assert pc.ok("kv", "get", "cli/map", "--json").json["value"] == {"a": [1, 2]}
    assert pc.ok("kv", "get", "cli/odd key?#%").stdout == "true\n"

    entries = pc.ok("kv", "ls", "cli/", "--json").json["entries"]
    assert [e["key"] for e in entries] == ["cli/forced", "cli/map", "cli/number", "cli/odd key?#%", "cli/word"]
    run = pc.ok("kv", "ls", "cli/", "--limit", "2")
    assert "cli/forced" in run.stdout and "cli/number" not in run.stdout and "more keys follow" in run.stderr

    assert "deleted cli/number" in pc.ok("kv", "rm", "cli/number").stdout
    run = pc("kv", "get", "cli/number")
    assert run.exit_code == 3 and "no key" in run.stderr
    assert pc("kv", "rm", "cli/number").exit_code == 3


def test_triggers_add_list_rm(pc):
    pc.ok("deploy", str(pc.write("on-order.rhai", 'print(`order ${event.key}`);\n')))
    trigger = pc.ok("triggers", "add", "orders/*", "on-order", "--ops", "set", "--json").json
    assert trigger["pattern"] == "orders/*" and trigger["ops"] == ["set"]
    assert "orders/*" in pc.ok("triggers", "list").stdout
    pc.ok("kv", "set", "orders/1", '{"n": 1}')
    deadline = time.monotonic() + 10
    while not pc.ok("executions", "list", "--script", "on-order", "--status", "succeeded", "--json").json["executions"]:
        assert time.monotonic() < deadline, "the trigger did not run"
        time.sleep(0.1)
    pc.ok("triggers", "rm", str(trigger["id"]))
    assert pc("triggers", "rm", str(trigger["id"])).exit_code == 3
    assert pc("triggers", "add", "x/*", "on-order", "--ops", "nope").exit_code == 2


def test_schedules(pc):
    pc.ok("deploy", str(pc.write("tick.rhai", "1\n")))
    run = pc("schedules", "add", "*/5 * * * *", "tick", "--timezone", "Europe/Paris", "--json")
    if run.exit_code == 3:
        pytest.skip("this server has no /schedules API")
    schedule = run.json
    assert schedule["enabled"] and schedule["timezone"] == "Europe/Paris"
    sid = str(schedule["id"])
    assert "*/5 * * * *" in pc.ok("schedules", "list").stdout
    assert pc.ok("schedules", "disable", sid, "--json").json["enabled"] is False
    assert "enabled, next run" in pc.ok("schedules", "enable", sid).stdout
    run = pc("schedules", "add", "not a cron", "tick")
    assert run.exit_code == 2 and "cron" in run.stderr
    pc.ok("schedules", "rm", sid)
    assert pc("schedules", "rm", sid).exit_code == 3


def test_dead_letters_list_show_retry_rm(pc):
    pc.ok("deploy", str(pc.write("fragile.rhai", 'print("trying"); request.json.missing.field\n')),
          "--route", "POST /fragile", "--async", "--max-attempts", "1")
    run = pc("invoke", "POST", "/fragile", "--data", "{}", "--wait")
    assert run.exit_code == 1 and "dead_lettered" in run.stdout and "trying" in run.stdout

    listed = pc.ok("dlq", "list", "--script", "fragile", "--json").json["dead_letters"]
    assert len(listed) == 1
    dead_id = listed[0]["id"]
    run = pc.ok("dlq", "list")
    assert dead_id in run.stdout and "fragile@1" in run.stdout and "script_failure" in run.stdout
    run = pc.ok("dlq", "show", dead_id)
    assert "dead_lettered" in run.stdout and "trying" in run.stdout

    assert "re-enqueued" in pc.ok("dlq", "retry", dead_id).stdout
    deadline = time.monotonic() + 10
    while pc.ok("executions", "show", dead_id, "--json").json["status"] != "dead_lettered":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert pc.ok("executions", "show", dead_id, "--json").json["attempts"] == 1
    assert "discarded" in pc.ok("dlq", "rm", dead_id).stdout
    assert pc("dlq", "show", dead_id).exit_code == 3
    assert pc("dlq", "rm", dead_id).exit_code == 3


def test_json_output_parses(pc):
    pc.ok("deploy", str(pc.write("jsonable.rhai", "1\n")), "--route", "GET /jsonable")
    for args in (["scripts", "list"], ["scripts", "show", "jsonable"], ["routes", "list"],
                 ["executions", "list"], ["dlq", "list"], ["kv", "ls"], ["triggers", "list"], ["status"]):
        before = pc.ok("--json", *args).json
        after = pc.ok(*args, "--json").json
        assert isinstance(before, dict) and type(after) is type(before), args


def test_status(pc):
    run = pc.ok("status")
    assert "status    ok" in run.stdout and "database  ok" in run.stdout
    # The health endpoint needs no token.
    assert pc.ok("status", "--json", env={"PICLOUD_TOKEN": "wrong"}).json["status"] == "ok"


def test_unreachable_server_exits_5(pc):
    url = f"http://127.0.0.1:{free_port()}"
    run = pc("scripts", "list", "--url", url)
    assert run.exit_code == 5
    assert f"cannot connect to {url}: connection refused" in run.stderr
    run = pc("scripts", "list", env={"PICLOUD_URL": "http://no-such-host.invalid:8080"})
    assert run.exit_code == 5 and "cannot connect" in run.stderr
    run = pc("scripts", "list", "--url", "ftp://example.com")
    assert run.exit_code == 2 and "invalid URL" in run.stderr


def test_wrong_or_missing_token_exits_4(pc):
    run = pc("scripts", "list", "--token", "pc_wrong-token")
    assert run.exit_code == 4
    assert "a valid token is required" in run.stderr and "PICLOUD_TOKEN" in run.stderr
    assert pc("routes", "list", env={"PICLOUD_TOKEN": None}).exit_code == 4


def test_token_from_the_admin_token_file(pc):
    data_dir = pc.workdir / "client-data"
    data_dir.mkdir(exist_ok=True)
    (data_dir / "admin-token").write_text(pc.token + "\n")
    run = pc("scripts", "list", "--json", env={"PICLOUD_TOKEN": None, "PICLOUD_DATA_DIR": str(data_dir)})
    assert run.exit_code == 0, run


def test_usage_errors_exit_2(pc):
    assert pc("invoke", "GET", "no-slash").exit_code == 2
    assert pc("invoke", "GET", "/x", "--header", "novalue").exit_code == 2
    assert pc("routes", "add", "GET /x").exit_code == 2
    assert pc("scripts", "rollback", "x", "zero").exit_code == 2
    assert pc("no-such-command").exit_code == 2


def test_real_process_exit_codes_and_help(pc):
    done = pc.process("--help")
    assert done.returncode == 0
    for command in ("serve", "migrate", "token", "deploy", "scripts", "routes", "invoke", "executions", "logs",
                    "kv", "triggers", "schedules", "dlq"):
        assert command in done.stdout
    assert pc.process("scripts", "show", "no-such-script").returncode == 3
    assert pc.process("scripts", "list", "--url", f"http://127.0.0.1:{free_port()}").returncode == 5
    assert pc.process("--version").stdout.strip().startswith("picloud ")


def test_logs_follow_streams_new_executions_until_ctrl_c(pc, server):
    pc.ok("deploy", str(pc.write("followed.rhai", 'print(`seen ${request.params.n}`); "ok"\n')),
          "--route", "GET /followed/{n}")
    pc.ok("invoke", "GET", "/followed/before")
    run = pc.ok("logs", "--script", "followed", "-n", "5")
    assert "followed@1  succeeded" in run.stdout and "│ seen before" in run.stdout

    import os

    environment = {k: v for k, v in os.environ.items() if not k.startswith("PICLOUD_")}
    environment.update(pc.env)
    process = subprocess.Popen(
        [sys.executable, "-m", "picloud.cli", "logs", "--follow", "--script", "followed", "-n", "0",
         "--interval", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        time.sleep(1.5)  # let it take its first look
        for n in range(3):
            pc.ok("invoke", "GET", f"/followed/{n}")
        deadline = time.monotonic() + 10
        while sum("│ seen" in line for line in lines) < 3:
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, lines
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(timeout=5)
    seen = [line.strip() for line in lines if "│ seen" in line]
    assert seen == ["│ seen 0", "│ seen 1", "│ seen 2"]  # the earlier one is not repeated
    assert "Ctrl-C" in process.stderr.read()
