"""Upload a Rhai script, get an HTTP endpoint: sync routes end to end.

One real ``picloud serve`` (embedded PostgreSQL) for the whole module; each
test uses its own script names and route paths, so they do not interfere.
"""

from __future__ import annotations

import http.client
import json
import uuid

import pytest

from tests.e2e.client import Client, Server

MAX_BODY = 1024


@pytest.fixture(scope="module")
def server():
    server = Server("picloud-e2e-sync-", env={"PICLOUD_MAX_BODY_BYTES": str(MAX_BODY)})
    try:
        server.serve.wait_healthy()
        yield server
    finally:
        server.close()


@pytest.fixture
def client(server) -> Client:
    return server.client


def assert_execution_id(reply, *, in_body: bool) -> str:
    header = reply.execution_id
    assert header, reply
    uuid.UUID(header)
    if in_body:
        assert reply.error["execution_id"] == header, reply
    return header


# -- deploy and call --------------------------------------------------------------


def test_deploy_and_call_with_path_params(client):
    client.deploy("greet", 'let n = request.params.name; "hello " + n', "GET", "/greet/{name}")
    reply = client.call("GET", "/greet/ada")
    assert reply.status == 200, reply
    assert reply.text == "hello ada"
    assert reply.headers["content-type"].startswith("text/plain")
    execution_id = assert_execution_id(reply, in_body=False)

    record = client.get_execution(execution_id)
    assert record.status == 200, record
    record = record.json
    assert record["status"] == "succeeded"
    assert record["script"] == "greet" and record["version"] == 1
    assert record["dispatch_mode"] == "sync" and record["http_status"] == 200
    assert record["result"] == "hello ada"
    assert record["input"]["params"] == {"name": "ada"}


def test_request_map_query_json_headers(client):
    client.deploy("echo-request", "request", "POST", "/echo/{id}")
    reply = client.call("POST", "/echo/42", query={"q": "rhai", "page": "2"},
                        json_body={"a": 1, "b": [True, None, "x"]},
                        headers={"X-Custom-Header": "Some Value"})
    assert reply.status == 200, reply
    assert reply.headers["content-type"] == "application/json"
    seen = reply.json
    assert seen["method"] == "POST"
    assert seen["path"] == "/echo/42"
    assert seen["params"] == {"id": "42"}
    assert seen["query"] == {"q": "rhai", "page": "2"}
    assert seen["json"] == {"a": 1, "b": [True, None, "x"]}
    assert seen["body"] == '{"a": 1, "b": [true, null, "x"]}'
    # Header names reach the script lower-case, values untouched.
    assert seen["headers"]["x-custom-header"] == "Some Value"
    assert all(name == name.lower() for name in seen["headers"])


def test_script_computes_from_json_body_query_and_headers(client):
    source = """
        let total = request.json.a + request.json.b;
        let who = request.query.who;
        let tag = request.headers["x-tag"];
        `${who}:${tag}:${total}`
    """
    client.deploy("sum-json", source, "POST", "/sum")
    reply = client.call("POST", "/sum", query={"who": "me"}, json_body={"a": 40, "b": 2},
                        headers={"X-Tag": "T1"})
    assert reply.status == 200, reply
    assert reply.text == "me:T1:42"


def test_non_json_body_is_a_string_and_json_is_unit(client):
    client.deploy("raw-body", "#{body: request.body, json_is_unit: request.json == ()}", "POST", "/raw")
    reply = client.call("POST", "/raw", body="plain words", headers={"Content-Type": "text/plain"})
    assert reply.status == 200, reply
    assert reply.json == {"body": "plain words", "json_is_unit": True}


# -- response forms ---------------------------------------------------------------


@pytest.mark.parametrize(
    "source, status, content_type, body",
    [
        ('"just text"', 200, "text/plain; charset=utf-8", b"just text"),
        ("()", 204, None, b""),
        ("let x = 1;", 204, None, b""),
        ("42", 200, "application/json", b"42"),
        ("[1, 2, 3]", 200, "application/json", b"[1, 2, 3]"),
        ("#{a: 1}", 200, "application/json", b'{"a": 1}'),
        ("true", 200, "application/json", b"true"),
        ('#{status: 201, headers: #{"X-Made": "yes"}, body: "created"}', 201,
         "text/plain; charset=utf-8", b"created"),
        ('#{status: 418, body: #{tea: "pot"}}', 418, "application/json", b'{"tea": "pot"}'),
        ('#{status: 200, headers: #{"Content-Type": "text/csv"}, body: "a,b"}', 200, "text/csv", b"a,b"),
        ("#{status: 204}", 204, None, b""),
    ],
    ids=["string", "unit", "statement", "int", "array", "map", "bool", "status-map-text",
         "status-map-json", "status-map-content-type", "status-only"],
)
def test_response_forms(client, source, status, content_type, body):
    name = f"form-{uuid.uuid4().hex[:8]}"
    client.deploy(name, source, "GET", f"/forms/{name}")
    reply = client.call("GET", f"/forms/{name}")
    assert reply.status == status, reply
    assert reply.headers.get("content-type") == content_type, reply
    assert reply.body == body
    assert_execution_id(reply, in_body=False)
    if source.startswith('#{status: 201'):
        assert reply.headers["x-made"] == "yes"


