"""ask / try_ask: one-shot replies, timeouts, dead and crashing actors."""

from __future__ import annotations

import pytest
import trio

from actors import (
    ActorCrashed,
    ActorStopped,
    AskTimeout,
    Mailbox,
    MailboxFull,
    ReplyAlreadySent,
    Restart,
    Supervisor,
    actor_child,
)
from actors._reply import open_reply
from actors.testing import running, settle

from ._helpers import (
    Boom,
    Crash,
    CrashAsked,
    Echo,
    FailWith,
    Ignore,
    Msg,
    Note,
    Park,
    Recorder,
    ReleaseAll,
    ReturnValue,
    Slow,
)


def recorder(capacity: int = 8, **kwargs):
    log: list[str] = []
    box = Mailbox[Msg]("rec", capacity)
    return log, box, actor_child("rec", lambda: Recorder(log), box, **kwargs)


async def test_ask_returns_the_reply():
    _, box, spec = recorder()
    async with running(Supervisor([spec])):
        assert await box.ref.ask(Echo, "hello") == "hello"
        assert await box.ref.ask(lambda reply_to: Echo(value=7, reply_to=reply_to)) == 7


async def test_a_reply_value_that_is_an_exception_is_returned_not_raised():
    _, box, spec = recorder()
    async with running(Supervisor([spec])):
        value = await box.ref.ask(Echo, ValueError("data"))
    assert isinstance(value, ValueError)


async def test_reply_fail_raises_that_error_at_the_asker():
    _, box, spec = recorder()
    async with running(Supervisor([spec])):
        with pytest.raises(KeyError):
            await box.ref.ask(FailWith, KeyError("missing"))
        assert await box.ref.ask(Echo, "still alive") == "still alive"


async def test_ask_timeout_fires_on_virtual_time_and_the_late_reply_is_dropped():
    log, box, spec = recorder()
    async with running(Supervisor([spec])):
        await box.ref.send(Slow(10, "slow"))
        start = trio.current_time()
        with pytest.raises(AskTimeout) as info:
            await box.ref.ask(Echo, "late", timeout=2.5)
        assert trio.current_time() - start == 2.5
        assert isinstance(info.value, TimeoutError)
        assert info.value.actor == "rec" and info.value.timeout == 2.5
        # The actor later answers the abandoned ask without noticing.
        assert await box.ref.ask(Echo, "next") == "next"
        assert trio.current_time() - start == 10
    assert log[:2] == ["on_start", "slow"]


async def test_ask_timeout_when_the_actor_never_answers():
    _, box, spec = recorder()
    async with running(Supervisor([spec])):
        with pytest.raises(AskTimeout):
            await box.ref.ask(Ignore, timeout=1)


async def test_ask_timeout_includes_waiting_for_mailbox_room():
    _, box, _spec = recorder(capacity=1)
    box.ref.try_send(Note("fills it"))  # no actor running: stays full
    start = trio.current_time()
    with pytest.raises(AskTimeout):
        await box.ref.ask(Echo, 1, timeout=3)
    assert trio.current_time() - start == 3


async def test_ask_without_timeout_obeys_the_callers_cancel_scope():
    _, box, spec = recorder()
    async with running(Supervisor([spec])):
        with trio.move_on_after(4) as scope:
            await box.ref.ask(Ignore)
        assert scope.cancelled_caught


async def test_try_ask_fails_fast_when_full_then_waits_for_the_reply():
    _, box, spec = recorder(capacity=1)
    async with running(Supervisor([spec])):
        await box.ref.send(Slow(5, "busy"))  # the actor holds this one
        await box.ref.send(Note("queued"))  # and this one fills the mailbox
        before = trio.current_time()
        with pytest.raises(MailboxFull):
            await box.ref.try_ask(Echo, "x")
        assert trio.current_time() == before
        await settle()
        await trio.sleep(6)  # the actor catches up
        assert await box.ref.try_ask(Echo, "y") == "y"


