"""Supervisor: start order, readiness, restarts, intensity, escalation, shutdown."""

from __future__ import annotations

import math

import pytest
import trio

from actors import (
    ActorStopped,
    Backoff,
    ChildSpec,
    ChildStartFailed,
    Intensity,
    Mailbox,
    MailboxState,
    Restart,
    RestartIntensityExceeded,
    Supervisor,
    actor_child,
    supervisor_child,
)
from actors.testing import running, settle

from ._helpers import Boom, Crash, Echo, Msg, Note, Recorder, Slow, worker


def scripted(name: str, log: list, outcomes: list[str], lifetime: float = 0.0):
    """A task child whose n-th run does ``outcomes[n]``: crash, exit or forever."""
    runs = iter(outcomes)

    async def start(*, task_status=trio.TASK_STATUS_IGNORED):
        outcome = next(runs, "forever")
        log.append((name, outcome, trio.current_time()))
        task_status.started()
        await trio.sleep(lifetime)
        if outcome == "crash":
            raise Boom(name)
        if outcome == "exit":
            return
        await trio.sleep_forever()

    return start


def runs_of(log: list, name: str) -> list[float]:
    return [t for (n, _outcome, t) in log if n == name]


# -- start and stop order ----------------------------------------------------


async def test_children_start_in_order_each_after_the_previous_is_ready():
    log: list[str] = []
    sup = Supervisor(
        [
            ChildSpec("a", worker, args=("a", log, 1.0)),
            ChildSpec("b", worker, args=("b", log, 2.0)),
            ChildSpec("c", worker, args=("c", log, 0.0)),
        ]
    )
    async with trio.open_nursery() as nursery:
        started = await nursery.start(sup.run)
        # run() reported ready only once every child had.
        assert started is sup
        assert trio.current_time() == 3.0
        assert log == ["start a", "ready a", "start b", "ready b", "start c", "ready c"]
        log.clear()
        sup.stop()
    assert log == ["stop c", "stop b", "stop a"]
    assert not sup.running


async def test_a_child_that_returns_without_reporting_ready_counts_as_ready_when_done():
    log: list[str] = []

    async def one_shot(*, task_status=trio.TASK_STATUS_IGNORED):
        await trio.sleep(2)
        log.append("one-shot done")

    sup = Supervisor(
        [
            ChildSpec("job", one_shot, restart=Restart.TEMPORARY),
            ChildSpec("w", worker, args=("w", log)),
        ]
    )
    async with running(sup):
        assert log == ["one-shot done", "start w", "ready w"]


async def test_a_start_failure_stops_started_children_and_skips_the_rest():
    log: list[str] = []

    async def broken(*, task_status=trio.TASK_STATUS_IGNORED):
        log.append("start broken")
        raise Boom("no config")

    sup = Supervisor(
        [
            ChildSpec("a", worker, args=("a", log)),
            ChildSpec("broken", broken),
            ChildSpec("c", worker, args=("c", log)),
        ],
        name="root",
    )
    with pytest.raises(ChildStartFailed) as info:
        await sup.run()
    assert info.value.child == "broken" and info.value.supervisor == "root"
    assert isinstance(info.value.__cause__, Boom)
    assert log == ["start a", "ready a", "start broken", "stop a"]


async def test_a_start_failure_stops_the_actor_mailbox():
    box = Mailbox[Msg]("rec", 4)

    class FailsToStart(Recorder):
        async def on_start(self):
            raise Boom("cannot open")

    with pytest.raises(ChildStartFailed):
        await Supervisor([actor_child("rec", lambda: FailsToStart([]), box)]).run()
    with pytest.raises(ActorStopped):
        box.ref.try_send(Note("x"))


# -- restarts ----------------------------------------------------------------


async def test_a_crashed_child_is_restarted_with_backoff_on_virtual_time():
    log: list = []
    sup = Supervisor(
        [ChildSpec("flaky", scripted("flaky", log, ["crash", "crash", "crash"]))],
        intensity=Intensity(max_restarts=5, within=60),
        backoff=Backoff(initial=1, factor=2, maximum=3),
    )
    async with running(sup):
        await trio.sleep(100)
    # Restarts after 1, 2, then 3 (capped) seconds.
    assert runs_of(log, "flaky") == [0, 1, 3, 6]