# -- the status-code table ------------------------------------------------------------


def test_throw_is_422_script_error(client):
    client.deploy("thrower", 'throw "bad input: " + request.query.x;', "GET", "/throw")
    reply = client.call("GET", "/throw", query={"x": "7"})
    assert reply.status == 422, reply
    error = reply.error
    assert error["kind"] == "script_error"
    assert error["message"] == "bad input: 7"
    assert error["value"] == "bad input: 7"
    assert_execution_id(reply, in_body=True)


def test_throw_of_a_map_keeps_the_value(client):
    client.deploy("thrower-map", 'throw #{code: 17, why: "nope"};', "GET", "/throw-map")
    reply = client.call("GET", "/throw-map")
    assert reply.status == 422, reply
    assert reply.error["kind"] == "script_error"
    assert reply.error["value"] == {"code": 17, "why": "nope"}
    assert_execution_id(reply, in_body=True)


@pytest.mark.parametrize(
    "source, line, column",
    [
        ("let a = 1;\nlet b = no_such_function(a);\nb", 2, 9),   # undefined function
        ('let a = 1;\n\nlet b = a - "text";\nb', 3, 11),          # type error
        ("let a = [1, 2];\na[10]", 2, 1),                         # bad index
    ],
    ids=["undefined-function", "type-error", "bad-index"],
)
def test_run_time_failure_is_502_with_position(client, source, line, column):
    name = f"fail-{uuid.uuid4().hex[:8]}"
    client.deploy(name, source, "GET", f"/fail/{name}")
    reply = client.call("GET", f"/fail/{name}")
    assert reply.status == 502, reply
    error = reply.error
    assert error["kind"] == "script_failure"
    assert error["message"]
    assert error["line"] == line
    assert isinstance(error["column"], int) and error["column"] >= 1
    assert_execution_id(reply, in_body=True)


def test_malformed_response_map_is_502(client):
    client.deploy("bad-status", '#{status: "abc", body: "x"}', "GET", "/bad-status")
    reply = client.call("GET", "/bad-status")
    assert reply.status == 502, reply
    assert reply.error["kind"] == "script_failure"
    assert "status" in reply.error["message"]
    assert_execution_id(reply, in_body=True)


def test_loop_past_its_timeout_is_504(client):
    client.deploy("spin", "loop { }", "GET", "/spin", timeout_seconds=0.5,
                  limits={"max_operations": 1_000_000_000})
    reply = client.call("GET", "/spin")
    assert reply.status == 504, reply
    assert reply.error["kind"] == "timeout"
    execution_id = assert_execution_id(reply, in_body=True)
    record = client.get_execution(execution_id).json
    assert record["status"] == "failed" and record["http_status"] == 504


def test_too_many_operations_is_507(client):
    client.deploy("busy", "let i = 0; loop { i += 1; }", "GET", "/busy", limits={"max_operations": 1000})
    reply = client.call("GET", "/busy")
    assert reply.status == 507, reply
    assert reply.error["kind"] == "limit_exceeded"
    assert reply.error["limit"] == "max_operations"
    assert_execution_id(reply, in_body=True)


def test_string_bomb_is_507_max_string_size(client):
    client.deploy("bomb", 'let s = "x"; loop { s += s; }', "GET", "/bomb",
                  limits={"max_operations": 1_000_000_000})
    reply = client.call("GET", "/bomb")
    assert reply.status == 507, reply
    assert reply.error["kind"] == "limit_exceeded"
    assert reply.error["limit"] == "max_string_size"
    assert_execution_id(reply, in_body=True)


def test_no_route_is_404_with_execution_id(client):
    reply = client.call("GET", "/nothing/here")
    assert reply.status == 404, reply
    assert reply.error["kind"] == "not_found"
    assert_execution_id(reply, in_body=True)


def test_wrong_method_is_405_with_allow(client):
    client.deploy("only-get", '"got"', "GET", "/only-get")
    reply = client.call("DELETE", "/only-get")
    assert reply.status == 405, reply
    assert "GET" in [m.strip() for m in reply.headers["allow"].split(",")]
    assert reply.error["kind"] == "method_not_allowed"
    assert_execution_id(reply, in_body=True)


def test_body_over_the_limit_is_413(client):
    client.deploy("upload", "request.body.len()", "POST", "/upload")
    assert client.call("POST", "/upload", body="x" * MAX_BODY).json == MAX_BODY
    reply = client.call("POST", "/upload", body="x" * (MAX_BODY + 1))
    assert reply.status == 413, reply
    assert_execution_id(reply, in_body=True)


