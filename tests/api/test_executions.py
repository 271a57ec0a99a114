import datetime as dt
import json
import uuid

import pytest

from .conftest import seed_script

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


async def insert_execution(db, *, script="hello", version=1, route_id=None, status="succeeded",
                           created_at=T0, started_at=None, finished_at=None, error=None, result=None,
                           logs=(), attempts=1, max_attempts=3, execution_id=None, http_status=None):
    execution_id = execution_id or uuid.uuid4()
    await db.execute(
        """
        INSERT INTO executions (id, trigger, route_id, script_name, script_version, dispatch_mode, status,
                                attempts, max_attempts, input, created_at, started_at, finished_at,
                                error, result, logs, http_status, lease_owner, lease_expires_at)
        VALUES ($1, 'http', $2, $3, $4, 'async', $5, $6, $7, '{"method": "GET"}', $8, $9, $10,
                $11::jsonb, $12::jsonb, $13::jsonb, $14, $15, $16)
        """,
        execution_id, route_id, script, version, status, attempts, max_attempts, created_at, started_at,
        finished_at, None if error is None else json.dumps(error), None if result is None else json.dumps(result),
        json.dumps(list(logs)), http_status,
        "node-1" if status == "running" else None, created_at if status == "running" else None,
    )
    return execution_id


@pytest.fixture
async def setup(api):
    await seed_script(api.db, "hello")
    await seed_script(api.db, "other")
    route = (await api.client.post("/routes", {"method": "GET", "path": "/h", "script": "hello"})).json
    return api, route["id"]


async def test_detail_has_all_fields_and_duration(setup):
    api, route_id = setup
    execution_id = await insert_execution(
        api.db, route_id=route_id, started_at=T0 + dt.timedelta(seconds=1),
        finished_at=T0 + dt.timedelta(seconds=1, milliseconds=250), result={"ok": True}, logs=["hi"],
        http_status=200,
    )
    reply = await api.client.get(f"/executions/{execution_id}")
    assert reply.status == 200, reply.body
    body = reply.json
    assert body == {
        "id": str(execution_id), "status": "succeeded", "attempts": 1, "max_attempts": 3, "trigger": "http",
        "route_id": route_id, "script": "hello", "version": 1, "dispatch_mode": "async", "http_status": 200,
        "result": {"ok": True}, "error": None, "logs": ["hi"], "input": {"method": "GET"},
        "created_at": "2026-01-01T00:00:00.000Z", "started_at": "2026-01-01T00:00:01.000Z",
        "finished_at": "2026-01-01T00:00:01.250Z", "next_attempt_at": None, "duration_ms": 250.0,
    }


async def test_detail_unknown_and_bad_ids_are_404(setup):
    api, _ = setup
    assert (await api.client.get(f"/executions/{uuid.uuid4()}")).status == 404
    reply = await api.client.get("/executions/not-a-uuid")
    assert reply.status == 404 and reply.error["kind"] == "not_found"


