"""The test harness itself: virtual time really is in use."""

import trio
import trio.testing

from actors.testing import autojump_clock, autojump_run, settle


async def test_directory_runs_on_autojump_clock():
    assert isinstance(trio.lowlevel.current_clock(), trio.testing.MockClock)
    start = trio.current_time()
    await trio.sleep(3600)
    assert trio.current_time() - start == 3600


async def test_explicit_clock_fixture_still_wins(autojump_clock):
    assert trio.lowlevel.current_clock() is autojump_clock


def test_autojump_run_outside_pytest_trio():
    async def main():
        await trio.sleep(10)
        return trio.current_time()

    assert autojump_run(main) == 10


async def test_settle_runs_ready_tasks_without_advancing_time():
    seen = []

    async def record():
        seen.append("ran")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(record)
        before = trio.current_time()
        await settle()
        assert seen == ["ran"]
        assert trio.current_time() == before


def test_autojump_clock_factory():
    assert autojump_clock().autojump_threshold == 0