async def test_restarts_without_backoff_are_immediate():
    log: list = []
    sup = Supervisor([ChildSpec("flaky", scripted("flaky", log, ["crash", "crash"]))])
    async with running(sup):
        await settle()
    assert runs_of(log, "flaky") == [0, 0, 0]


async def test_a_restarted_actor_keeps_its_mailbox_and_queued_messages():
    log: list[str] = []
    box = Mailbox[Msg]("rec", 8)
    ref = box.ref
    async with running(Supervisor([actor_child("rec", lambda: Recorder(log), box)])):
        await ref.send(Crash())
        await ref.send(Note("a"))
        await ref.send(Note("b"))
        assert await ref.ask(Echo, "sync") == "sync"
        assert ref.is_open
    assert log == ["on_start", "on_start", "a", "b", "on_stop"]


@pytest.mark.parametrize(
    ("policy", "first_run", "expected_runs"),
    [
        (Restart.PERMANENT, "crash", 2),
        (Restart.PERMANENT, "exit", 2),
        (Restart.TRANSIENT, "crash", 2),
        (Restart.TRANSIENT, "exit", 1),
        (Restart.TEMPORARY, "crash", 1),
        (Restart.TEMPORARY, "exit", 1),
    ],
)
async def test_restart_policy(policy, first_run, expected_runs):
    log: list = []
    child = scripted("child", log, [first_run], lifetime=1)
    sup = Supervisor([ChildSpec("child", child, restart=policy)])
    async with running(sup):
        await trio.sleep(10)
    assert len(runs_of(log, "child")) == expected_runs


@pytest.mark.parametrize("policy", [Restart.TRANSIENT, Restart.TEMPORARY])
async def test_an_actor_not_restarted_by_policy_stops_its_mailbox(policy):
    box = Mailbox[Msg]("rec", 4)
    async with running(Supervisor([actor_child("rec", lambda: Recorder([]), box, restart=policy)])):
        await box.ref.send(Crash() if policy is Restart.TEMPORARY else Note("x"))
        await settle()
        if policy is Restart.TRANSIENT:
            assert box.state is MailboxState.OPEN  # a transient actor only ends by crashing
            await box.ref.send(Crash())
            await settle()
            assert box.state is MailboxState.OPEN  # ...and then it is restarted
        else:
            assert box.state is MailboxState.STOPPED


# -- intensity and escalation ------------------------------------------------


@pytest.mark.parametrize("max_restarts", [0, 1, 3])
async def test_escalation_after_max_restarts_within_the_window(max_restarts):
    log: list = []
    wlog: list[str] = []
    sup = Supervisor(
        [
            ChildSpec("before", worker, args=("before", wlog)),
            ChildSpec("flaky", scripted("flaky", log, ["crash"] * 10, lifetime=1)),
            ChildSpec("after", worker, args=("after", wlog)),
        ],
        name="root",
        intensity=Intensity(max_restarts=max_restarts, within=60),
    )
    with pytest.raises(RestartIntensityExceeded) as info:
        await sup.run()
    assert len(runs_of(log, "flaky")) == max_restarts + 1
    assert trio.current_time() == max_restarts + 1
    assert info.value.child == "flaky" and info.value.supervisor == "root"
    assert isinstance(info.value.__cause__, Boom)
    # The siblings were stopped in reverse order before the error escaped.
    assert wlog[-2:] == ["stop after", "stop before"]


async def test_the_intensity_window_slides():
    log: list = []
    # One restart allowed per 5 s; crashes 6 s apart never exceed that.
    calm = Supervisor(
        [ChildSpec("calm", scripted("calm", log, ["crash"] * 5, lifetime=6))],
        intensity=Intensity(max_restarts=1, within=5),
    )
    async with running(calm):
        await trio.sleep(31)
    assert runs_of(log, "calm") == [0, 6, 12, 18, 24, 30]

    # Crashes 4 s apart: the second restart falls within 5 s of the first.
    log.clear()
    start = trio.current_time()
    hasty = Supervisor(
        [ChildSpec("hasty", scripted("hasty", log, ["crash"] * 5, lifetime=4))],
        intensity=Intensity(max_restarts=1, within=5),
    )
    with pytest.raises(RestartIntensityExceeded):
        await hasty.run()
    assert [t - start for t in runs_of(log, "hasty")] == [0, 4]
    assert trio.current_time() - start == 8


