"""PostgreSQL connections of one event loop, for the statements of idp/db/prepared.py.

psycopg's own asyncio connections, opened with the engine's connect arguments
(its URL, connect_timeout), in autocommit as prepared.py runs its statements,
each statement prepared on the server at its first use on a connection. At most
`size` are open at once; a request beyond waits for one to come free. A
connection that failed is closed, not handed out again; one that sat idle longer
than pool_health.IDLE_BEFORE_PING is pinged first, as the engine's pool does, since a
database restart may have killed it (a statement is never sent twice: a rotation
that reached the server and lost its answer must not run again).
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import psycopg
from sqlalchemy import Engine

from idp.db.pool_health import IDLE_BEFORE_PING


class LoopConnections:
    def __init__(self, engine: Engine, size: int) -> None:
        self.dialect = engine.dialect  # prepared.py compiles for it
        self._connect_args = engine.dialect.create_connect_args(engine.url)
        self._free: list[tuple[psycopg.AsyncConnection, float]] = []
        self._slots = asyncio.Semaphore(size)

    async def execute(self, sql: str, params, fetch: bool):
        """The statement's first row (a tuple, None when it returned none) or, without
        `fetch`, the number of rows it touched."""
        async with self._slots:
            connection = await self._taken()
            try:
                async with connection.cursor() as cursor:
                    await cursor.execute(sql, params, prepare=True)
                    if fetch:
                        rows = await cursor.fetchall()
                        found = rows[0] if rows else None
                    else:
                        found = cursor.rowcount
            except BaseException as error:
                if isinstance(error, psycopg.Error) and not connection.broken:
                    self._free.append((connection, time.monotonic()))  # refused, still fine
                else:
                    await _close(connection)
                raise
            self._free.append((connection, time.monotonic()))
            return found

    async def _taken(self) -> psycopg.AsyncConnection:
        while self._free:
            connection, last_used = self._free.pop()
            if time.monotonic() - last_used < IDLE_BEFORE_PING:
                return connection
            try:
                await connection.execute("SELECT 1")
                return connection
            except psycopg.Error:
                await _close(connection)
        cargs, cparams = self._connect_args
        return await psycopg.AsyncConnection.connect(*cargs, **cparams, autocommit=True)

    async def close(self) -> None:
        while self._free:
            await _close(self._free.pop()[0])


async def _close(connection: psycopg.AsyncConnection) -> None:
    with contextlib.suppress(psycopg.Error, OSError):  # closing what already failed
        await connection.close()
