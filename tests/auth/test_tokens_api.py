"""``/tokens`` over real HTTP against a real database (no auth gate here: see test_gate.py)."""

from __future__ import annotations

import hashlib

from tests.api.conftest import api  # noqa: F401  (fixture)


async def test_create_list_get_and_revoke(api):  # noqa: F811
    reply = await api.client.post("/tokens", {"name": "ci"})
    assert reply.status == 201, reply
    created = reply.json
    secret = created["token"]
    assert secret.startswith("pc_") and len(secret) == 3 + 43
    assert created["name"] == "ci" and created["admin"] is False and created["last_used_at"] is None
    assert reply.headers["location"] == f"/_picloud/api/v1/tokens/{created['id']}"
    assert reply.headers["cache-control"] == "no-store"

    # Only the hash is stored.
    stored = await api.db.fetchval("SELECT token_hash FROM api_tokens WHERE id = $1", created["id"])
    assert bytes(stored) == hashlib.sha256(secret.encode()).digest()

    listing = (await api.client.get("/tokens")).json["tokens"]
    assert [t["name"] for t in listing] == ["ci"]
    assert "token" not in listing[0] and "token_hash" not in listing[0]
    one = await api.client.get(f"/tokens/{created['id']}")
    assert one.status == 200 and "token" not in one.json

    assert (await api.client.delete(f"/tokens/{created['id']}")).status == 204
    assert (await api.client.get("/tokens")).json["tokens"] == []
    assert (await api.client.delete(f"/tokens/{created['id']}")).status == 404


async def test_bad_names_and_duplicates(api):  # noqa: F811
    for body, fragment in [({}, "name: this field is required"), ({"name": ""}, "name: a token name"),
                           ({"name": "a b"}, "name: a token name"), ({"name": 3}, "name: must be a string"),
                           ({"name": "admin"}, "reserved"), ({"name": "x", "scope": "all"}, "unknown field")]:
        reply = await api.client.post("/tokens", body)
        assert reply.status == 400, (body, reply)
        assert fragment in reply.error["message"]
    assert (await api.client.post("/tokens", {"name": "ci"})).status == 201
    reply = await api.client.post("/tokens", {"name": "ci"})
    assert reply.status == 409 and reply.error["kind"] == "conflict"


async def test_unknown_and_malformed_ids(api):  # noqa: F811
    for path in ("/tokens/999", "/tokens/abc", "/tokens/0"):
        assert (await api.client.get(path)).status == 404
        assert (await api.client.delete(path)).status == 404
    reply = await api.client.put("/tokens/1", {})
    assert reply.status == 405
