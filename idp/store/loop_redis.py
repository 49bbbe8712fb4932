"""The event loop's own Redis client, for `RedisStore.read_ahead`: commands pipelined on one
connection, replies parsed by hiredis. redis.asyncio spent about as much CPU on each command's
machinery (pool, retries, encoders, hooks, streams) as the round trip itself; here a command
costs its encoding (hiredis's), its share of a socket write and the reply's parse."""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Awaitable, Callable

import hiredis
from redis.connection import SSLConnection, parse_url

from idp.store.lua_script import Script

CONNECT_TIMEOUT = 2  # seconds, to find, reach and sign in to Redis
REPLY_TIMEOUT = 2  # seconds, for the replies to a batch of commands

Address = Callable[[], Awaitable[tuple[str, int]]]


class LoopRedisError(Exception):
    """Redis did not do as asked: it could not be reached, the connection was lost, or it
    answered with an error (ReplyError)."""


class ReplyError(LoopRedisError):
    """Redis answered a command with an error (hiredis makes these from `-ERR …` replies)."""


class _Connection(asyncio.Protocol):
    """One connection: each batch of commands written waits, in order, for as many replies.

    The batches of one turn of the loop go out in one write at its end: under load the
    requests of a turn each make a round trip, and a write to a loopback socket costs as much
    as the rest of a userinfo request's Redis work (docs/BENCHMARKS.md). Redis answers them
    together, so one read brings their replies too.

    Replies overdue by `reply_timeout` drop the connection, failing every batch still
    waiting. One timer per connection watches the oldest batch: a timeout per batch
    (asyncio.timeout) cost ~10 µs of a ~180 µs userinfo request."""

    def __init__(self, reply_timeout: float = REPLY_TIMEOUT) -> None:
        self.reader = hiredis.Reader(encoding="utf-8", replyError=ReplyError)
        self.waiting: deque[tuple[asyncio.Future, int, list, float]] = deque()
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reply_timeout = reply_timeout
        self._watch: asyncio.TimerHandle | None = None
        self._lost_because = "closed"
        self._unsent: list[bytes] | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def send(self, payload: bytes, count: int) -> asyncio.Future:
        """`count` encoded commands, written with the rest of this turn's; the future is their replies."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.append((future, count, [], loop.time() + self.reply_timeout))
        if self._unsent is None:
            self._unsent = [payload]
            loop.call_soon(self._flush)
        else:
            self._unsent.append(payload)
        if self._watch is None:
            self._watch = loop.call_at(self.waiting[0][3], self._overdue, loop)
        return future

    def _flush(self) -> None:
        unsent, self._unsent = self._unsent, None
        if not self.closed:
            self.transport.write(b"".join(unsent))

    def _overdue(self, loop: asyncio.AbstractEventLoop) -> None:
        self._watch = None
        if self.closed or not self.waiting:
            return
        oldest_due = self.waiting[0][3]
        if loop.time() >= oldest_due:
            self.drop(f"Redis did not answer within {self.reply_timeout:g} s")
        else:
            self._watch = loop.call_at(oldest_due, self._overdue, loop)

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        while True:
            try:
                reply = self.reader.gets()
            except UnicodeDecodeError as exc:  # hiredis has read the reply whole: this answers it
                reply = ReplyError(f"a value is not UTF-8 ({exc.reason})")
            except hiredis.ProtocolError:
                self.drop()
                return
            if reply is False:
                return
            if not self.waiting:  # a reply nobody asked for
                self.drop()
                return
            future, count, replies, _ = self.waiting[0]
            replies.append(reply)
            if len(replies) == count:
                self.waiting.popleft()
                if not future.done():
                    future.set_result(replies)

    def drop(self, because: str = "given up") -> None:
        """Close now: no reply still due can be matched to a command sent after this."""
        self.closed = True
        self._lost_because = because
        self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        while self.waiting:
            future = self.waiting.popleft()[0]
            if not future.done():
                future.set_exception(
                    LoopRedisError(f"connection to Redis lost ({exc or self._lost_because})")
                )


class LoopRedis:
    """One pipelined connection to one Redis, used by the running event loop only. It is made
    at the first command, and again at the first command after it failed; `address` is asked
    each time (so a Sentinel's new master is found after a failover)."""

    def __init__(
        self,
        address: Address,
        password: str | None = None,
        db: int = 0,
        username: str | None = None,
        tls: ssl.SSLContext | None = None,
        reply_timeout: float = REPLY_TIMEOUT,
    ) -> None:
        self._address = address
        self._tls = tls
        self._reply_timeout = reply_timeout
        hello = []
        if password:
            hello.append(("AUTH", username, password) if username else ("AUTH", password))
        if db:
            hello.append(("SELECT", db))
        self._hello = hello
        self._connection: _Connection | None = None
        self._connecting: asyncio.Task | None = None
        self._scripts: dict[str, Script] = {}

    @classmethod
    def from_url(cls, url: str, reply_timeout: float = REPLY_TIMEOUT) -> LoopRedis:
        """A redis:// or rediss:// URL, read as `redis.Redis.from_url` reads it."""
        options = parse_url(url)
        host, port = options.get("host", "localhost"), int(options.get("port", 6379))

        async def address():
            return host, port

        tls = _tls_context(options) if options.get("connection_class") is SSLConnection else None
        db = int(options.get("db", 0))
        return cls(address, options.get("password"), db, options.get("username"), tls, reply_timeout)

    def register_script(self, source: str) -> Script:
        """The script as a command maker; its source is kept here for when Redis lacks it."""
        script = Script(source)
        self._scripts[script.sha] = script
        return script

    async def execute(self, *commands: tuple) -> list:
        """The replies to `commands`, sent together in one round trip; an error reply raises."""
        if not commands:
            return []
        replies = await self._round_trip(commands)
        unknown = [
            i for i, reply in enumerate(replies) if isinstance(reply, ReplyError) and _no_script(reply)
        ]
        if unknown:  # the server restarted or flushed its scripts: EVAL caches it again
            again = [self._scripts[commands[i][1]].whole(commands[i]) for i in unknown]
            for i, reply in zip(unknown, await self._round_trip(again), strict=True):
                replies[i] = reply
        for reply in replies:
            if isinstance(reply, ReplyError):
                raise reply
        return replies

    async def _round_trip(self, commands) -> list:
        connection = self._connection
        if connection is None or connection.closed:
            connection = await self._connected()
        future = connection.send(b"".join(map(hiredis.pack_command, commands)), len(commands))
        try:
            return await future
        except asyncio.CancelledError:
            # Timed out or given up: the replies behind this one wait as long, and a link that
            # is this late may be gone without TCP noticing for minutes. A new one will tell.
            connection.drop()
            raise

    async def _connected(self) -> _Connection:
        """The connection being made, one for every command waiting on it."""
        if self._connecting is None:
            self._connecting = asyncio.get_running_loop().create_task(self._connect())
            self._connecting.add_done_callback(_retrieved)
        return await asyncio.shield(self._connecting)  # a waiter that gives up leaves it to the rest

    async def _connect(self) -> _Connection:
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                host, port = await self._address()
                _, connection = await asyncio.get_running_loop().create_connection(
                    lambda: _Connection(self._reply_timeout), host, port, ssl=self._tls
                )
                try:
                    await self._sign_in(connection)
                except BaseException:
                    connection.drop()
                    raise
        except (OSError, TimeoutError) as exc:
            raise LoopRedisError(f"cannot connect to Redis: {exc!r}") from exc
        finally:
            self._connecting = None
        self._connection = connection
        return connection

    async def _sign_in(self, connection: _Connection) -> None:
        """AUTH and SELECT, as the URL asks."""
        if self._hello:
            hello = b"".join(map(hiredis.pack_command, self._hello))
            for reply in await connection.send(hello, len(self._hello)):
                if isinstance(reply, ReplyError):
                    raise reply


def _no_script(reply: ReplyError) -> bool:
    return str(reply).startswith("NOSCRIPT")


def _retrieved(task: asyncio.Task) -> None:
    """A failed connect whose waiters all gave up is not logged as an unretrieved error."""
    if not task.cancelled():
        task.exception()


def _tls_context(options: dict) -> ssl.SSLContext:
    """rediss://: verified against the system's CAs or ?ssl_ca_certs=, unless ?ssl_cert_reqs=none."""
    context = ssl.create_default_context(cafile=options.get("ssl_ca_certs"))
    if options.get("ssl_cert_reqs") in ("none", ssl.CERT_NONE):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
