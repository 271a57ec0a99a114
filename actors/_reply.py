"""One-shot reply channels for request/reply (``ActorRef.ask``).

Each ask opens a fresh memory channel of capacity 1 and puts its send end,
wrapped in a :class:`Reply`, inside the message (by convention in a field
named ``reply_to``). The handler answers with ``msg.reply_to.send(value)``,
now or later: an actor may keep the ``Reply`` and answer when some other
message arrives (this is how an inbox parks waiting HTTP requests).

Example::

    @attrs.frozen
    class Get:
        key: str
        reply_to: Reply[int]

    class Store(Actor[Get]):
        async def handle(self, msg: Get) -> None:
            msg.reply_to.send(self.data[msg.key])

    value = await store_ref.ask(Get, "answer")

Values and errors travel separately (``send`` versus ``fail``), so a reply
whose *value* happens to be an exception object is returned, not raised.
"""

from __future__ import annotations

from typing import Generic, TypeVar

import attrs
import trio

from ._errors import ActorStopped, ReplyAlreadySent

__all__ = ["Reply"]

T = TypeVar("T")


@attrs.frozen
class _Outcome:
    """What travels on a reply channel: a value, or an error to raise."""

    value: object = None
    error: BaseException | None = None


class Reply(Generic[T]):
    """The answering end of one ask. Answer it exactly once.

    ``send``/``fail`` never block (the channel has room for the one answer)
    and return whether the asker was still waiting: an asker that timed out
    or was cancelled has closed its end, and the answer is dropped.
    """

    __slots__ = ("_actor", "_channel", "_done", "_owner")

    def __init__(self, actor: str, channel: trio.MemorySendChannel[_Outcome]) -> None:
        self._actor = actor
        self._channel = channel
        self._done = False
        # The actor instance currently holding this reply (see _adopt): if
        # that instance dies with the reply unanswered, the runtime fails it
        # so the asker is not left waiting for its timeout.
        self._owner: set[Reply[object]] | None = None

    def __repr__(self) -> str:
        state = "done" if self._done else "pending"
        return f"<Reply from {self._actor!r} ({state})>"

    @property
    def done(self) -> bool:
        """Whether this reply was already answered (or abandoned)."""
        return self._done

    def send(self, value: T) -> bool:
        """Answer the asker with ``value``."""
        return self._deliver(_Outcome(value=value))

    def fail(self, error: Exception) -> bool:
        """Answer the asker with an error: ``ask`` raises ``error``."""
        return self._deliver(_Outcome(error=error))

    def _deliver(self, outcome: _Outcome) -> bool:
        if self._done:
            raise ReplyAlreadySent(f"reply from actor {self._actor!r} was already sent")
        self._finish()
        try:
            self._channel.send_nowait(outcome)
        except trio.BrokenResourceError:
            return False  # the asker gave up (timeout or cancel); nothing to do
        finally:
            self._channel.close()
        return True

    def _finish(self) -> None:
        self._done = True
        if self._owner is not None:
            self._owner.discard(self)
            self._owner = None

    def _adopt(self, owner: set[Reply[object]]) -> None:
        """Record that an actor instance now owes this reply."""
        if not self._done:
            self._owner = owner
            owner.add(self)

    def _abandon(self, error: BaseException | None = None) -> None:
        """Runtime only: the owing actor is gone; fail the asker if still owed."""
        if self._done:
            return
        self._finish()
        if error is not None:
            try:
                self._channel.send_nowait(_Outcome(error=error))
            except trio.BrokenResourceError:
                pass
        # Closing without an outcome makes the asker raise ActorStopped.
        self._channel.close()


class _ReplyWaiter(Generic[T]):
    """The asking end of one ask (private: ``ActorRef.ask`` drives it)."""

    __slots__ = ("_actor", "_channel")

    def __init__(self, actor: str, channel: trio.MemoryReceiveChannel[_Outcome]) -> None:
        self._actor = actor
        self._channel = channel

    async def wait(self) -> T:
        try:
            outcome = await self._channel.receive()
        except trio.EndOfChannel:
            raise ActorStopped(self._actor, "stopped before replying") from None
        if outcome.error is not None:
            raise outcome.error
        return outcome.value  # type: ignore[return-value]

    def close(self) -> None:
        self._channel.close()


def open_reply(actor: str) -> tuple[Reply[T], _ReplyWaiter[T]]:
    """A fresh one-shot reply pair for one ask to ``actor``."""
    send, receive = trio.open_memory_channel[_Outcome](1)
    return Reply(actor, send), _ReplyWaiter(actor, receive)


def reply_of(msg: object) -> Reply[object] | None:
    """The ``reply_to`` of a message, if it carries one."""
    reply = getattr(msg, "reply_to", None)
    return reply if isinstance(reply, Reply) else None
