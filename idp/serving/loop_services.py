"""The services of a protocol request served in a greenlet on the event loop (idp/serving/on_loop.py).

Its Redis commands go over the loop's pipelined connection, its statements over
the loop's own PostgreSQL connections (idp/db/loop_connections.py), and a cold ORM
read (`services.blocking`: a client, an account or the keys not cached yet) to a
thread, where it runs with the services of the thread path. Made once per loop.

On SQLite the statements run right here, on the loop's thread: there is no
asyncio driver, and none is needed. A statement of the token endpoint takes tens
of µs on a local file, and it waits only while a page's transaction holds the
write lock, for milliseconds. WAL checkpoints, which copy and sync the pages
and would stall the loop for as long, are a thread's of their own
(idp/db/wal_checkpoints.py). On the bridge's threads the same exchange cost
about a fifth more CPU (the hop, the GIL taken back from the loop), and the
requests were answered out of the order they came in: a request waited from 2
to 60 ms for its thread and the GIL (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import Any

from idp import services
from idp.db.loop_connections import LoopConnections
from idp.serving import on_loop

# A worker's statements in flight at once on its loop; more wait for a connection.
LOOP_CONNECTIONS = 8


class _WaitingEngine:
    """An engine as idp/db/prepared.py runs statements on it: the loop's connections."""

    def __init__(self, connections: LoopConnections) -> None:
        self.dialect = connections.dialect
        self._connections = connections

    def run_compiled(self, sql: str, params, fetch: bool):
        return on_loop.wait(self._connections.execute(sql, params, fetch))


class LoopServices:
    def __init__(self, base: services.Services) -> None:
        self.base = base
        self._made: tuple[asyncio.AbstractEventLoop, services.Services] | None = None

    @staticmethod
    def possible(base: services.Services) -> bool:
        return base.engine is not None and base.engine.dialect.driver in ("psycopg", "pysqlite")

    def current(self) -> services.Services:
        """The services of a greenlet on the running loop."""
        loop = asyncio.get_running_loop()
        if self._made is None or self._made[0] is not loop:
            engine = self.base.engine  # SQLite: its own pool, used from this thread
            if engine.dialect.driver == "psycopg":
                engine = _WaitingEngine(LoopConnections(engine, LOOP_CONNECTIONS))
            waiting = self.base.but(
                store=self.base.store.waiting_on_loop(on_loop.wait),
                engine=engine,
                run_blocking=self._on_thread,
            )
            self._made = (loop, waiting)
        return self._made[1]

    def _on_thread(self, function: Callable, *args: Any) -> Any:
        context = contextvars.copy_context()  # the request id, for what the call logs
        loop = asyncio.get_running_loop()
        return on_loop.wait(loop.run_in_executor(None, context.run, self._with_base, function, args))

    def _with_base(self, function: Callable, args: tuple) -> Any:
        with services.bound_to(self.base):
            return function(*args)
