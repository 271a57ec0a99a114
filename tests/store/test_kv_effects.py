"""``picloud.store.kv``: applying buffered effects, firing triggers in the same
transaction, the chain bound, reads, and effects tied to the lease."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import asyncpg
import pytest
import trio

from picloud.shared.executions import Completion, NewExecution
from picloud.shared.kv import KvEffects, KvWrite
from picloud.store import kv as store
from picloud.store import triggers
from picloud.store.migrations import apply_migrations, load_migrations
from picloud.store.outbox import complete_executions, insert_executions

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
API = store.WriteContext(source="api", now=NOW)


@pytest.fixture
async def kvdb(db):
    await apply_migrations(db, load_migrations())

    async def seed(conn):
        async with conn.transaction():  # the scripts -> current version key is checked at commit
            for name in ("on-set", "on-any", "other"):
                await conn.execute("INSERT INTO scripts (name, current_version) VALUES ($1, 2)", name)
                for version in (1, 2):
                    await conn.execute("INSERT INTO script_versions (script_name, version, source, "
                                       "timeout_seconds) VALUES ($1, $2, 'event', 5)", name, version)

    await db.run(seed)
    return db


def effects(sets: dict | None = None, deletes: list | None = None, incr: dict | None = None) -> KvEffects:
    writes = {k: KvWrite("set", json.dumps(v)) for k, v in (sets or {}).items()}
    writes.update({k: KvWrite("delete") for k in deletes or []})
    return KvEffects(writes=writes, increments=dict(incr or {}))


async def apply(db, fx: KvEffects, context: store.WriteContext = API) -> list[store.AppliedWrite]:
    async def op(conn):
        async with conn.transaction():
            return await store.apply_effects(conn, fx, context)

    return await db.run(op)


async def contents(db) -> dict:
    rows = await db.fetch("SELECT key, value::text AS value FROM kv ORDER BY key")
    return {r["key"]: json.loads(r["value"]) for r in rows}


async def fired(db) -> list[dict]:
    rows = await db.fetch(
        """SELECT script_name, script_version, status, input::text AS input, chain_depth, trigger_id,
                  error::text AS error, max_attempts, attempts, next_attempt_at, finished_at, trigger, route_id
           FROM executions ORDER BY input->>'key', script_name, input->>'op'""")
    return [{**dict(r), "input": json.loads(r["input"]),
             "error": None if r["error"] is None else json.loads(r["error"])} for r in rows]


async def add_trigger(db, pattern: str, script: str, ops=("set", "delete"), max_attempts: int = 3):
    return await db.run(triggers.create_trigger, pattern, script, sorted(ops), max_attempts)


# -- sets, deletes, increments ----------------------------------------------------------


async def test_sets_deletes_and_increments_with_old_values(kvdb):
    assert await apply(kvdb, effects({"a": 1, "b": {"x": [1]}, "c": "gone soon"})) == [
        store.AppliedWrite("set", "a", 1, None),
        store.AppliedWrite("set", "b", {"x": [1]}, None),
        store.AppliedWrite("set", "c", "gone soon", None),
    ]
    applied = await apply(kvdb, effects({"a": [2]}, ["c", "never-existed"], {"n": 5, "m": -2}))
    assert sorted(applied, key=lambda w: (w.key, w.op)) == [
        store.AppliedWrite("set", "a", [2], 1),
        store.AppliedWrite("delete", "c", None, "gone soon"),
        store.AppliedWrite("set", "m", -2, None),
        store.AppliedWrite("set", "n", 5, None),
    ]
    applied = await apply(kvdb, effects(incr={"n": 10}))
    assert applied == [store.AppliedWrite("set", "n", 15, 5)]
    assert await contents(kvdb) == {"a": [2], "b": {"x": [1]}, "m": -2, "n": 15}
    assert await kvdb.fetchval("SELECT updated_at FROM kv WHERE key = 'n'") == NOW


async def test_empty_effects_do_nothing(kvdb):
    await add_trigger(kvdb, "*", "on-any")
    assert await apply(kvdb, KvEffects()) == []
    assert await apply(kvdb, effects(deletes=["missing"])) == []
    assert await contents(kvdb) == {} and await fired(kvdb) == []


async def test_increment_of_a_non_integer_raises_and_rolls_everything_back(kvdb):
    await add_trigger(kvdb, "*", "on-any")
    await apply(kvdb, effects({"text": "abc", "float": 1.5, "keep": 1}))
    before_kv, before_fired = await contents(kvdb), await fired(kvdb)
    for bad in ("text", "float"):
        with pytest.raises(asyncpg.PostgresError):
            await apply(kvdb, effects({"new": 1, "keep": 2}, ["text"] if bad == "float" else [],
                                      {"a-counter": 1, bad: 1}))
        assert await contents(kvdb) == before_kv
        assert await fired(kvdb) == before_fired


async def test_increments_from_concurrent_transactions_are_all_counted(kvdb):
    async def bump(n):
        await apply(kvdb, effects(incr={"n": 1, "m": n}))

    async with trio.open_nursery() as nursery:
        for n in range(30):
            nursery.start_soon(bump, n)
    assert await contents(kvdb) == {"n": 30, "m": sum(range(30))}


async def test_concurrent_writers_of_overlapping_new_keys_do_not_deadlock(kvdb):
    # Row locks cannot cover keys that do not exist yet: writers inserting the
    # same new keys in opposite orders, or as a set in one and an increment in
    # the other, must still serialise instead of deadlocking.
    async def write(round_, n):
        keys = [f"{round_}/{k}" for k in "abcd"]
        if n % 2:
            keys.reverse()
        await apply(kvdb, KvEffects(writes={k: KvWrite("set", str(n)) for k in keys[:3]},
                                    increments={keys[3]: 1, f"{round_}/z": 1}))

    with trio.fail_after(60):
        for round_ in range(4):
            async with trio.open_nursery() as nursery:
                for n in range(16):
                    nursery.start_soon(write, round_, n)
    final = await contents(kvdb)
    for round_ in range(4):
        assert final[f"{round_}/z"] == 16
        # a and d are incremented by half the writers and set by the others: any
        # outcome is fine as long as every transaction committed whole.
        assert final[f"{round_}/b"] in range(16) and final[f"{round_}/c"] in range(16)


# -- triggers ---------------------------------------------------------------------------


async def test_matching_writes_insert_pending_executions_with_the_event(kvdb):
    t_set = await add_trigger(kvdb, "users/*", "on-set", ops=["set"], max_attempts=5)
    t_any = await add_trigger(kvdb, "*", "on-any")
    await add_trigger(kvdb, "nothing-matches-*", "other")
    writer = uuid.uuid4()
    context = store.WriteContext(source="script", now=NOW, execution_id=writer, chain_depth=2)
    await apply(kvdb, effects({"users/1": {"n": 1}}), store.WriteContext(source="api", now=NOW))
    await apply(kvdb, effects({"users/1": {"n": 2}}, [], {"count": 3}), context)
    await apply(kvdb, effects(deletes=["users/1"]), context)

    rows = await fired(kvdb)
    assert [(r["script_name"], r["input"]) for r in rows] == [
        ("on-any", {"op": "set", "key": "count", "value": 3, "old_value": None,
                    "execution_id": str(writer), "source": "script"}),
        ("on-any", {"op": "delete", "key": "users/1", "value": None, "old_value": {"n": 2},
                    "execution_id": str(writer), "source": "script"}),
        ("on-any", {"op": "set", "key": "users/1", "value": {"n": 1}, "old_value": None,
                    "execution_id": None, "source": "api"}),
        ("on-any", {"op": "set", "key": "users/1", "value": {"n": 2}, "old_value": {"n": 1},
                    "execution_id": str(writer), "source": "script"}),
        ("on-set", {"op": "set", "key": "users/1", "value": {"n": 1}, "old_value": None,
                    "execution_id": None, "source": "api"}),
        ("on-set", {"op": "set", "key": "users/1", "value": {"n": 2}, "old_value": {"n": 1},
                    "execution_id": str(writer), "source": "script"}),
    ]
    for row in rows:
        assert row["status"] == "pending" and row["attempts"] == 0
        assert row["trigger"] == "kv" and row["route_id"] is None
        assert row["script_version"] == 2  # the script's current version
        assert row["next_attempt_at"] == NOW and row["finished_at"] is None and row["error"] is None
        api_write = row["input"]["source"] == "api"
        assert row["chain_depth"] == (1 if api_write else 3)
    on_set = [r for r in rows if r["script_name"] == "on-set"]
    assert {r["trigger_id"] for r in on_set} == {t_set.id} and {r["max_attempts"] for r in on_set} == {5}
    assert {r["trigger_id"] for r in rows if r["script_name"] == "on-any"} == {t_any.id}


async def test_trigger_rows_commit_or_roll_back_with_the_write(kvdb):
    await add_trigger(kvdb, "*", "on-any")

    class Abort(Exception):
        pass

    async def op(conn):
        async with conn.transaction():
            applied = await store.apply_effects(conn, effects({"k": 1}), API)
            assert len(applied) == 1
            assert await conn.fetchval("SELECT count(*) FROM executions") == 1
            raise Abort

    with pytest.raises(Abort):
        await kvdb.run(op)
    assert await contents(kvdb) == {} and await fired(kvdb) == []


async def test_patterns_are_case_sensitive_globs_where_star_crosses_slashes(kvdb):
    await add_trigger(kvdb, "a/*/z", "on-set")
    await add_trigger(kvdb, "b?[0-9]", "on-any")
    keys = ["a/1/z", "a/1/2/z", "a//z", "A/1/z", "a/1/zz", "bx1", "bxx", "b1", "bx12"]
    await apply(kvdb, effects({k: 1 for k in keys}))
    rows = await fired(kvdb)
    assert sorted(r["input"]["key"] for r in rows if r["script_name"] == "on-set") == ["a//z", "a/1/2/z", "a/1/z"]
    assert [r["input"]["key"] for r in rows if r["script_name"] == "on-any"] == ["bx1"]


@pytest.mark.parametrize(("max_depth", "writer_depth", "dead"), [
    (8, 0, False), (8, 7, False), (8, 8, True), (8, 20, True), (2, 1, False), (2, 2, True), (1, 1, True),
])
async def test_chain_bound(kvdb, max_depth, writer_depth, dead):
    trigger = await add_trigger(kvdb, "*", "on-any", max_attempts=4)
    context = store.WriteContext(source="script", now=NOW, execution_id=uuid.uuid4(), chain_depth=writer_depth,
                                 max_chain_depth=max_depth)
    await apply(kvdb, effects({"k": 1}), context)
    [row] = await fired(kvdb)
    assert row["chain_depth"] == writer_depth + 1
    assert row["trigger_id"] == trigger.id
    if dead:
        assert row["status"] == "dead_lettered" and row["attempts"] == 0
        assert row["next_attempt_at"] is None and row["finished_at"] == NOW
        assert row["error"]["kind"] == "chain_too_deep"
        assert f"deeper than {max_depth}" in row["error"]["message"]
        assert "'k'" in row["error"]["message"]
    else:
        assert row["status"] == "pending" and row["error"] is None
    # The write itself commits either way.
    assert await contents(kvdb) == {"k": 1}


# -- reads ------------------------------------------------------------------------------


async def test_list_keys_and_entries_by_prefix_in_byte_order(kvdb):
    keys = ["a", "a/1", "a/2", "a0", "b", "B", "é", "é/x", "\U0010ffff", "\U0010ffff/x", "z"]
    await apply(kvdb, effects({k: n for n, k in enumerate(keys)}))
    byte_order = sorted(keys, key=lambda k: k.encode())
    assert await kvdb.run(store.list_keys, "", 100) == byte_order
    assert await kvdb.run(store.list_keys, "a", 100) == ["a", "a/1", "a/2", "a0"]
    assert await kvdb.run(store.list_keys, "a/", 1) == ["a/1"]
    assert await kvdb.run(store.list_keys, "a/", 100, "a/1") == ["a/2"]
    assert await kvdb.run(store.list_keys, "é", 100) == ["é", "é/x"]
    assert await kvdb.run(store.list_keys, "\U0010ffff", 100) == ["\U0010ffff", "\U0010ffff/x"]
    assert await kvdb.run(store.list_keys, "c", 100) == []
    entries = await kvdb.run(store.list_entries, "a/", 10, None)
    assert [(e["key"], e["value"]) for e in entries] == [("a/1", 1), ("a/2", 2)]
    assert await kvdb.run(store.get_value_json, "a/2") == "2"
    assert await kvdb.run(store.get_value_json, "nope") is None
    assert (await kvdb.run(store.get_entry, "b"))["value"] == keys.index("b")
    assert await kvdb.run(store.get_entry, "nope") is None


# -- effects and the lease --------------------------------------------------------------


async def _running(db, owner: str) -> uuid.UUID:
    execution_id = uuid.uuid4()
    row = NewExecution(id=execution_id, trigger="http", route_id=None, script_name="other", script_version=1,
                       dispatch_mode="async", status="pending", input={}, created_at=NOW, max_attempts=3,
                       next_attempt_at=NOW)

    async def op(conn):
        async with conn.transaction():
            await insert_executions(conn, [row])
            await conn.execute("UPDATE executions SET status = 'running', attempts = 1, lease_owner = $2, "
                               "lease_expires_at = $3 WHERE id = $1", execution_id, owner, NOW)

    await db.run(op)
    return execution_id


async def _complete(db, completion: Completion) -> None:
    async def op(conn):
        async with conn.transaction():
            await complete_executions(conn, [completion], max_chain_depth=8)

    await db.run(op)


async def test_a_completion_commits_its_effects_only_while_it_holds_the_lease(kvdb):
    await add_trigger(kvdb, "*", "on-any")
    held = await _running(kvdb, "node-a")
    lost = await _running(kvdb, "node-b")

    def completion(execution_id, owner, key):
        return Completion(id=execution_id, lease_owner=owner, status="succeeded", http_status=None, result=1,
                          error=None, logs=(), finished_at=NOW, effects=effects({key: 1}, incr={"n": 1}),
                          chain_depth=3)

    await _complete(kvdb, completion(held, "node-a", "from-a"))
    # node-b's lease was taken over (say it expired and node-c claimed the row).
    await kvdb.execute("UPDATE executions SET lease_owner = 'node-c' WHERE id = $1", lost)
    await _complete(kvdb, completion(lost, "node-b", "from-b"))

    assert await contents(kvdb) == {"from-a": 1, "n": 1}
    statuses = {r["id"]: r["status"] for r in await kvdb.fetch("SELECT id, status FROM executions")}
    assert statuses[held] == "succeeded" and statuses[lost] == "running"
    triggered = [r for r in await fired(kvdb) if r["trigger"] == "kv"]
    assert sorted((r["input"]["key"], r["chain_depth"], r["input"]["execution_id"]) for r in triggered) == [
        ("from-a", 4, str(held)), ("n", 4, str(held))]
