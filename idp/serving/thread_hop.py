"""The threads that run the bridge's blocking calls (Flask, the token endpoint) for its event loop.

asyncio's `run_in_executor` takes each call through concurrent.futures: a work
item, a Future, a second future chained to it and two callbacks, ~18 µs of CPU
a call on one busy core and ~32 µs for a thread that was asleep (measured with
uvloop, docs/BENCHMARKS.md). Here a call and the loop's own future go on one
queue, and the result comes back with one `call_soon_threadsafe`: ~3 µs and
~14 µs.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any


class ThreadHop:
    def __init__(self, threads: int, name: str) -> None:
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._serve, name=f"{name}-{number}", daemon=True)
            for number in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def run(self, function: Callable, *args: Any) -> asyncio.Future:
        """`function(*args)` on one of the threads; await the result on the running loop."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._calls.put((loop, future, function, args))
        return future

    def shutdown(self) -> None:
        """Let each thread finish its call in hand, then stop."""
        for _ in self._threads:
            self._calls.put(None)
        for thread in self._threads:
            thread.join()

    def _serve(self) -> None:
        while (call := self._calls.get()) is not None:
            loop, future, function, args = call
            try:
                outcome = (function(*args), None)
            except BaseException as exc:  # handed to the awaiting request, as an executor would
                outcome = (None, exc)
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody awaits this answer
                loop.call_soon_threadsafe(_settle, future, *outcome)


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return  # the client went away
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
