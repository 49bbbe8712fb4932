"""A coroutine run to its end on an event loop of its own, in a thread of its own: a browser
test of the same run holds the main thread's loop (Playwright's sync API) for the session."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import uvloop


def run(coroutine, runner=uvloop.run):
    """What `coroutine` returns (or raises), run by `runner` (uvloop's, as the workers run it)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(runner, coroutine).result()
