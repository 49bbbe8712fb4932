"""The request path's Redis commands, sent on redis-py's own connections without its client's layers.

`redis.Redis.execute_command` takes a connection from its pool under a lock, wraps
the command in its retry helper, reports it to its observability hooks and applies
a reply callback: ~30 µs of CPU a command above the connection's own write and
parse (GET: 80 → 50 µs; docs/BENCHMARKS.md), and a code exchange sends two, a
refresh three. Here a command is written and read on a connection the client's
pool made, so AUTH, SELECT, the socket timeouts and, behind sentinels, finding the
current master stay redis-py's. Connections wait on a free list of this process
between commands. One that fails is dropped; one that had been waiting is tried
once more first, as the server may have restarted since its last command.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import redis
from redis.exceptions import NoScriptError

from idp.store.lua_script import Script

_RETRIED = (redis.ConnectionError, redis.TimeoutError)


class DirectCommands:
    def __init__(self, pool: redis.ConnectionPool) -> None:
        self._pool = pool
        self._free: list = []  # list.pop and list.append are atomic: safe between threads
        os.register_at_fork(after_in_child=self._free.clear)  # a child must not share sockets

    def __call__(self, *args):
        """One command's raw reply (strings decoded as the client's pool says)."""
        try:
            connection, waited = self._free.pop(), True
        except IndexError:
            connection, waited = self._pool.make_connection(), False
        try:
            reply = self._send(connection, args, retry=waited)
        except redis.ResponseError:
            self._free.append(connection)  # the server refused the command: the connection is fine
            raise
        except BaseException:
            connection.disconnect()
            raise
        self._free.append(connection)
        return reply

    @staticmethod
    def _send(connection, args: tuple, retry: bool):
        try:
            return _round_trip(connection, args)
        except _RETRIED:
            if not retry:
                raise
            connection.disconnect()
            return _round_trip(connection, args)

    def script(self, source: str) -> Callable:
        """A Lua script as a function of (keys, args): EVALSHA, and EVAL where the server
        does not know it yet (a new or restarted server), which also makes it known."""
        script = Script(source)

        def run(keys: list, args: list):
            command = script(keys, args)
            try:
                return self(*command)
            except NoScriptError:
                return self(*script.whole(command))

        return run


def _round_trip(connection, args: tuple):
    # connect() first, as the pool does: a sentinel's connection finds the master there (the
    # connecting a send does by itself would go to the connection's default address)
    connection.connect()
    connection.send_command(*args, check_health=False)
    return connection.read_response()