# -- the control plane acts at once -----------------------------------------------


def test_route_answers_on_the_very_next_request(client):
    assert client.put_script("fresh", '"fresh"').status == 201
    assert client.call("GET", "/fresh").status == 404
    created = client.add_route("GET", "/fresh", "fresh")
    assert created.status == 201, created
    reply = client.call("GET", "/fresh")
    assert reply.status == 200, reply
    assert reply.text == "fresh"
    # And deleting it takes effect as fast.
    assert client.api("DELETE", f"/routes/{created.json['id']}").status == 204
    assert client.call("GET", "/fresh").status == 404


def test_new_version_answers_at_once_and_rollback_restores_the_old_one(client):
    client.deploy("versioned", '"v1"', "GET", "/versioned")
    assert client.call("GET", "/versioned").text == "v1"
    upload = client.put_script("versioned", '"v2"')
    assert upload.status == 200 and upload.json["version"] == 2, upload
    reply = client.call("GET", "/versioned")
    assert reply.text == "v2"
    assert client.get_execution(reply.execution_id).json["version"] == 2

    rollback = client.api("POST", "/scripts/versioned/rollback", json_body={"version": 1})
    assert rollback.status == 200, rollback
    reply = client.call("GET", "/versioned")
    assert reply.text == "v1"
    assert client.get_execution(reply.execution_id).json["version"] == 1


def test_compile_error_on_upload_is_422_with_position_and_keeps_the_old_version(client):
    client.deploy("compiles", '"ok"', "GET", "/compiles")
    reply = client.put_script("compiles", 'let x = 1;\nlet y = (x + ;\n"never"')
    assert reply.status == 422, reply
    error = reply.error
    assert error["kind"] == "compile_error"
    assert error["line"] == 2
    assert isinstance(error["column"], int) and error["column"] >= 1
    assert client.call("GET", "/compiles").text == "ok"


def test_chunked_body_over_the_limit_is_413(client):
    client.deploy("upload-chunked", "request.body.len()", "POST", "/upload-chunked")
    conn = http.client.HTTPConnection(client.host, client.port, timeout=10)
    try:
        # No Content-Length: the limit is enforced while reading.
        conn.request("POST", "/upload-chunked", body=iter([b"x" * 600, b"y" * 600]), encode_chunked=True)
        response = conn.getresponse()
        assert response.status == 413
        assert json.loads(response.read())["error"]["execution_id"] == response.getheader("x-picloud-execution-id")
    finally:
        conn.close()
    conn = http.client.HTTPConnection(client.host, client.port, timeout=10)
    try:
        conn.request("POST", "/upload-chunked", body=iter([b"x" * 600, b"y" * 300]), encode_chunked=True)
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, b"900")
    finally:
        conn.close()


def test_any_method_route_sees_the_method(client):
    client.deploy("any-method", "request.method", "ANY", "/any-method")
    for method in ("GET", "POST", "PATCH", "DELETE"):
        reply = client.call(method, "/any-method")
        assert reply.status == 200, reply
        assert reply.text == method


def test_sync_execution_record_keeps_logs(client):
    client.deploy("chatty", 'print("one"); let x = 2; print(`two=${x}`); x', "GET", "/chatty")
    reply = client.call("GET", "/chatty")
    assert reply.status == 200 and reply.json == 2, reply
    record = client.get_execution(reply.execution_id).json
    assert record["logs"] == ["one", "two=2"]
    assert record["result"] == 2


def test_script_using_the_standard_library_end_to_end(client):
    # callbacks, string methods, timestamp arithmetic and exit() behind a real route
    source = """
        let rows = request.body.split("\\n").filter(|l| l != "").map(|l| {
            let f = l.split(",");
            #{ name: f[0], score: parse_int(f[1]) }
        });
        let t = timestamp();
        if (t + 1) - t != 1.0 { throw "timestamp arithmetic"; }
        let top = rows.filter(|r| r.score >= 10).map(|r| r.name.to_upper());
        if top.is_empty() { exit(#{ status: 404, body: "nobody" }); }
        #{ status: 200, body: top.reduce(|s, n| if s == "" { n } else { s + "," + n }, "") }
    """
    client.deploy("stdlib-e2e", source, "POST", "/stdlib-e2e")
    text = {"Content-Type": "text/plain"}
    reply = client.call("POST", "/stdlib-e2e", body="ada,12\nbob,3\ncyd,40\n", headers=text)
    assert reply.status == 200, reply
    assert reply.text == "ADA,CYD"
    reply = client.call("POST", "/stdlib-e2e", body="bob,3\n", headers=text)
    assert reply.status == 404, reply
    assert reply.text == "nobody"
