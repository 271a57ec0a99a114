"""``/kv``: list with paging, get, put, delete, validation, and API writes firing triggers."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from .conftest import seed_script


def kv_path(key: str) -> str:
    return "/kv/" + urllib.parse.quote(key, safe="/")


async def put(api, key: str, value) -> dict:
    # The test client sends no body for json_body=None: send JSON text.
    reply = await api.client.put(kv_path(key), body=json.dumps(value).encode(),
                                 headers={"Content-Type": "application/json"})
    assert reply.status == 200, reply
    return reply.json


async def kv_triggered(db) -> list[dict]:
    rows = await db.fetch(
        """SELECT script_name, status, input::text AS input, chain_depth, trigger_id, dispatch_mode, max_attempts
           FROM executions WHERE trigger = 'kv' ORDER BY created_at, input->>'key', script_name""")
    return [{**dict(r), "input": json.loads(r["input"])} for r in rows]


# -- put / get ----------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    {"a": {"b": [1, 2.5, "three", None, True]}}, [1, [2]], "text", "", 0, -7, 2**63 - 1, 1.25, True, False, None,
    {}, [], "é ✓ \\ \"quoted\"",
])
async def test_put_then_get_round_trips_every_json_type(api, value):
    written = await put(api, "k", value)
    assert written["key"] == "k" and written["value"] == value
    assert written["updated_at"].endswith("Z")
    reply = await api.client.get("/kv/k")
    assert reply.status == 200, reply
    assert reply.json == written


async def test_put_overwrites_and_updates_the_timestamp(api):
    first = await put(api, "k", 1)
    second = await put(api, "k", {"v": 2})
    assert second["value"] == {"v": 2}
    assert second["updated_at"] >= first["updated_at"]
    assert (await api.client.get("/kv/k")).json["value"] == {"v": 2}


async def test_keys_may_hold_slashes_and_encoded_characters(api):
    for key in ["a/b/c", "with space", "ünïcode/✓", "trailing/", "q?x=1", "%41"]:
        written = await put(api, key, key)
        assert written["key"] == key, (key, written)
        reply = await api.client.get(kv_path(key))
        assert reply.status == 200 and reply.json["value"] == key, (key, reply)


async def test_get_of_a_missing_key_is_404(api):
    reply = await api.client.get("/kv/missing")
    assert reply.status == 404, reply
    assert reply.error["kind"] == "not_found"
    assert "missing" in reply.error["message"]


async def test_put_body_must_be_json(api):
    for body, headers in [
        (b"{not json", {"Content-Type": "application/json"}),
        (b"", {"Content-Type": "application/json"}),
        (b"\xff\xfe", {}),
        (b"NaN", {"Content-Type": "application/json"}),
        (b"1e999", {"Content-Type": "application/json"}),
        (b'"text"', {"Content-Type": "text/plain"}),
        (b'"a\\u0000b"', {"Content-Type": "application/json"}),
    ]:
        reply = await api.client.put("/kv/k", body=body, headers=headers)
        assert reply.status == 400, (body, reply)
        assert reply.error["kind"] == "bad_request"
    assert (await api.client.get("/kv/k")).status == 404
    # Without a content type, a JSON body is accepted.
    reply = await api.client.put("/kv/k", body=b'{"ok": true}')
    assert reply.status == 200 and reply.json["value"] == {"ok": True}, reply


async def test_keys_over_512_bytes_or_with_nul_are_400(api):
    ok = "é" * 256  # 512 bytes
    assert (await put(api, ok, 1))["key"] == ok
    for key in ["é" * 256 + "x", "k" * 513, "a\x00b"]:
        for method in ("GET", "PUT", "DELETE"):
            reply = await api.client.request(method, kv_path(key), 1 if method == "PUT" else None)
            assert reply.status == 400, (method, key[:10], reply)
            assert reply.error["message"].startswith("key:"), reply
    reply = await api.client.put(kv_path("k" * 513), 1)
    assert "512 bytes" in reply.error["message"]


async def test_a_value_over_the_body_limit_is_413(api):
    reply = await api.client.put("/kv/big", body=json.dumps("x" * (1 << 20)).encode(),
                                 headers={"Content-Type": "application/json"})
    assert reply.status == 413, reply
    assert (await api.client.get("/kv/big")).status == 404


# -- delete -------------------------------------------------------------------------


async def test_delete_then_404(api):
    await put(api, "k", 1)
    reply = await api.client.delete("/kv/k")
    assert reply.status == 204 and reply.body == b"", reply
    assert (await api.client.get("/kv/k")).status == 404
    reply = await api.client.delete("/kv/k")
    assert reply.status == 404, reply
    assert reply.error["kind"] == "not_found"


# -- list ---------------------------------------------------------------------------


async def test_list_is_sorted_by_key_bytes_with_prefix_limit_and_after_paging(api):
    keys = ["b", "a", "a/1", "a/2", "a/10", "ab", "B", "é", "z"]
    for n, key in enumerate(keys):
        await put(api, key, n)

    reply = await api.client.get("/kv")
    assert reply.status == 200, reply
    entries = reply.json["entries"]
    # Byte order (collation "C"): upper case first, multi-byte characters last.
    assert [e["key"] for e in entries] == ["B", "a", "a/1", "a/10", "a/2", "ab", "b", "z", "é"]
    assert entries[0] == {"key": "B", "value": 6, "updated_at": entries[0]["updated_at"]}
    assert reply.json["next"] is None

    prefixed = (await api.client.get("/kv", query={"prefix": "a/"})).json
    assert [e["key"] for e in prefixed["entries"]] == ["a/1", "a/10", "a/2"]
    assert prefixed["next"] is None
    assert (await api.client.get("/kv", query={"prefix": "nothing"})).json == {"entries": [], "next": None}

    # Page through everything two at a time.
    seen, after = [], None
    for _ in range(10):
        query = {"limit": "2"} | ({"after": after} if after else {})
        page = (await api.client.get("/kv", query=query)).json
        assert len(page["entries"]) <= 2
        seen += [e["key"] for e in page["entries"]]
        after = page["next"]
        if after is None:
            break
        assert after == page["entries"][-1]["key"]
    assert seen == ["B", "a", "a/1", "a/10", "a/2", "ab", "b", "z", "é"]

    # A page that exactly ends the listing has no next.
    page = (await api.client.get("/kv", query={"prefix": "a/", "limit": "3"})).json
    assert len(page["entries"]) == 3 and page["next"] is None
    # Prefix and after combine.
    page = (await api.client.get("/kv", query={"prefix": "a", "after": "a/1", "limit": "2"})).json
    assert [e["key"] for e in page["entries"]] == ["a/10", "a/2"] and page["next"] == "a/2"
    page = (await api.client.get("/kv", query={"prefix": "a", "after": "a/2", "limit": "2"})).json
    assert [e["key"] for e in page["entries"]] == ["ab"] and page["next"] is None


async def test_list_validates_its_query(api):
    for query in [{"limit": "0"}, {"limit": "1001"}, {"limit": "x"}, {"limit": "-1"}, {"other": "1"},
                  {"prefix": "a\x00"}, {"after": "\x00"}]:
        reply = await api.client.get("/kv", query=query)
        assert reply.status == 400, (query, reply)
    assert (await api.client.get("/kv", query={"limit": "1000"})).status == 200


# -- triggers -----------------------------------------------------------------------


async def test_api_writes_fire_matching_triggers_with_source_api(api):
    await seed_script(api.db, "on-user")
    await seed_script(api.db, "on-delete")
    created = await api.client.post("/triggers", {"pattern": "users/*", "script": "on-user", "ops": ["set"],
                                                  "max_attempts": 4})
    assert created.status == 201, created
    trigger_id = created.json["id"]
    await api.client.post("/triggers", {"pattern": "*", "script": "on-delete", "ops": ["delete"]})
    woken = api.callbacks.dispatcher_woken

    await put(api, "users/1", {"name": "ada"})
    await put(api, "users/1", {"name": "grace"})
    await put(api, "other", 1)
    assert (await api.client.delete("/kv/users/1")).status == 204
    assert (await api.client.delete("/kv/users/1")).status == 404  # no write, no trigger

    rows = await kv_triggered(api.db)
    assert [(r["script_name"], r["input"]) for r in rows] == [
        ("on-user", {"op": "set", "key": "users/1", "value": {"name": "ada"}, "old_value": None,
                     "execution_id": None, "source": "api"}),
        ("on-user", {"op": "set", "key": "users/1", "value": {"name": "grace"}, "old_value": {"name": "ada"},
                     "execution_id": None, "source": "api"}),
        ("on-delete", {"op": "delete", "key": "users/1", "value": None, "old_value": {"name": "grace"},
                       "execution_id": None, "source": "api"}),
    ]
    assert rows[0]["trigger_id"] == trigger_id and rows[0]["max_attempts"] == 4
    assert all(r["status"] == "pending" and r["chain_depth"] == 1 and r["dispatch_mode"] == "async"
               for r in rows)
    # The dispatcher was told there is work.
    assert api.callbacks.dispatcher_woken > woken
