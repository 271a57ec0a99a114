"""Errors raised by the actor runtime.

Every error derives from :class:`ActorError`, so ``except ActorError`` catches
anything the runtime itself raises. Where a builtin fits what a caller would
naturally catch, the error subclasses it too (``AskTimeout`` is a
``TimeoutError``), following attrs' habit. Errors *caused by something else*
(a handler crash, a child that kept crashing) carry that cause in
``__cause__``, following trio's ``BrokenResourceError``.
"""

from __future__ import annotations

__all__ = [
    "ActorCrashed",
    "ActorError",
    "ActorStopped",
    "AskTimeout",
    "ChildStartFailed",
    "MailboxFull",
    "ReplyAlreadySent",
    "RestartIntensityExceeded",
]


class ActorError(Exception):
    """Base class of every error the actor runtime raises."""


class MailboxFull(ActorError):
    """``try_send``/``try_ask`` found the mailbox at capacity.

    Raised at once, without waiting: this is the overload signal a server
    turns into ``503 Service Unavailable``.
    """

    def __init__(self, actor: str, capacity: int) -> None:
        super().__init__(f"mailbox of actor {actor!r} is full ({capacity} messages)")
        self.actor = actor
        self.capacity = capacity


class ActorStopped(ActorError):
    """The actor is stopped (or stopping) and will not handle the message.

    Raised by ``send``/``ask`` on a stopped or draining mailbox, and by
    ``ask`` when the actor went away before replying.
    """

    def __init__(self, actor: str, detail: str = "is stopped") -> None:
        super().__init__(f"actor {actor!r} {detail}")
        self.actor = actor


class ActorCrashed(ActorError):
    """The actor's handler raised while a reply was owed to this caller.

    The handler's exception is in ``__cause__``. The actor itself crashed and
    is restarted (or not) according to its supervisor.
    """

    def __init__(self, actor: str) -> None:
        super().__init__(f"actor {actor!r} crashed before replying")
        self.actor = actor


class AskTimeout(ActorError, TimeoutError):
    """``ask(..., timeout=...)`` got no reply in time."""

    def __init__(self, actor: str, timeout: float) -> None:
        super().__init__(f"actor {actor!r} did not reply within {timeout} s")
        self.actor = actor
        self.timeout = timeout


class ReplyAlreadySent(ActorError, RuntimeError):
    """A one-shot :class:`~actors.Reply` was answered twice."""


class ChildStartFailed(ActorError):
    """A child raised before reporting itself ready; the supervisor did not start.

    The child's exception is in ``__cause__``.
    """

    def __init__(self, supervisor: str, child: str) -> None:
        super().__init__(f"child {child!r} of supervisor {supervisor!r} failed to start")
        self.supervisor = supervisor
        self.child = child


class RestartIntensityExceeded(ActorError):
    """A child needed more restarts than its supervisor allows; escalated.

    The supervisor stops its remaining children in order, then raises this to
    its own parent. The child's last exception (if it crashed rather than
    exited) is in ``__cause__``.
    """

    def __init__(self, supervisor: str, child: str, max_restarts: int, within: float) -> None:
        super().__init__(
            f"child {child!r} of supervisor {supervisor!r} needed more than "
            f"{max_restarts} restarts within {within} s"
        )
        self.supervisor = supervisor
        self.child = child
        self.max_restarts = max_restarts
        self.within = within
