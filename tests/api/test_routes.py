import pytest

from .conftest import seed_script


@pytest.fixture
async def hello(api):
    await seed_script(api.db, "hello")
    await seed_script(api.db, "other")
    return api


async def test_create_get_list_route(hello):
    api = hello
    reply = await api.client.post("/routes", {"method": "get", "path": "/hello/{name}", "script": "hello"})
    assert reply.status == 201, reply.body
    route = reply.json
    assert route["method"] == "GET" and route["path"] == "/hello/{name}" and route["script"] == "hello"
    assert route["dispatch_mode"] == "sync" and route["max_attempts"] == 3
    assert isinstance(route["id"], int) and route["created_at"].endswith("Z")
    assert reply.headers["location"] == f"/_picloud/api/v1/routes/{route['id']}"
    assert api.callbacks.routes_changed == 1
    assert (await api.client.get(f"/routes/{route['id']}")).json == route
    assert (await api.client.get("/routes")).json == {"routes": [route]}
    detail = (await api.client.get("/scripts/hello")).json
    assert detail["routes"] == [route["id"]]


async def test_async_route_with_attempts_and_any_method(hello):
    reply = await hello.client.post("/routes", {
        "method": "ANY", "path": "/jobs/{rest...}", "script": "hello", "dispatch_mode": "async", "max_attempts": 5,
    })
    assert reply.status == 201, reply.body
    assert reply.json["dispatch_mode"] == "async" and reply.json["max_attempts"] == 5


async def test_conflicts_are_409(hello):
    api = hello
    first = (await api.client.post("/routes", {"method": "GET", "path": "/a/{x}", "script": "hello"})).json
    same = await api.client.post("/routes", {"method": "GET", "path": "/a/{x}", "script": "other"})
    assert same.status == 409 and same.error["kind"] == "conflict" and same.error["route_id"] == first["id"]
    # Same shape, other parameter name: indistinguishable, so also a conflict.
    renamed = await api.client.post("/routes", {"method": "get", "path": "/a/{y}", "script": "other"})
    assert renamed.status == 409
    # Other method, a literal beside the parameter, a trailing slash: all distinct.
    for method, path in [("POST", "/a/{x}"), ("ANY", "/a/{x}"), ("GET", "/a/b"), ("GET", "/a/{x}/")]:
        reply = await api.client.post("/routes", {"method": method, "path": path, "script": "hello"})
        assert reply.status == 201, (method, path, reply.body)
    assert await api.db.fetchval("SELECT count(*) FROM routes") == 5


async def test_platform_paths_are_refused(hello):
    for path in ["/_picloud", "/_picloud/x", "/_PiCloud/api", "/_picloud/"]:
        reply = await hello.client.post("/routes", {"method": "GET", "path": path, "script": "hello"})
        assert reply.status == 400 and "reserved" in reply.error["message"], path


BAD_TEMPLATES = [
    ("hello", "must start with '/'"),
    ("/a//b", "empty segment"),
    ("/{x}/{x}", "duplicate parameter name 'x'"),
    ("/{rest...}/more", "catch-all"),
    ("/file.{ext}", "whole segment"),
    ("/{1x}", "identifier"),
    ("/a b", "not allowed"),
    ("/a?b=1", "not allowed"),
    ("/../etc", "dot segments"),
]


async def test_bad_templates_are_400_naming_path(hello):
    for path, fragment in BAD_TEMPLATES:
        reply = await hello.client.post("/routes", {"method": "GET", "path": path, "script": "hello"})
        assert reply.status == 400, reply.body
        assert reply.error["message"].startswith("path: ") and fragment in reply.error["message"], path


CREATE_ERRORS = [
    ({"method": "GET", "path": "/x", "script": "nope"}, "script: no script named 'nope'"),
    ({"method": "FETCH", "path": "/x", "script": "hello"}, "method: must be one of"),
    ({"method": "GET", "path": "/x"}, "script: this field is required"),
    ({"path": "/x", "script": "hello"}, "method: this field is required"),
    ({"method": "GET", "path": "/x", "script": "hello", "mode": "sync"}, "unknown field 'mode'"),
    ({"method": "GET", "path": "/x", "script": "hello", "dispatch_mode": "later"}, "dispatch_mode: must be one of"),
    ({"method": "GET", "path": "/x", "script": "hello", "max_attempts": 0}, "max_attempts: must be between"),
    ({"method": "GET", "path": "/x", "script": "hello", "max_attempts": 2.5}, "max_attempts: must be an integer"),
    ({"method": "GET", "path": "/x", "script": "hello", "max_attempts": True}, "max_attempts: must be an integer"),
    ({"method": 1, "path": "/x", "script": "hello"}, "method: must be a string"),
]


async def test_create_validation(hello):
    for body, fragment in CREATE_ERRORS:
        reply = await hello.client.post("/routes", body)
        assert reply.status == 400, reply.body
        assert fragment in reply.error["message"], (fragment, reply.error)
    assert await hello.db.fetchval("SELECT count(*) FROM routes") == 0
    assert hello.callbacks.routes_changed == 0


async def test_patch_route(hello):
    api = hello
    route = (await api.client.post("/routes", {"method": "GET", "path": "/p", "script": "hello"})).json
    other = (await api.client.post("/routes", {"method": "GET", "path": "/q", "script": "hello"})).json
    changed = await api.client.patch(f"/routes/{route['id']}", {
        "script": "other", "dispatch_mode": "async", "max_attempts": 7, "path": "/p/{id}", "method": "post",
    })
    assert changed.status == 200, changed.body
    body = changed.json
    assert (body["method"], body["path"], body["script"], body["dispatch_mode"], body["max_attempts"]) == (
        "POST", "/p/{id}", "other", "async", 7)
    assert body["updated_at"] >= body["created_at"]
    assert api.callbacks.routes_changed == 3
    clash = await api.client.patch(f"/routes/{other['id']}", {"method": "POST", "path": "/p/{x}"})
    assert clash.status == 409
    unknown_script = await api.client.patch(f"/routes/{other['id']}", {"script": "ghost"})
    assert unknown_script.status == 400 and unknown_script.error["message"].startswith("script:")
    bad = await api.client.patch(f"/routes/{other['id']}", {"path": "/_picloud/x"})
    assert bad.status == 400
    assert (await api.client.get(f"/routes/{other['id']}")).json == other
    noop = await api.client.patch(f"/routes/{other['id']}", {})
    assert noop.status == 200 and noop.json == other
    assert (await api.client.patch("/routes/999", {"max_attempts": 2})).status == 404


async def test_delete_route(hello):
    api = hello
    route = (await api.client.post("/routes", {"method": "GET", "path": "/gone", "script": "hello"})).json
    reply = await api.client.delete(f"/routes/{route['id']}")
    assert reply.status == 204 and reply.body == b""
    assert api.callbacks.routes_changed == 2
    assert (await api.client.get(f"/routes/{route['id']}")).status == 404
    assert (await api.client.delete(f"/routes/{route['id']}")).status == 404
    assert (await api.client.get("/routes/not-a-number")).status == 404
    assert (await api.client.get("/routes/99999999999999999999999")).status == 404
