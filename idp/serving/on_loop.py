"""Plain functions that wait as coroutines do: a greenlet on the event loop's thread.

Authlib's token endpoint and our hooks are plain functions that read and write as
they go (redeem the code, rotate the refresh token, store the new access token).
On a thread each of those round trips gives up the GIL and takes it back against
the loop and the other threads; under load a code exchange on PostgreSQL and
Redis cost twice the CPU of the same exchange on the embedded stores
(docs/BENCHMARKS.md). Here the function runs in a greenlet of its own on the
loop's thread; where it would block, `wait` hands an awaitable to the loop, which
serves other requests until it is done, then switches back with its result.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from typing import Any

import greenlet


class _OnLoop(greenlet.greenlet):
    """A greenlet started by `run`: the only kind `wait` may switch out of."""


async def run(function: Callable, *args: Any) -> Any:
    """`function(*args)` on this loop's thread, awaiting whatever it `wait`s for."""
    child = _OnLoop(function)
    child.gr_context = contextvars.copy_context()
    step = child.switch(*args)
    while not child.dead:
        try:
            result = await step
        except BaseException as error:  # the awaited call failed, or this task was cancelled
            step = child.throw(error)
        else:
            step = child.switch(result)
    return step


def wait(awaitable: Awaitable) -> Any:
    """Inside `run`: the awaitable's result, the loop serving others in the meantime."""
    current = greenlet.getcurrent()
    if not isinstance(current, _OnLoop):
        raise RuntimeError("on_loop.wait outside on_loop.run")
    return current.parent.switch(awaitable)
