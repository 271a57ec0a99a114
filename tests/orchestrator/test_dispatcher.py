"""The dispatcher's scheduling, retries and leases, on virtual time."""

import datetime as dt
import random

import pytest
import trio
import trio.testing

from picloud.orchestrator.dispatcher import Dispatcher, RetryPolicy, next_state
from picloud.shared.clock import TrioClock
from picloud.shared.outcome import Outcome, OutcomeKind

from .fakes import FakeLibrary, FakeOutbox, FakePool, FakeWriter

NODE = "node-a"
OK = Outcome(OutcomeKind.SUCCEEDED, value="done")
FAILURE = Outcome(OutcomeKind.SCRIPT_FAILURE, error={"kind": "script_failure", "message": "boom"})
THROWN = Outcome(OutcomeKind.SCRIPT_ERROR, value="no", error={"kind": "script_error", "message": "no"})


@pytest.fixture
def autojump_clock():
    return trio.testing.MockClock(autojump_threshold=0)


def make(behaviour, **pool_options):
    clock = TrioClock(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    outbox = FakeOutbox()
    writer = FakeWriter(outbox)
    pool = FakePool(behaviour, **pool_options)
    dispatcher = Dispatcher(outbox, writer, FakeLibrary(), pool, node_id=NODE, clock=clock,
                            policy=RetryPolicy(base_seconds=1.0, max_seconds=60.0, jitter=0.0),
                            rng=random.Random(1))
    return clock, outbox, writer, pool, dispatcher


async def run_for(dispatcher, seconds):
    async with trio.open_nursery() as nursery:
        await nursery.start(dispatcher.run)
        await trio.sleep(seconds)
        dispatcher.request_stop()


async def test_pending_row_runs_and_succeeds(autojump_clock):
    clock, outbox, writer, pool, dispatcher = make(lambda n: OK)
    row = outbox.add(clock.now())
    await run_for(dispatcher, 1)
    assert row.status == "succeeded" and row.attempts == 1 and row.result == "done"
    assert pool.started_at == [0.0]


async def test_transient_failures_back_off_exponentially_then_dead_letter(autojump_clock):
    clock, outbox, writer, pool, dispatcher = make(lambda n: FAILURE)
    row = outbox.add(clock.now(), max_attempts=4)
    await run_for(dispatcher, 100)
    # Attempts at 0, then 1 s, 2 s and 4 s after each failure.
    assert pool.started_at == pytest.approx([0.0, 1.0, 3.0, 7.0])
    assert row.status == "dead_lettered" and row.attempts == 4
    assert row.error == {"kind": "script_failure", "message": "boom"}
    assert [c.status for c in writer.completions] == ["pending", "pending", "pending", "dead_lettered"]


async def test_a_deliberate_throw_is_not_retried(autojump_clock):
    clock, outbox, writer, pool, dispatcher = make(lambda n: THROWN)
    row = outbox.add(clock.now(), max_attempts=5)
    await run_for(dispatcher, 60)
    assert row.status == "failed" and row.attempts == 1
    assert len(pool.started_at) == 1


async def test_recovers_after_a_transient_failure(autojump_clock):
    clock, outbox, writer, pool, dispatcher = make(lambda n: FAILURE if n == 1 else OK)
    row = outbox.add(clock.now())
    await run_for(dispatcher, 10)
    assert row.status == "succeeded" and row.attempts == 2
    assert pool.started_at == pytest.approx([0.0, 1.0])


async def test_idle_dispatcher_does_not_poll(autojump_clock):
    clock, outbox, writer, pool, dispatcher = make(lambda n: OK)
    await run_for(dispatcher, 3600)
    assert outbox.claims == 1  # one look at start-up, then asleep for an hour


async def test_wake_runs_new_work_at_once_and_coalesces(autojump_clock):
    clock, outbox, writer, pool, dispatcher = make(lambda n: OK)
    async with trio.open_nursery() as nursery:
        await nursery.start(dispatcher.run)
        await trio.sleep(100)
        rows = [outbox.add(clock.now()) for _ in range(3)]
        for _ in range(10):
            dispatcher.wake()
        await trio.sleep(0.5)
        assert all(r.status == "succeeded" for r in rows)
        assert pool.started_at == [100.0] * 3
        assert outbox.claims <= 3
        dispatcher.request_stop()


async def test_future_retry_sleeps_until_due(autojump_clock):
    clock, outbox, writer, pool, dispatcher = make(lambda n: OK)
    row = outbox.add(clock.now() + dt.timedelta(seconds=42))
    await run_for(dispatcher, 100)
    assert pool.started_at == [42.0] and row.status == "succeeded"
    # Looks at 0 s, at 42 s, and once more when the attempt's lease would
    # have expired (it read that while the attempt ran): no polling.
    assert outbox.claims <= 3


async def test_expired_lease_of_a_dead_node_is_taken_over(autojump_clock):
    clock, outbox, writer, pool, dispatcher = make(lambda n: OK)
    row = outbox.add(clock.now(), status="running", attempts=1, lease_owner="node-b",
                     lease_expires_at=clock.now() + dt.timedelta(seconds=30))
    await run_for(dispatcher, 60)
    assert row.status == "succeeded" and row.attempts == 2
    assert pool.started_at == [pytest.approx(30.0, abs=0.01)]


async def test_own_leases_from_an_earlier_run_are_released_at_start(autojump_clock):
    clock, outbox, writer, pool, dispatcher = make(lambda n: OK)
    row = outbox.add(clock.now(), status="running", attempts=1, lease_owner=NODE,
                     lease_expires_at=clock.now() + dt.timedelta(hours=1))
    await run_for(dispatcher, 1)
    assert row.status == "succeeded" and pool.started_at == [0.0]


async def test_stop_lets_a_running_attempt_finish_and_record(autojump_clock):
    clock, outbox, writer, pool, dispatcher = make(lambda n: OK, duration=5.0)
    row = outbox.add(clock.now())
    async with trio.open_nursery() as nursery:
        await nursery.start(dispatcher.run)
        await trio.sleep(1)
        dispatcher.request_stop()
    assert trio.current_time() == pytest.approx(5.0)
    assert row.status == "succeeded"


async def test_capacity_bounds_concurrent_attempts(autojump_clock):
    clock, outbox, writer, pool, dispatcher = make(lambda n: OK, capacity=2, duration=10.0)
    rows = [outbox.add(clock.now()) for _ in range(5)]
    await run_for(dispatcher, 100)
    assert all(r.status == "succeeded" for r in rows)
    assert sorted(pool.started_at) == pytest.approx([0, 0, 10, 10, 20], abs=0.05)


def test_retry_policy_caps_and_jitters():
    policy = RetryPolicy(base_seconds=1, max_seconds=10, jitter=0.2)
    rng = random.Random(7)
    delays = [policy.delay(n, rng) for n in range(1, 9)]
    assert 0.8 <= delays[0] <= 1.2 and 1.6 <= delays[1] <= 2.4
    assert all(d <= 12 for d in delays) and delays[-1] >= 8