async def test_list_is_newest_first_and_paginates_with_a_cursor(setup):
    api, _ = setup
    ids = [await insert_execution(api.db, created_at=T0 + dt.timedelta(seconds=n)) for n in range(5)]
    # Two rows with the same timestamp: the id breaks the tie, none is lost.
    ids.append(await insert_execution(api.db, created_at=T0 + dt.timedelta(seconds=4)))
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 2} | ({"before": cursor} if cursor else {})
        page = (await api.client.get("/executions", query=query)).json
        pages += 1
        seen.extend(e["id"] for e in page["executions"])
        assert "logs" not in page["executions"][0]
        cursor = page["next"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted(map(str, ids)) and len(seen) == 6
    everything = (await api.client.get("/executions")).json
    assert [e["id"] for e in everything["executions"]] == seen and everything["next"] is None
    created = [e["created_at"] for e in everything["executions"]]
    assert created == sorted(created, reverse=True)


async def test_list_filters(setup):
    api, route_id = setup
    a = await insert_execution(api.db, route_id=route_id, status="failed")
    b = await insert_execution(api.db, script="other", status="succeeded", created_at=T0 + dt.timedelta(1))
    c = await insert_execution(api.db, status="running", created_at=T0 + dt.timedelta(2))

    async def ids(**query):
        reply = await api.client.get("/executions", query=query)
        assert reply.status == 200, reply.body
        return [e["id"] for e in reply.json["executions"]]

    assert await ids(route=route_id) == [str(a)]
    assert await ids(script="other") == [str(b)]
    assert await ids(status="running") == [str(c)]
    assert await ids(script="hello", status="failed") == [str(a)]
    assert await ids(script="hello") == [str(c), str(a)]


BAD_QUERIES = [
    ({"limit": 0}, "limit:"), ({"limit": 501}, "limit:"), ({"limit": "x"}, "limit:"),
    ({"status": "done"}, "status: must be one of"), ({"route": "abc"}, "route:"),
    ({"before": "garbage!"}, "before:"), ({"colour": "red"}, "unknown query parameter 'colour'"),
]


async def test_list_bad_query_is_400(setup):
    api, _ = setup
    for query, fragment in BAD_QUERIES:
        reply = await api.client.get("/executions", query=query)
        assert reply.status == 400 and fragment in reply.error["message"], (query, reply.body)


async def test_dead_letters_list_detail_retry_delete(setup):
    api, route_id = setup
    ok = await insert_execution(api.db, status="succeeded")
    old = await insert_execution(api.db, status="dead_lettered", route_id=route_id, attempts=3,
                                 error={"kind": "timeout"}, created_at=T0,
                                 started_at=T0, finished_at=T0 + dt.timedelta(seconds=5))
    new = await insert_execution(api.db, status="dead_lettered", attempts=3, created_at=T0 + dt.timedelta(1))
    listing = await api.client.get("/dead-letters")
    assert listing.status == 200
    assert [e["id"] for e in listing.json["dead_letters"]] == [str(new), str(old)]
    assert listing.json["next"] is None
    paged = (await api.client.get("/dead-letters", query={"limit": 1})).json
    assert [e["id"] for e in paged["dead_letters"]] == [str(new)] and paged["next"]
    assert (await api.client.get("/dead-letters", query={"status": "failed"})).status == 400
    assert (await api.client.get(f"/dead-letters/{old}")).json["error"] == {"kind": "timeout"}
    assert (await api.client.get(f"/dead-letters/{ok}")).status == 404

    # A new version was uploaded since: the retry runs the current one.
    await api.db.execute("INSERT INTO script_versions (script_name, version, source, timeout_seconds) "
                         "VALUES ('hello', 2, '1', 5)")
    await api.db.execute("UPDATE scripts SET current_version = 2 WHERE name = 'hello'")
    retried = await api.client.post(f"/dead-letters/{old}/retry")
    assert retried.status == 202, retried.body
    body = retried.json
    assert body["id"] == str(old) and body["status"] == "pending" and body["attempts"] == 0
    assert body["version"] == 2 and body["next_attempt_at"] is not None
    assert body["error"] == {"kind": "timeout"}  # kept until the next attempt records its own
    assert body["finished_at"] is None and body["duration_ms"] is None
    assert api.callbacks.dispatcher_woken == 1
    row = await api.db.fetch("SELECT lease_owner, lease_expires_at, next_attempt_at <= now() AS due "
                             "FROM executions WHERE id = $1", old)
    assert row[0]["lease_owner"] is None and row[0]["lease_expires_at"] is None and row[0]["due"]
    assert (await api.client.post(f"/dead-letters/{old}/retry")).status == 404  # not dead any more
    assert (await api.client.get(f"/dead-letters/{old}")).status == 404

    pinned = await api.client.post(f"/dead-letters/{new}/retry", {"version": 1})
    assert pinned.status == 202 and pinned.json["version"] == 1
    assert api.callbacks.dispatcher_woken == 2

    gone = await insert_execution(api.db, status="dead_lettered")
    assert (await api.client.post(f"/dead-letters/{gone}/retry", {"version": 9})).status == 409
    assert (await api.client.post(f"/dead-letters/{gone}/retry", {"versio": 1})).status == 400
    assert (await api.client.delete(f"/dead-letters/{ok}")).status == 404
    deleted = await api.client.delete(f"/dead-letters/{gone}")
    assert deleted.status == 204
    assert await api.db.fetchval("SELECT count(*) FROM executions WHERE id = $1", gone) == 0
    assert (await api.client.delete(f"/dead-letters/{gone}")).status == 404
    assert (await api.client.delete("/dead-letters/xyz")).status == 404
    assert api.callbacks.dispatcher_woken == 2


async def test_retry_refused_when_the_script_is_gone(setup):
    api, _ = setup
    orphan = await insert_execution(api.db, script="deleted-long-ago", status="dead_lettered")
    reply = await api.client.post(f"/dead-letters/{orphan}/retry")
    assert reply.status == 409 and "no longer exists" in reply.error["message"]
    assert api.callbacks.dispatcher_woken == 0