async def test_ask_to_a_stopped_actor_fails_at_once():
    _, box, spec = recorder(restart=Restart.TEMPORARY)
    async with running(Supervisor([spec])):
        with pytest.raises(ActorCrashed):
            await box.ref.ask(CrashAsked)  # temporary: it is gone now
        before = trio.current_time()
        with pytest.raises(ActorStopped, match="'rec'"):
            await box.ref.ask(Echo, 1, timeout=60)
        assert trio.current_time() == before


async def test_asks_queued_behind_a_fatal_crash_fail_promptly():
    _, box, spec = recorder(restart=Restart.TEMPORARY)
    results: list[str] = []

    async def asker(value):
        try:
            await box.ref.ask(Echo, value, timeout=60)
        except ActorStopped:
            results.append(f"{value}: stopped at {trio.current_time() - start:g}")

    async with running(Supervisor([spec])):
        start = trio.current_time()
        await box.ref.send(Slow(1, "busy"))
        await box.ref.send(Crash())
        async with trio.open_nursery() as nursery:
            nursery.start_soon(asker, "a")
            nursery.start_soon(asker, "b")
    assert sorted(results) == ["a: stopped at 1", "b: stopped at 1"]


async def test_handler_crash_during_ask_reaches_the_caller_and_the_actor_restarts():
    log, box, spec = recorder()
    async with running(Supervisor([spec])):
        with pytest.raises(ActorCrashed) as info:
            await box.ref.ask(CrashAsked)
        assert isinstance(info.value.__cause__, Boom)
        assert info.value.actor == "rec"
        # Same ref, fresh instance (on_start ran again).
        assert await box.ref.ask(Echo, "after") == "after"
    assert log == ["on_start", "on_start", "on_stop"]


async def test_replies_kept_for_later_fail_when_the_actor_crashes():
    _, box, spec = recorder()
    outcomes: list[str] = []

    async def parked_asker():
        try:
            await box.ref.ask(Park)
        except ActorCrashed as exc:
            outcomes.append(f"crashed: {exc.__cause__}")

    async with running(Supervisor([spec])):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(parked_asker)
            nursery.start_soon(parked_asker)
            await settle()
            with pytest.raises(ActorCrashed):
                await box.ref.ask(CrashAsked)
    assert outcomes == ["crashed: asked", "crashed: asked"]


async def test_deferred_replies_are_answered_later():
    _, box, spec = recorder()
    got: list[object] = []

    async def parked_asker():
        got.append(await box.ref.ask(Park))

    async with running(Supervisor([spec])):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(parked_asker)
            nursery.start_soon(parked_asker)
            await settle()
            assert got == []
            await box.ref.send(ReleaseAll("done"))
    assert got == ["done", "done"]


async def test_replies_still_owed_at_shutdown_fail_with_actor_stopped():
    _, box, spec = recorder()
    outcomes: list[str] = []

    async def parked_asker():
        try:
            await box.ref.ask(Park)
        except ActorStopped:
            outcomes.append("stopped")

    async with trio.open_nursery() as nursery:
        async with running(Supervisor([spec])):
            nursery.start_soon(parked_asker)
            await settle()
    assert outcomes == ["stopped"]


async def test_a_handler_that_returns_a_value_is_a_bug_reported_as_a_crash():
    _, box, spec = recorder()
    async with running(Supervisor([spec])):
        with pytest.raises(ActorCrashed) as info:
            await box.ref.ask(ReturnValue)
    assert isinstance(info.value.__cause__, TypeError)
    assert "reply_to.send" in str(info.value.__cause__)


async def test_a_reply_is_one_shot():
    reply, waiter = open_reply("x")
    assert reply.send(1) is True
    assert reply.done
    with pytest.raises(ReplyAlreadySent):
        reply.send(2)
    with pytest.raises(ReplyAlreadySent):
        reply.fail(ValueError())
    assert await waiter.wait() == 1


async def test_a_reply_to_a_gone_asker_is_dropped():
    reply, waiter = open_reply("x")
    waiter.close()
    assert reply.send(1) is False


async def test_an_error_passed_to_fail_is_not_mistaken_for_the_timeout():
    _, box, spec = recorder()
    async with running(Supervisor([spec])):
        with pytest.raises(trio.TooSlowError):
            await box.ref.ask(FailWith, trio.TooSlowError(), timeout=5)
