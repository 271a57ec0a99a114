"""Messages, actors and tasks shared by the actors tests."""

from __future__ import annotations

import attrs
import trio

from actors import Actor, Reply


class Boom(Exception):
    """The deliberate crash of a test actor or task."""


@attrs.frozen
class Note:
    text: str


@attrs.frozen
class Slow:
    seconds: float
    text: str


@attrs.frozen
class Crash:
    reason: str = "boom"


@attrs.frozen
class Echo:
    value: object
    reply_to: Reply[object]


@attrs.frozen
class CrashAsked:
    reply_to: Reply[object]


@attrs.frozen
class Ignore:
    reply_to: Reply[object]


@attrs.frozen
class Park:
    """Keep the reply to answer later (with ReleaseAll)."""

    reply_to: Reply[object]


@attrs.frozen
class ReleaseAll:
    value: object


@attrs.frozen
class FailWith:
    error: Exception
    reply_to: Reply[object]


@attrs.frozen
class ReturnValue:
    reply_to: Reply[object]


Msg = Note | Slow | Crash | Echo | CrashAsked | Ignore | Park | ReleaseAll | FailWith | ReturnValue


class Recorder(Actor[Msg]):
    """Appends what it sees to ``log``, a list that outlives its restarts."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.parked: list[Reply[object]] = []

    async def on_start(self) -> None:
        self.log.append("on_start")

    async def on_stop(self) -> None:
        self.log.append("on_stop")

    async def handle(self, msg: Msg) -> object:
        match msg:
            case Note(text):
                self.log.append(text)
            case Slow(seconds, text):
                await trio.sleep(seconds)
                self.log.append(text)
            case Crash(reason):
                raise Boom(reason)
            case CrashAsked():
                raise Boom("asked")
            case Echo(value, reply_to):
                reply_to.send(value)
            case Ignore():
                pass
            case Park(reply_to):
                self.parked.append(reply_to)
            case ReleaseAll(value):
                for reply in self.parked:
                    reply.send(value)
                self.parked.clear()
            case FailWith(error, reply_to):
                reply_to.fail(error)
            case ReturnValue():
                return 42  # a bug: answers must go through reply_to
        return None


async def worker(
    name: str,
    log: list[str],
    ready_after: float = 0.0,
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """A plain long-lived task child that logs its lifecycle."""
    log.append(f"start {name}")
    await trio.sleep(ready_after)
    log.append(f"ready {name}")
    task_status.started()
    try:
        await trio.sleep_forever()
    finally:
        log.append(f"stop {name}")
