from picloud.executor.compiler import ScriptKey
from picloud.executor.limits import DEFAULTS

from .conftest import needs_engine, seed_script

pytestmark = needs_engine


async def test_upload_json_creates_version_1_and_caches_the_ast(api):
    reply = await api.client.put("/scripts/hello", {
        "source": 'let who = "world"; `hello ${who}`',
        "timeout_seconds": 2,
        "limits": {"max_operations": 1000},
    })
    assert reply.status == 201, reply.body
    body = reply.json
    assert body["name"] == "hello" and body["version"] == 1 and body["created"] is True
    assert body["timeout_seconds"] == 2.0
    assert body["limits"] == {**DEFAULTS, "max_operations": 1000}
    assert body["created_at"].endswith("Z")
    assert reply.headers["location"] == "/_picloud/api/v1/scripts/hello"
    assert api.cache.get(ScriptKey("hello", 1)) is not None
    assert api.callbacks.routes_changed == 1


async def test_upload_text_plain_uses_defaults_and_adds_versions(api):
    first = await api.client.put("/scripts/t", body=b"1 + 1", headers={"Content-Type": "text/plain"})
    assert first.status == 201
    second = await api.client.put("/scripts/t", body="\"caf\u00e9\"".encode(),
                                  headers={"Content-Type": "text/plain; charset=utf-8"})
    assert second.status == 200, second.body
    assert second.json["version"] == 2 and second.json["created"] is False
    assert second.json["timeout_seconds"] == 5.0 and second.json["limits"] == DEFAULTS
    detail = (await api.client.get("/scripts/t")).json
    assert detail["current_version"] == 2 and detail["latest_version"] == 2
    assert detail["source"] == "\"caf\u00e9\""
    assert [v["version"] for v in detail["versions"]] == [1, 2]
    assert [v["current"] for v in detail["versions"]] == [False, True]
    assert api.cache.get(ScriptKey("t", 2)) is not None


async def test_compile_error_is_422_with_position_and_stores_nothing(api):
    reply = await api.client.put("/scripts/broken", {"source": "let x = 1;\nlet y = ;"})
    assert reply.status == 422
    error = reply.error
    assert error["kind"] == "compile_error"
    assert error["line"] == 2 and isinstance(error["column"], int)
    assert error["message"]
    assert await api.db.fetchval("SELECT count(*) FROM scripts") == 0
    assert await api.db.fetchval("SELECT count(*) FROM script_versions") == 0
    assert (await api.client.get("/scripts/broken")).status == 404
    assert api.callbacks.routes_changed == 0


async def test_compile_error_on_existing_script_keeps_current_version(api):
    assert (await api.client.put("/scripts/s", {"source": "1"})).status == 201
    assert (await api.client.put("/scripts/s", {"source": "fn ("})).status == 422
    detail = (await api.client.get("/scripts/s")).json
    assert detail["current_version"] == 1 and len(detail["versions"]) == 1


async def test_versions_list_and_fetch(api):
    for n in range(3):
        await api.client.put("/scripts/v", {"source": f"{n}"})
    listing = (await api.client.get("/scripts")).json["scripts"]
    assert [(s["name"], s["current_version"], s["latest_version"]) for s in listing] == [("v", 3, 3)]
    version = await api.client.get("/scripts/v/versions/2")
    assert version.status == 200
    assert version.json["source"] == "1" and version.json["version"] == 2 and version.json["current"] is False
    assert (await api.client.get("/scripts/v/versions/9")).status == 404
    assert (await api.client.get("/scripts/v/versions/abc")).status == 404
    assert (await api.client.get("/scripts/nope/versions/1")).status == 404


async def test_rollback_sets_current_version_and_next_upload_numbers_past_it(api):
    for n in range(3):
        await api.client.put("/scripts/r", {"source": f"{n}"})
    reply = await api.client.post("/scripts/r/rollback", {"version": 1})
    assert reply.status == 200, reply.body
    assert reply.json["version"] == 1 and reply.json["current"] is True and reply.json["previous_version"] == 3
    detail = (await api.client.get("/scripts/r")).json
    assert detail["current_version"] == 1 and detail["source"] == "0" and detail["latest_version"] == 3
    assert (await api.client.post("/scripts/r/rollback", {"version": 7})).status == 404
    assert (await api.client.post("/scripts/zz/rollback", {"version": 1})).status == 404
    bad = await api.client.post("/scripts/r/rollback", {"version": "2"})
    assert bad.status == 400 and "version" in bad.error["message"]
    upload = await api.client.put("/scripts/r", {"source": "3"})
    assert upload.json["version"] == 4


async def test_rollback_of_a_seeded_script_precompiles_it(api):
    await seed_script(api.db, "seeded", versions=2)
    assert (await api.client.post("/scripts/seeded/rollback", {"version": 1})).status == 200
    assert api.cache.get(ScriptKey("seeded", 1)) is not None


