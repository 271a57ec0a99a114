import pytest
import trio

from picloud.store.database import DatabaseUnavailable, open_database


async def test_run_executes_an_operation_on_a_pooled_connection(db):
    async def create_and_count(conn, rows):
        async with conn.transaction():
            await conn.execute("CREATE TABLE t (n int)")
            await conn.executemany("INSERT INTO t VALUES ($1)", [(n,) for n in rows])
            return await conn.fetchval("SELECT sum(n) FROM t")

    assert await db.run(create_and_count, [1, 2, 3]) == 6
    assert await db.fetchval("SELECT count(*) FROM t") == 3


async def test_failed_operation_rolls_back_and_raises_its_own_error(db):
    await db.execute("CREATE TABLE t (n int PRIMARY KEY)")

    async def insert_twice(conn):
        async with conn.transaction():
            await conn.execute("INSERT INTO t VALUES (1)")
            await conn.execute("INSERT INTO t VALUES (1)")

    import asyncpg

    with pytest.raises(asyncpg.UniqueViolationError):
        await db.run(insert_twice)
    assert await db.fetchval("SELECT count(*) FROM t") == 0


async def test_pool_serves_concurrent_trio_tasks(db):
    results = []

    async def query(n):
        results.append(await db.fetchval("SELECT $1::int * 2", n))

    async with trio.open_nursery() as nursery:
        for n in range(20):
            nursery.start_soon(query, n)
    assert sorted(results) == [n * 2 for n in range(20)]


async def test_unreachable_server_gives_up_with_a_clear_error(tmp_path):
    kwargs = {"host": str(tmp_path), "port": 5432, "user": "postgres", "database": "postgres"}
    with pytest.raises(OSError):
        async with open_database(kwargs, connect_timeout=0.2):
            pass
