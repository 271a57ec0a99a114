"""actors: a small actor runtime on Trio.

* an **actor** is a bounded :class:`Mailbox` plus a loop handling one typed
  message (a frozen attrs class) at a time (:class:`Actor`);
* others talk to it through an :class:`ActorRef`: ``send`` (waits for room),
  ``try_send`` (``MailboxFull`` at once), ``ask``/``try_ask`` (request/reply
  over a one-shot :class:`Reply` carried in the message);
* a :class:`Supervisor` runs children (:class:`ChildSpec`: actors, plain
  long-lived tasks, nested supervisors) in a nursery, starts them in order,
  restarts them one-for-one within a bounded :class:`Intensity`, and stops
  them in reverse order with a deadline-bounded drain.

Example::

    box = Mailbox[Add | Total]("counter", capacity=16)
    root = Supervisor([actor_child("counter", Counter, box)], name="root")
    async with trio.open_nursery() as nursery:
        await nursery.start(root.run)
        await box.ref.send(Add(2))
        assert await box.ref.ask(Total, timeout=1) == 2
        root.stop()

Deterministic test helpers live in :mod:`actors.testing`. This package does
not depend on picloud. See ``docs/actors.md``.
"""

from ._actor import Actor, actor_child, run_actor
from ._errors import (
    ActorCrashed,
    ActorError,
    ActorStopped,
    AskTimeout,
    ChildStartFailed,
    MailboxFull,
    ReplyAlreadySent,
    RestartIntensityExceeded,
)
from ._mailbox import Mailbox, MailboxState
from ._policy import Backoff, Intensity, Restart
from ._ref import ActorRef
from ._reply import Reply
from ._spec import ChildSpec
from ._supervisor import Supervisor, supervisor_child

__all__ = [
    "Actor",
    "ActorCrashed",
    "ActorError",
    "ActorRef",
    "ActorStopped",
    "AskTimeout",
    "Backoff",
    "ChildSpec",
    "ChildStartFailed",
    "Intensity",
    "Mailbox",
    "MailboxFull",
    "MailboxState",
    "Reply",
    "ReplyAlreadySent",
    "Restart",
    "RestartIntensityExceeded",
    "Supervisor",
    "actor_child",
    "run_actor",
    "supervisor_child",
]