async def test_delete_refused_while_a_route_uses_it(api):
    await api.client.put("/scripts/d", {"source": "1"})
    route = (await api.client.post("/routes", {"method": "GET", "path": "/d", "script": "d"})).json
    refused = await api.client.delete("/scripts/d")
    assert refused.status == 409
    assert refused.error["kind"] == "conflict" and refused.error["routes"] == [route["id"]]
    assert (await api.client.delete(f"/routes/{route['id']}")).status == 204
    deleted = await api.client.delete("/scripts/d")
    assert deleted.status == 204 and deleted.body == b""
    assert (await api.client.get("/scripts/d")).status == 404
    assert (await api.client.delete("/scripts/d")).status == 404
    assert await api.db.fetchval("SELECT count(*) FROM script_versions") == 0


async def test_delete_refused_while_a_trigger_or_schedule_uses_it(api):
    await api.client.put("/scripts/t", {"source": "1"})
    trigger = (await api.client.post("/triggers", {"pattern": "x/*", "script": "t"})).json
    schedule = (await api.client.post("/schedules", {"cron": "@hourly", "script": "t"})).json
    refused = await api.client.delete("/scripts/t")
    assert refused.status == 409
    assert refused.error["triggers"] == [trigger["id"]] and refused.error["schedules"] == [schedule["id"]]
    assert "KV trigger(s)" in refused.error["message"] and "schedule(s)" in refused.error["message"]
    assert (await api.client.delete(f"/triggers/{trigger['id']}")).status == 204
    assert (await api.client.delete(f"/schedules/{schedule['id']}")).status == 204
    assert (await api.client.delete("/scripts/t")).status == 204


async def test_recreated_script_never_reuses_a_version_number(api):
    # Nodes cache compiled scripts by (name, version): a reused number would
    # let them keep running the deleted source.
    await api.client.put("/scripts/again", {"source": "1"})
    await api.client.put("/scripts/again", {"source": "2"})
    assert (await api.client.delete("/scripts/again")).status == 204
    reply = await api.client.put("/scripts/again", {"source": "3"})
    assert reply.status == 201 and reply.json["created"] is True and reply.json["version"] == 3
    assert api.cache.get(ScriptKey("again", 3)) is not None
    detail = (await api.client.get("/scripts/again")).json
    assert [v["version"] for v in detail["versions"]] == [3] and detail["current_version"] == 3
    assert (await api.client.get("/scripts/again/versions/1")).status == 404
    assert (await api.client.delete("/scripts/again")).status == 204
    assert (await api.client.put("/scripts/again", {"source": "4"})).json["version"] == 4


UPLOAD_ERRORS = [
    ({"sorce": "1"}, "unknown field 'sorce'"),
    ({}, "source: this field is required"),
    ({"source": 1}, "source: must be a string"),
    ({"source": "1", "timeout_seconds": "5"}, "timeout_seconds: must be a number of seconds"),
    ({"source": "1", "timeout_seconds": 0}, "timeout_seconds"),
    ({"source": "1", "limits": {"max_operations": "many"}}, "limits.max_operations: must be an integer"),
    ({"source": "1", "limits": {"max_cats": 1}}, "limits.max_cats"),
    ({"source": "1", "limits": None}, "limits: must be an object"),
    ({"source": "a\u0000b"}, "source: must not contain NUL"),
    ([1, 2], "must be a JSON object"),
]


async def test_upload_validation_names_the_field(api):
    for body, fragment in UPLOAD_ERRORS:
        reply = await api.client.put("/scripts/x", body)
        assert reply.status == 400, reply.body
        assert reply.error["kind"] == "bad_request"
        assert fragment in reply.error["message"], (fragment, reply.error)
    assert await api.db.fetchval("SELECT count(*) FROM scripts") == 0


async def test_upload_malformed_json_bad_name_and_media_type(api):
    reply = await api.client.put("/scripts/x", body=b'{"source": ', headers={"Content-Type": "application/json"})
    assert reply.status == 400 and "not valid JSON" in reply.error["message"]
    bad_name = await api.client.put("/scripts/-bad", {"source": "1"})
    assert bad_name.status == 400 and bad_name.error["message"].startswith("name:")
    media = await api.client.put("/scripts/x", body=b"<x/>", headers={"Content-Type": "application/xml"})
    assert media.status == 415 and media.error["kind"] == "unsupported_media_type"
    latin = await api.client.put("/scripts/x", body=b"\xff", headers={"Content-Type": "text/plain"})
    assert latin.status == 400


async def test_get_unknown_script_is_404(api):
    reply = await api.client.get("/scripts/missing")
    assert reply.status == 404 and reply.error["kind"] == "not_found"
