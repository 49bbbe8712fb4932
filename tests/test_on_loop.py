"""Plain functions that wait on the event loop (idp/serving/on_loop.py)."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from idp.serving import on_loop
from tests.support import loop

seen: contextvars.ContextVar[str] = contextvars.ContextVar("seen", default="unset")


async def _later(value, delay=0.01):
    await asyncio.sleep(delay)
    return value


async def _failing():
    await asyncio.sleep(0)
    raise LookupError("refused")


def _waits_twice(number: int) -> tuple[int, str]:
    seen.set(f"request {number}")
    first = on_loop.wait(_later(number))
    second = on_loop.wait(_later(number * 10, delay=0.02 - number / 1000))
    return first + second, seen.get()


def test_functions_wait_side_by_side_each_in_its_own_context():
    async def main():
        seen.set("the loop's")
        started = asyncio.get_running_loop().time()
        results = await asyncio.gather(*(on_loop.run(_waits_twice, n) for n in range(1, 6)))
        return results, asyncio.get_running_loop().time() - started, seen.get()

    results, took, after = loop.run(main())
    assert results == [(11 * n, f"request {n}") for n in range(1, 6)]
    assert took < 0.2  # five of ~30 ms each, at once
    assert after == "the loop's"  # what a function set stays in its own context


def test_a_failed_wait_raises_inside_the_function_and_its_failure_reaches_the_caller():
    def handles() -> str:
        try:
            on_loop.wait(_failing())
        except LookupError as error:
            return f"handled {error}"
        return "not raised"

    def gives_up() -> None:
        on_loop.wait(_failing())

    assert loop.run(on_loop.run(handles)) == "handled refused"
    with pytest.raises(LookupError):
        loop.run(on_loop.run(gives_up))


def test_a_cancelled_request_unwinds_the_function():
    unwound = []

    def waits_long() -> None:
        try:
            on_loop.wait(asyncio.sleep(10))
        finally:
            unwound.append(True)

    async def main():
        task = asyncio.ensure_future(on_loop.run(waits_long))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    loop.run(main())
    assert unwound == [True]


def test_wait_outside_a_function_run_on_the_loop_is_an_error():
    pending = asyncio.Future(loop=asyncio.new_event_loop())
    with pytest.raises(RuntimeError):
        on_loop.wait(pending)
    pending.get_loop().close()
