"""``ActorRef``: the handle other components hold to talk to an actor.

Example::

    ref.try_send(Tick())                     # MailboxFull at once if overloaded
    await ref.send(Tick())                   # waits for room (backpressure)
    n = await ref.ask(GetCount, timeout=1)   # request/reply
    n = await ref.try_ask(GetCount)          # fail fast if full, then wait

``ask(make, *args)`` builds the message as ``make(*args, reply_to=reply)``:
give the message class a ``reply_to: Reply[T]`` field (last, so the other
fields stay positional), or pass a lambda taking ``reply_to``.

A ref points at a :class:`~actors.Mailbox`, not at an actor instance, so it
stays valid while the actor restarts.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Generic, TypeVar

import trio

from ._errors import AskTimeout
from ._mailbox import Mailbox, MailboxState
from ._reply import Reply, open_reply

__all__ = ["ActorRef"]

M = TypeVar("M")
T = TypeVar("T")


class ActorRef(Generic[M]):
    """Send, try_send and ask an actor through its mailbox."""

    __slots__ = ("_mailbox",)

    def __init__(self, mailbox: Mailbox[M]) -> None:
        self._mailbox = mailbox

    def __repr__(self) -> str:
        return f"<ActorRef {self.name!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ActorRef) and other._mailbox is self._mailbox

    def __hash__(self) -> int:
        return hash(id(self._mailbox))

    @property
    def name(self) -> str:
        return self._mailbox.name

    @property
    def is_open(self) -> bool:
        """Whether the actor currently accepts messages."""
        return self._mailbox.state is MailboxState.OPEN

    async def send(self, msg: M) -> None:
        """Queue ``msg``, waiting while the mailbox is full.

        Raises ``ActorStopped`` if the actor is stopping or stopped (also if
        it starts stopping while we wait for room).
        """
        await self._mailbox._put(msg)

    def try_send(self, msg: M) -> None:
        """Queue ``msg`` now or raise ``MailboxFull`` (or ``ActorStopped``)."""
        self._mailbox._put_nowait(msg)

    async def ask(
        self,
        make: Callable[..., M],
        *args: Any,
        timeout: float | None = None,
    ) -> Any:
        """Send ``make(*args, reply_to=reply)`` and wait for the reply.

        Waits for mailbox room like ``send``. ``timeout`` (seconds) bounds
        the whole exchange, room included, and raises ``AskTimeout``; without
        it, bound the call with your own cancel scope. Raises
        ``ActorStopped`` if the actor is or goes away before replying,
        ``ActorCrashed`` if its handler raised while handling this ask, and
        whatever the handler passed to ``reply_to.fail``.
        """
        return await self._ask(make, args, timeout, wait_for_room=True)

    async def try_ask(
        self,
        make: Callable[..., M],
        *args: Any,
        timeout: float | None = None,
    ) -> Any:
        """Like ``ask``, but raise ``MailboxFull`` at once instead of waiting for room."""
        return await self._ask(make, args, timeout, wait_for_room=False)

    async def _ask(
        self,
        make: Callable[..., M],
        args: tuple[Any, ...],
        timeout: float | None,
        *,
        wait_for_room: bool,
    ) -> Any:
        reply: Reply[Any]
        reply, waiter = open_reply(self.name)
        msg = make(*args, reply_to=reply)
        try:
            # A cancel scope, not a hand-rolled timer: the caller's own
            # scopes compose with it, and a MockClock drives it in tests.
            # (move_on_after rather than fail_after, so that a TooSlowError
            # passed to reply_to.fail is not mistaken for our timeout.)
            with trio.move_on_after(math.inf if timeout is None else timeout):
                if wait_for_room:
                    await self._mailbox._put(msg)
                else:
                    self._mailbox._put_nowait(msg)
                return await waiter.wait()
            raise AskTimeout(self.name, timeout if timeout is not None else math.inf)
        finally:
            # Closing our end turns a late reply into a no-op for the actor.
            waiter.close()
