"""The bounded mailbox behind an actor.

A :class:`Mailbox` is created once, before the actor runs, and outlives the
actor's restarts: a crashed actor's replacement keeps reading the same
queue, so senders holding an :class:`~actors.ActorRef` never notice the
restart and queued messages are not lost. Only the message being handled
when the actor crashed is lost (its asker, if any, gets ``ActorCrashed``).

Example::

    inbox = Mailbox[InboxMsg]("inbox", capacity=64, accepts=(Submit, Deliver))
    spec = actor_child("inbox", Inbox, inbox)   # hand to a Supervisor
    ref = inbox.ref                              # hand to everyone else

Lifecycle::

    OPEN ──stop requested──▶ DRAINING ──queue empty / deadline──▶ STOPPED
      ▲                                                              │
      └────────────── the actor is started again (restart of its ────┘
                      supervisor subtree): a fresh queue

While DRAINING or STOPPED, sends fail with ``ActorStopped`` at once. When a
mailbox becomes STOPPED, every ask still queued in it fails with
``ActorStopped`` instead of waiting for a reply that will never come.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Generic, TypeVar

import trio

from ._errors import ActorStopped, MailboxFull
from ._reply import reply_of

if TYPE_CHECKING:
    from ._ref import ActorRef

__all__ = ["Mailbox", "MailboxState"]

M = TypeVar("M")


class MailboxState(enum.Enum):
    OPEN = "open"
    """Accepting messages (also before the actor first starts: they queue)."""
    DRAINING = "draining"
    """Stop requested: no new messages; the actor handles what is queued."""
    STOPPED = "stopped"
    """The actor is gone; sends and asks fail at once."""


class Mailbox(Generic[M]):
    """A bounded queue of messages for one actor, surviving its restarts.

    ``capacity`` bounds the queue: ``send`` waits for room, ``try_send``
    raises ``MailboxFull``. ``accepts`` (a type or tuple of types) makes
    sends of anything else fail with ``TypeError`` at the sender, where the
    bug is.
    """

    def __init__(
        self,
        name: str,
        capacity: int,
        *,
        accepts: type | tuple[type, ...] | None = None,
    ) -> None:
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"mailbox capacity must be an int >= 1, got {capacity!r}")
        self.name = name
        self.capacity = capacity
        self.accepts = accepts
        self._state = MailboxState.OPEN
        self._send, self._receive = trio.open_memory_channel[M](capacity)
        self._attached = False

    def __repr__(self) -> str:
        return f"<Mailbox {self.name!r} {self._state.value} {self.queued}/{self.capacity}>"

    @property
    def ref(self) -> ActorRef[M]:
        """A handle for sending to this mailbox; valid across restarts."""
        from ._ref import ActorRef

        return ActorRef(self)

    @property
    def state(self) -> MailboxState:
        return self._state

    @property
    def queued(self) -> int:
        """Messages waiting to be handled."""
        return self._send.statistics().current_buffer_used

    # -- sender side (used by ActorRef) ------------------------------------

    def _check(self, msg: object) -> None:
        if self.accepts is not None and not isinstance(msg, self.accepts):
            raise TypeError(
                f"actor {self.name!r} accepts {self.accepts!r}, got {type(msg).__name__}: {msg!r}"
            )
        if self._state is not MailboxState.OPEN:
            raise ActorStopped(self.name, f"is {self._state.value}")

    async def _put(self, msg: M) -> None:
        self._check(msg)
        try:
            await self._send.send(msg)
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            # Closed while we waited for room: the actor began stopping.
            raise ActorStopped(self.name, f"is {self._state.value}") from None

    def _put_nowait(self, msg: M) -> None:
        self._check(msg)
        try:
            self._send.send_nowait(msg)
        except trio.WouldBlock:
            raise MailboxFull(self.name, self.capacity) from None
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            raise ActorStopped(self.name, f"is {self._state.value}") from None

    # -- actor side (used by the actor loop and its supervisor) ------------

    def _attach(self) -> trio.MemoryReceiveChannel[M]:
        """The queue a starting actor instance reads; reopened if STOPPED.

        One mailbox serves one actor: two would stop and kill it under each
        other's feet (for a pool, give each member its own mailbox).
        """
        if self._attached:
            raise RuntimeError(f"mailbox {self.name!r} is already used by a running actor")
        self._attached = True
        if self._state is MailboxState.STOPPED:
            self._send, self._receive = trio.open_memory_channel[M](self.capacity)
            self._state = MailboxState.OPEN
        return self._receive

    def _detach(self) -> None:
        self._attached = False

    def _begin_drain(self) -> None:
        """Stop accepting messages; the actor's loop ends once the queue is empty."""
        if self._state is MailboxState.OPEN:
            self._state = MailboxState.DRAINING
            # Closing the send end wakes senders blocked for room (they get
            # ActorStopped) and makes the receiver see EndOfChannel once the
            # already queued messages are handled.
            self._send.close()

    def _terminate(self) -> None:
        """The actor will not run again (for now): fail whatever is still queued."""
        self._state = MailboxState.STOPPED
        self._send.close()
        while True:
            try:
                msg = self._receive.receive_nowait()
            except (trio.EndOfChannel, trio.ClosedResourceError, trio.WouldBlock):
                break
            reply = reply_of(msg)
            if reply is not None:
                reply._abandon()
        self._receive.close()