async def test_escalation_stops_the_actors_of_the_supervisor():
    box = Mailbox[Msg]("rec", 4)
    log: list = []
    sup = Supervisor(
        [
            actor_child("rec", lambda: Recorder([]), box),
            ChildSpec("flaky", scripted("flaky", log, ["crash"] * 5, lifetime=1)),
        ],
        intensity=Intensity(max_restarts=0, within=5),
    )
    with pytest.raises(RestartIntensityExceeded):
        await sup.run()
    assert box.state is MailboxState.STOPPED


# -- shutdown ----------------------------------------------------------------


async def test_shutdown_handles_messages_already_queued_within_the_deadline():
    log: list[str] = []
    box = Mailbox[Msg]("rec", 8)
    async with running(Supervisor([actor_child("rec", lambda: Recorder(log), box, shutdown=10)])):
        for i in range(3):
            await box.ref.send(Slow(1, f"m{i}"))
        stop_at = trio.current_time()
    assert log == ["on_start", "m0", "m1", "m2", "on_stop"]
    assert trio.current_time() - stop_at == 3
    assert box.state is MailboxState.STOPPED


async def test_shutdown_cancels_the_actor_past_its_deadline_and_fails_queued_asks():
    log: list[str] = []
    box = Mailbox[Msg]("rec", 8)
    outcome: list[str] = []

    async def asker():
        try:
            await box.ref.ask(Echo, "too late")
        except ActorStopped:
            outcome.append(f"stopped at {trio.current_time() - stop_at:g}")

    async with trio.open_nursery() as nursery:
        spec = actor_child("rec", lambda: Recorder(log), box, shutdown=1.5)
        async with running(Supervisor([spec])):
            for i in range(3):
                await box.ref.send(Slow(1, f"m{i}"))
            nursery.start_soon(asker)
            await settle()
            stop_at = trio.current_time()
    assert trio.current_time() - stop_at == 1.5
    assert log == ["on_start", "m0"]  # m1 was cancelled mid-way, no on_stop
    assert outcome == ["stopped at 1.5"]


async def test_cancelling_run_still_stops_children_in_order_and_drains():
    log: list[str] = []
    box = Mailbox[Msg]("rec", 8)
    sup = Supervisor(
        [
            ChildSpec("a", worker, args=("a", log)),
            actor_child("rec", lambda: Recorder(log), box),
            ChildSpec("c", worker, args=("c", log)),
        ]
    )
    with trio.CancelScope() as scope:
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            await box.ref.send(Slow(2, "in flight"))
            await settle()
            log.clear()
            scope.cancel()
    # Cancellation did not cut the drain short: the shutdown is shielded.
    assert log == ["stop c", "in flight", "on_stop", "stop a"]
    assert trio.current_time() == 2


async def test_a_plain_task_gets_request_stop_then_is_cancelled_past_its_deadline():
    log: list[str] = []
    graceful = trio.Event()
    ignored = trio.Event()

    async def server(name, stop_event, drain_time, *, task_status=trio.TASK_STATUS_IGNORED):
        task_status.started()
        await stop_event.wait()
        log.append(f"{name} draining at {trio.current_time():g}")
        try:
            await trio.sleep(drain_time)
            log.append(f"{name} drained at {trio.current_time():g}")
        except trio.Cancelled:
            log.append(f"{name} cancelled at {trio.current_time():g}")
            raise

    sup = Supervisor(
        [
            ChildSpec(
                "slow", server, args=("slow", ignored, 100), request_stop=ignored.set, shutdown=5
            ),
            ChildSpec(
                "http", server, args=("http", graceful, 2), request_stop=graceful.set, shutdown=10
            ),
        ]
    )
    async with running(sup):
        pass
    assert log == [
        "http draining at 0",
        "http drained at 2",
        "slow draining at 2",
        "slow cancelled at 7",
    ]


async def test_a_task_without_request_stop_is_cancelled_at_once():
    log: list[str] = []
    async with running(Supervisor([ChildSpec("w", worker, args=("w", log), shutdown=100)])):
        stop_at = trio.current_time()
    assert log[-1] == "stop w"
    assert trio.current_time() == stop_at


