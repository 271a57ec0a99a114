import shutil

import pytest
import trio

from picloud.store.database import open_asyncio_loop, open_database
from picloud.store.embedded import EmbeddedPostgres
from picloud.store.listener import Listener, Notification, Overflow
from tests.conftest import FAST_TEST_SERVER_OPTIONS, make_reachable_tmpdir


@pytest.fixture
async def listener(database_kwargs):
    async with open_asyncio_loop():
        listener = Listener(database_kwargs)
        async with trio.open_nursery() as nursery:
            await nursery.start(listener.run)
            yield listener
            nursery.cancel_scope.cancel()


async def test_notifications_reach_subscribers_of_their_channel(listener, db):
    routes = await listener.subscribe("routes")
    other = await listener.subscribe("other")
    await db.execute("SELECT pg_notify('routes', 'r1')")
    await db.execute("NOTIFY routes, 'r2'")
    with trio.fail_after(5):
        assert await routes.receive() == Notification("routes", "r1")
        assert await routes.receive() == Notification("routes", "r2")
    with pytest.raises(trio.WouldBlock):
        other.receive_nowait()


async def test_full_channel_turns_into_one_overflow_marker(listener, db):
    changes = await listener.subscribe("kv", buffer=2)
    done = await listener.subscribe("done")
    for n in range(10):
        await db.execute("SELECT pg_notify('kv', $1)", str(n))
    # Notifications arrive in commit order: once 'done' is here, all ten
    # were handed to the (not yet reading) consumer.
    await db.execute("SELECT pg_notify('done', '')")
    with trio.fail_after(5):
        await done.receive()
    # The consumer was slow: the first two made it, the rest collapsed into a
    # marker telling it to re-read state, delivered once there is room.
    with trio.fail_after(5):
        got = [await changes.receive() for _ in range(3)]
    assert got == [Notification("kv", "0"), Notification("kv", "1"), Overflow("kv")]
    with pytest.raises(trio.WouldBlock):
        changes.receive_nowait()
    # After the marker, delivery goes back to normal.
    await db.execute("SELECT pg_notify('kv', 'after')")
    with trio.fail_after(5):
        assert await changes.receive() == Notification("kv", "after")


async def test_closed_subscription_is_dropped_without_disturbing_others(listener, db):
    gone = await listener.subscribe("c")
    kept = await listener.subscribe("c")
    await gone.aclose()
    await db.execute("SELECT pg_notify('c', 'x')")
    with trio.fail_after(5):
        assert await kept.receive() == Notification("c", "x")


@pytest.fixture
def own_server():
    """A private server this test may restart without disturbing the others."""
    data_dir = make_reachable_tmpdir("picloud-test-restart-")
    server = EmbeddedPostgres(data_dir=data_dir, server_options=FAST_TEST_SERVER_OPTIONS)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


async def test_listener_and_pool_survive_a_server_restart(own_server):
    kwargs = own_server.connect_kwargs()
    async with open_database(kwargs, max_size=2) as db:
        listener = Listener(kwargs, max_backoff=0.2)
        async with trio.open_nursery() as nursery:
            await nursery.start(listener.run)
            changes = await listener.subscribe("ch")
            await db.execute("SELECT pg_notify('ch', 'before')")
            with trio.fail_after(5):
                assert await changes.receive() == Notification("ch", "before")

            await trio.to_thread.run_sync(own_server.stop)
            await trio.to_thread.run_sync(own_server.start)

            # Notifications sent while disconnected are lost, so a reconnect
            # is announced as an overflow: re-read state.
            with trio.fail_after(15):
                assert await changes.receive() == Overflow("ch")
            assert listener.reconnects == 1
            # The pool replaces its dead connections; the query is retried.
            await db.execute("SELECT pg_notify('ch', 'after')", retry_for=15)
            with trio.fail_after(5):
                assert await changes.receive() == Notification("ch", "after")
            nursery.cancel_scope.cancel()
