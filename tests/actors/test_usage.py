"""The shape picloud uses: an HTTP-ish task holding refs, overload as 503."""

from __future__ import annotations

import attrs
import trio

from actors import (
    Actor,
    ActorStopped,
    ChildSpec,
    Mailbox,
    MailboxFull,
    Reply,
    Supervisor,
    actor_child,
    supervisor_child,
)
from actors.testing import running, settle


@attrs.frozen
class Run:
    script: str
    reply_to: Reply[str]


class Executor(Actor[Run]):
    async def handle(self, msg: Run) -> None:
        await trio.sleep(1)  # the script runs for a (virtual) second
        msg.reply_to.send(f"ran {msg.script}")


async def serve(
    executor_refs, requests, responses, *, task_status=trio.TASK_STATUS_IGNORED
):
    """A stand-in for the HTTP server: one task per request, 503 on overload."""

    async def handle_request(n: int, script: str) -> None:
        ref = executor_refs[n % len(executor_refs)]
        try:
            body = await ref.try_ask(Run, script, timeout=30)
        except MailboxFull:
            await responses.send((script, 503))
        except ActorStopped:
            await responses.send((script, 502))
        else:
            await responses.send((script, 200, body))

    async with trio.open_nursery() as nursery:
        task_status.started()
        n = 0
        async for script in requests:
            nursery.start_soon(handle_request, n, script)
            n += 1


async def test_http_task_asks_an_executor_pool_and_sheds_load_with_503():
    boxes = [Mailbox[Run](f"executor-{i}", capacity=1) for i in range(2)]
    executors = Supervisor(
        [actor_child(box.name, Executor, box) for box in boxes], name="executors"
    )
    requests_in, requests = trio.open_memory_channel[str](10)
    responses, responses_out = trio.open_memory_channel[tuple](10)
    root = Supervisor(
        [
            supervisor_child(executors),
            ChildSpec("http", serve, args=([b.ref for b in boxes], requests, responses)),
        ],
        name="root",
    )
    async with running(root):
        # Each executor takes one request and queues one more: 4 fit, 2 shed.
        for i in range(6):
            await requests_in.send(f"s{i}")
            await settle()
        shed = sorted([await responses_out.receive() for _ in range(2)])
        assert shed == [("s4", 503), ("s5", 503)]
        start = trio.current_time()
        done = sorted([await responses_out.receive() for _ in range(4)])
        assert done == [(f"s{i}", 200, f"ran s{i}") for i in range(4)]
        assert trio.current_time() - start == 2  # two rounds of one second