async def test_stopping_during_backoff_is_prompt():
    log: list = []
    sup = Supervisor(
        [ChildSpec("flaky", scripted("flaky", log, ["crash"], lifetime=1))],
        backoff=Backoff(initial=100),
    )
    async with running(sup):
        await trio.sleep(2)  # crashed at 1, restart due at 101
    assert trio.current_time() == 2
    assert runs_of(log, "flaky") == [0]


# -- nesting -----------------------------------------------------------------


def tree(log, *, sub_children, sub_intensity=Intensity(), root_intensity=Intensity()):
    sub = Supervisor(sub_children, name="sub", intensity=sub_intensity)
    return Supervisor(
        [
            ChildSpec("a", worker, args=("a", log)),
            supervisor_child(sub),
            ChildSpec("d", worker, args=("d", log)),
        ],
        name="root",
        intensity=root_intensity,
    )


async def test_nested_supervisors_start_depth_first_and_stop_in_reverse():
    log: list[str] = []
    root = tree(
        log,
        sub_children=[
            ChildSpec("b", worker, args=("b", log, 1)),
            ChildSpec("c", worker, args=("c", log, 1)),
        ],
    )
    async with running(root):
        assert trio.current_time() == 2
        readies = [e for e in log if e.startswith("ready")]
        assert readies == ["ready a", "ready b", "ready c", "ready d"]
        log.clear()
    assert log == ["stop d", "stop c", "stop b", "stop a"]


async def test_a_nested_supervisor_that_escalates_is_restarted_by_its_parent():
    log: list = []
    wlog: list[str] = []
    box = Mailbox[Msg]("rec", 4)
    root = tree(
        wlog,
        sub_children=[
            actor_child("rec", lambda: Recorder([]), box),
            ChildSpec("c", scripted("c", log, ["crash"], lifetime=1)),
        ],
        sub_intensity=Intensity(max_restarts=0, within=10),
    )
    async with running(root):
        ref = box.ref
        await trio.sleep(5)
        # c crashed once; sub gave up and stopped rec; root restarted sub,
        # which started rec and c afresh.
        assert runs_of(log, "c") == [0, 1]
        assert await ref.ask(Echo, "same ref") == "same ref"
        assert [e for e in wlog if e.startswith("stop")] == []  # siblings untouched


async def test_escalation_propagates_up_the_tree():
    log: list = []
    wlog: list[str] = []
    root = tree(
        wlog,
        sub_children=[ChildSpec("c", scripted("c", log, ["crash"] * 10, lifetime=1))],
        sub_intensity=Intensity(max_restarts=0, within=10),
        root_intensity=Intensity(max_restarts=1, within=10),
    )
    with pytest.raises(RestartIntensityExceeded) as info:
        await root.run()
    assert (info.value.supervisor, info.value.child) == ("root", "sub")
    cause = info.value.__cause__
    assert isinstance(cause, RestartIntensityExceeded)
    assert (cause.supervisor, cause.child) == ("sub", "c")
    assert isinstance(cause.__cause__, Boom)
    assert len(runs_of(log, "c")) == 2  # sub ran twice: once, plus one restart
    assert wlog[-2:] == ["stop d", "stop a"]


# -- misuse ------------------------------------------------------------------


async def test_misuse_is_reported():
    with pytest.raises(ValueError, match="duplicate"):
        Supervisor([ChildSpec("x", worker), ChildSpec("x", worker)])
    with pytest.raises(ValueError):
        Intensity(max_restarts=-1)
    with pytest.raises(ValueError):
        actor_child("x", lambda: Recorder([]), Mailbox("x", 1), shutdown=math.nan)
    sup = Supervisor([ChildSpec("w", worker, args=("w", []))])
    sup.stop()  # not running: nothing to do
    async with running(sup):
        with pytest.raises(RuntimeError, match="already running"):
            await sup.run()


def test_backoff_grows_geometrically_up_to_its_maximum():
    backoff = Backoff(initial=0.5, factor=2, maximum=3)
    assert [backoff.delay(n) for n in range(1, 6)] == [0.5, 1, 2, 3, 3]


async def test_a_mailbox_serves_one_actor_only():
    box = Mailbox[Msg]("shared", 4)
    sup = Supervisor(
        [
            actor_child("one", lambda: Recorder([]), box),
            actor_child("two", lambda: Recorder([]), box),
        ]
    )
    with pytest.raises(ChildStartFailed) as info:
        await sup.run()
    assert info.value.child == "two"
    assert "already used" in str(info.value.__cause__)
