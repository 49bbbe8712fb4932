"""The services of a protocol request served in a greenlet on the event loop (idp/serving/on_loop.py).

Its Redis commands go over the loop's pipelined connection, its statements over
the loop's own PostgreSQL connections (idp/db/loop_connections.py), and a cold ORM
read (`services.blocking`: a client, an account or the keys not cached yet) to a
thread, where it runs with the services of the thread path. Made once per loop,
and only on PostgreSQL: SQLite has no asyncio driver, so there the token endpoint
is answered on the loop's thread as on any other (idp/serving/asgi_bridge.py).
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
        return base.engine is not None and base.engine.dialect.driver == "psycopg"

    def current(self) -> services.Services:
        """The services of a greenlet on the running loop."""
        loop = asyncio.get_running_loop()
        if self._made is None or self._made[0] is not loop:
            waiting = self.base.but(
                store=self.base.store.waiting_on_loop(on_loop.wait),
                engine=_WaitingEngine(LoopConnections(self.base.engine, LOOP_CONNECTIONS)),
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
