"""The bridge's threads: results, errors and a client gone before its answer."""

from __future__ import annotations

import asyncio
import threading

import pytest

from idp.serving.thread_hop import ThreadHop
from tests.support import loop as on_loop


@pytest.fixture
def hop():
    threads = ThreadHop(2, "test")
    yield threads
    threads.shutdown()


def test_calls_run_on_the_threads_and_their_results_come_back_in_order_of_asking(hop):
    async def main():
        return await asyncio.gather(
            *(hop.run(lambda n: (n, threading.current_thread().name), n) for n in range(50))
        )

    answers = on_loop.run(main(), asyncio.run)
    assert [n for n, _ in answers] == list(range(50))
    assert {name for _, name in answers} <= {"test-0", "test-1"}
    assert threading.current_thread().name not in {name for _, name in answers}


def test_an_error_reaches_the_awaiting_request(hop):
    def fail():
        raise LookupError("nothing here")

    async def main():
        with pytest.raises(LookupError, match="nothing here"):
            await hop.run(fail)
        return await hop.run(lambda: "the next call is served")

    assert on_loop.run(main(), asyncio.run) == "the next call is served"


def test_a_request_cancelled_while_its_call_runs_leaves_the_threads_serving(hop):
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(5)
        return "too late"

    async def main():
        pending = hop.run(slow)
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
        pending.cancel()
        release.set()
        await asyncio.sleep(0.05)  # the late answer arrives and is dropped
        return await hop.run(lambda: "served")

    assert on_loop.run(main(), asyncio.run) == "served"


def test_an_answer_for_a_closed_loop_is_dropped_and_the_thread_goes_on(hop):
    release = threading.Event()

    async def leave_a_call_behind():
        hop.run(release.wait, 5)

    on_loop.run(leave_a_call_behind(), asyncio.run)  # the loop closes with the call still running
    release.set()

    async def main():
        return await asyncio.gather(*(hop.run(lambda: "served") for _ in range(4)))

    assert on_loop.run(main(), asyncio.run) == ["served"] * 4
