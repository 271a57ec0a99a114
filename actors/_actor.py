"""Mailbox actors: an object whose ``handle`` sees one message at a time.

Example::

    @attrs.frozen
    class Add:
        n: int

    @attrs.frozen
    class Total:
        reply_to: Reply[int]

    class Counter(Actor[Add | Total]):
        def __init__(self) -> None:
            self.total = 0               # fresh state on every (re)start

        async def handle(self, msg: Add | Total) -> None:
            match msg:
                case Add(n):
                    self.total += n
                case Total(reply_to):
                    reply_to.send(self.total)

    box = Mailbox[Add | Total]("counter", capacity=16)
    spec = actor_child("counter", Counter, box)
    ...
    box.ref.try_send(Add(2))
    assert await box.ref.ask(Total) == 2

``handle`` must return ``None``: answers go through ``msg.reply_to``, so a
value returned by mistake is a ``TypeError``, not silently dropped.

If ``handle`` raises, the actor crashes: every reply it still owes (the
message being handled, and any it kept to answer later) fails with
``ActorCrashed`` carrying the exception, and the supervisor restarts the
actor (a fresh instance from ``factory``) on the same mailbox.
"""

from __future__ import annotations

from typing import Callable, Generic, TypeVar

import trio

from ._errors import ActorCrashed
from ._mailbox import Mailbox
from ._policy import Restart
from ._reply import Reply, reply_of
from ._spec import ChildSpec

__all__ = ["Actor", "actor_child", "run_actor"]

M = TypeVar("M")


class Actor(Generic[M]):
    """Base class for mailbox actors; override ``handle``, optionally the hooks."""

    async def on_start(self) -> None:
        """Runs before the actor reports ready; raising here fails the start."""

    async def handle(self, msg: M) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement handle()")

    async def on_stop(self) -> None:
        """Runs after an orderly stop, once the mailbox is drained (not on crash or cancel)."""


async def run_actor(
    factory: Callable[[], Actor[M]],
    mailbox: Mailbox[M],
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run one instance of an actor on ``mailbox`` until the mailbox drains.

    Normally started by a supervisor through ``actor_child``.
    """
    receive = mailbox._attach()
    owed: set[Reply[object]] = set()
    try:
        actor = factory()
        await actor.on_start()
        task_status.started()
        while True:
            try:
                msg = await receive.receive()
            except trio.EndOfChannel:
                break  # stop requested and every queued message handled
            reply = reply_of(msg)
            if reply is not None:
                reply._adopt(owed)
            result = await actor.handle(msg)
            if result is not None:
                raise TypeError(
                    f"{type(actor).__name__}.handle() returned {result!r}; "
                    "answer asks with msg.reply_to.send(...) and return None"
                )
        await actor.on_stop()
    except Exception as exc:
        for owed_reply in list(owed):
            crashed = ActorCrashed(mailbox.name)
            crashed.__cause__ = exc
            owed_reply._abandon(crashed)
        raise
    finally:
        # Stopped or cancelled with replies still owed: they will never come.
        for owed_reply in list(owed):
            owed_reply._abandon()
        mailbox._detach()


def actor_child(
    id: str,
    factory: Callable[[], Actor[M]],
    mailbox: Mailbox[M],
    *,
    restart: Restart = Restart.PERMANENT,
    shutdown: float = 5.0,
) -> ChildSpec:
    """A ``ChildSpec`` running ``factory()`` on ``mailbox``.

    Stopping it closes the mailbox to new messages and lets the actor handle
    the queued ones for up to ``shutdown`` seconds before cancelling it.
    When the supervisor is done with it, the mailbox is stopped, so senders
    and askers fail fast with ``ActorStopped``.
    """
    return ChildSpec(
        id=id,
        start=run_actor,
        args=(factory, mailbox),
        restart=restart,
        shutdown=shutdown,
        request_stop=mailbox._begin_drain,
        on_terminated=mailbox._terminate,
    )
