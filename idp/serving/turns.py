"""The order in which the requests of one pass of the event loop are answered: oldest answer first.

A relying party's pool sends its next request as soon as its last answer is in.
Under load, each pass of the loop finds a dozen connections readable and answers
them one after another. The kernel reports them in an order of its own. A
connection whose answer went out after the loop last looked waits for the whole
next pass, and the kernel then puts it at the end of the pass after that. Its
requests waited two passes where the others waited one. With the token endpoint
judged on the loop, its p99 was 2.4-2.9 times its median; in this order, 1.5-1.7
(docs/BENCHMARKS.md, seventh session). Here the requests that became ready
together start in the order their connections were last answered, so each waits
about one pass.
"""

from __future__ import annotations

import asyncio
import itertools
import weakref
from operator import itemgetter

_first = itemgetter(0)


class Turns:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._waiting: list[tuple[int, asyncio.Future]] = []
        self._answers = itertools.count(1)

    def wait(self, last_answer: int) -> asyncio.Future:
        """Done when this request's turn comes; `last_answer` is its connection's latest
        `answered()`, 0 for a connection not answered yet."""
        future = self._loop.create_future()
        if not self._waiting:
            # after the steps of every request this pass made ready, which came first
            self._loop.call_soon(self._release)
        self._waiting.append((last_answer, future))
        return future

    def answered(self) -> int:
        """The number of an answer just made: later answers have higher numbers."""
        return next(self._answers)

    def _release(self) -> None:
        waiting, self._waiting = self._waiting, []
        waiting.sort(key=_first)  # stable: connections never answered keep the kernel's order
        for _, future in waiting:
            if not future.done():  # its client went away meanwhile
                future.set_result(None)


_of_loop: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def of_running_loop() -> Turns:
    loop = asyncio.get_running_loop()
    turns = _of_loop.get(loop)
    if turns is None:
        turns = _of_loop[loop] = Turns(loop)
    return turns
