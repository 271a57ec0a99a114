"""ActorRef and Mailbox: ordering, backpressure, overload, stopped actors."""

from __future__ import annotations

import pytest
import trio

from actors import (
    ActorStopped,
    Mailbox,
    MailboxFull,
    MailboxState,
    Supervisor,
    actor_child,
)
from actors.testing import running, settle

from ._helpers import Crash, Echo, Msg, Note, Recorder, Slow


def recorder(capacity: int = 8, **kwargs):
    log: list[str] = []
    box = Mailbox[Msg]("rec", capacity)
    return log, box, actor_child("rec", lambda: Recorder(log), box, **kwargs)


async def test_messages_are_handled_one_at_a_time_in_send_order():
    log, box, spec = recorder(capacity=4)
    async with running(Supervisor([spec])):
        for i in range(20):
            await box.ref.send(Slow(0.5, f"m{i}") if i % 3 else Note(f"m{i}"))
        assert await box.ref.ask(Echo, "sync") == "sync"
    assert log == ["on_start", *(f"m{i}" for i in range(20)), "on_stop"]


async def test_send_waits_while_the_mailbox_is_full():
    log, box, spec = recorder(capacity=2)
    ref = box.ref
    done: list[str] = []

    async def sender():
        await ref.send(Note("third"))
        done.append("third sent")

    async with trio.open_nursery() as nursery:
        # No actor runs yet: messages queue up to capacity.
        await ref.send(Note("first"))
        await ref.send(Note("second"))
        nursery.start_soon(sender)
        await trio.sleep(100)  # plenty of (virtual) time: still blocked
        assert done == []
        assert box.queued == 2
        async with running(Supervisor([spec])):
            await settle()
            assert done == ["third sent"]
            assert await ref.ask(Echo, None) is None
    assert log == ["on_start", "first", "second", "third", "on_stop"]


async def test_try_send_raises_mailbox_full_at_once_and_keeps_nothing():
    log, box, spec = recorder(capacity=2)
    ref = box.ref
    ref.try_send(Note("a"))
    ref.try_send(Note("b"))
    before = trio.current_time()
    with pytest.raises(MailboxFull) as info:
        ref.try_send(Note("dropped"))
    assert trio.current_time() == before
    assert info.value.actor == "rec" and info.value.capacity == 2
    assert "rec" in str(info.value) and "full" in str(info.value)
    async with running(Supervisor([spec])):
        await settle()
        ref.try_send(Note("c"))  # room again once the actor caught up
    assert log == ["on_start", "a", "b", "c", "on_stop"]


async def test_accepts_rejects_wrong_message_types_at_the_sender():
    box = Mailbox[Note]("typed", 4, accepts=Note)
    with pytest.raises(TypeError, match="typed"):
        box.ref.try_send(Crash())
    with pytest.raises(TypeError, match="Crash"):
        await box.ref.send(Crash())
    box.ref.try_send(Note("fine"))
    assert box.queued == 1


def test_capacity_must_be_bounded_and_positive():
    for bad in (0, -1, 1.5, float("inf")):
        with pytest.raises(ValueError):
            Mailbox("x", bad)  # type: ignore[arg-type]


async def test_sends_to_a_stopped_actor_fail_at_once():
    log, box, spec = recorder()
    async with running(Supervisor([spec])):
        pass
    assert box.state is MailboxState.STOPPED
    assert not box.ref.is_open
    before = trio.current_time()
    with pytest.raises(ActorStopped, match="rec"):
        box.ref.try_send(Note("late"))
    with pytest.raises(ActorStopped):
        await box.ref.send(Note("late"))
    with pytest.raises(ActorStopped):
        await box.ref.ask(Echo, 1)
    assert trio.current_time() == before


async def test_senders_blocked_on_a_full_mailbox_fail_when_the_actor_begins_to_stop():
    log, box, spec = recorder(capacity=1, shutdown=10)
    outcome: list[object] = []

    async def blocked_sender():
        try:
            await box.ref.send(Note("never"))
        except ActorStopped as exc:
            outcome.append((type(exc).__name__, trio.current_time()))

    async with trio.open_nursery() as nursery:
        async with running(Supervisor([spec])):
            await box.ref.send(Slow(3, "busy"))  # in the actor's hands
            await box.ref.send(Note("queued"))  # fills the mailbox
            nursery.start_soon(blocked_sender)
            await settle()
            assert outcome == []
            started_stopping = trio.current_time()
    # The blocked sender failed as soon as the stop began; queued messages
    # were still handled.
    assert outcome == [("ActorStopped", started_stopping)]
    assert log == ["on_start", "busy", "queued", "on_stop"]


async def test_refs_compare_by_mailbox():
    box, other = Mailbox("a", 1), Mailbox("b", 1)
    assert box.ref == box.ref and hash(box.ref) == hash(box.ref)
    assert box.ref != other.ref
    assert repr(box.ref) == "<ActorRef 'a'>"
