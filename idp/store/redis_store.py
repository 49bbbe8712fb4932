"""Redis store. Expiry is Redis's own; the project clock cannot move it, so
rules that depend on time also keep their own timestamps in the values."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlparse

import redis
from redis.sentinel import Sentinel

from idp.store.base import Store, StoreRead, StoreUnavailable
from idp.store.loop_redis import LoopRedis, LoopRedisError
from idp.store.lua_script import Script
from idp.store.redis_direct import DirectCommands

# A followed key is built inside the script, so it is not declared in KEYS: fine on one
# Redis server (what lk-idp uses), not on Redis Cluster.
_FOLLOW = """
local function follow(raw, field, prefix)
  if not raw then return false end
  local ok, decoded = pcall(cjson.decode, raw)
  if not ok then return false end
  for name in string.gmatch(field, '[^.]+') do
    if type(decoded) ~= 'table' then return false end
    decoded = decoded[name]
  end
  if decoded == nil or decoded == cjson.null or type(decoded) == 'table' then return false end
  return redis.call('GET', prefix .. tostring(decoded))
end
"""

_MGET_FOLLOWING = (
    _FOLLOW
    + """
local values = redis.call('MGET', unpack(KEYS))
values[#values + 1] = follow(values[1], ARGV[1], ARGV[2])
return values
"""
)

# ARGV after the marker's ttl: (field, prefix) pairs to follow. KEYS[3], when given, is read
# in the same step. Returns {the value, KEYS[3]'s value, the followed values...}.
_GETDEL_FOLLOWING = (
    _FOLLOW
    + """
local value = redis.call('GETDEL', KEYS[1])
if value then redis.call('SET', KEYS[2], value, 'EX', ARGV[1]) end
local found = {value, false}
if KEYS[3] then found[2] = redis.call('GET', KEYS[3]) end
for i = 2, #ARGV, 2 do found[#found + 1] = follow(value, ARGV[i], ARGV[i + 1]) end
return found
"""
)

SOCKET_TIMEOUT = 2  # seconds, for a command, on either client

_INCR_WITH_WINDOW = """
local value = redis.call('INCR', KEYS[1])
if value == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return value
"""

# The window's value is "count:opened:last" (format_window); times come from the caller.
_COUNT_IN_WINDOW = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local count, started, last = 0, ARGV[1], ARGV[1]
local raw = redis.call('GET', KEYS[1])
if raw then
  local c, s, l = string.match(raw, '^(%d+):([^:]+):([^:]+)$')
  if c and tonumber(s) + window > now then count, started, last = tonumber(c), s, l end
end
count = count + 1
redis.call('SET', KEYS[1], count .. ':' .. started .. ':' .. ARGV[1], 'EX', window + 60)
return {count, started, last}
"""


# A Redis that does not answer within two seconds fails the request (503), not the worker.
_CLIENT_OPTIONS = {"decode_responses": True, "socket_timeout": SOCKET_TIMEOUT, "socket_connect_timeout": 2}


class _LoopSide:
    """What a store keeps for one event loop: its client, and the store waiting on it."""

    __slots__ = ("loop", "client", "mget_following", "waiting")

    def __init__(self, loop: asyncio.AbstractEventLoop, client: LoopRedis, mget_following: Script) -> None:
        self.loop, self.client, self.mget_following = loop, client, mget_following
        self.waiting: RedisStore | None = None


class _WaitingCommands:
    """DirectCommands' interface over the loop's client, for code in a greenlet on its loop."""

    def __init__(self, client: LoopRedis, wait: Callable) -> None:
        self._client, self._wait = client, wait

    def __call__(self, *args):
        return self._wait(self._client.execute(args))[0]

    def script(self, source: str) -> Callable:
        script = self._client.register_script(source)  # execute sends the source when Redis lacks it
        return lambda keys, args: self(*script(keys, args))


class RedisStore(Store):
    @classmethod
    def from_url(cls, url: str, prefix: str = "") -> RedisStore:
        return cls(
            redis.Redis.from_url(url, **_CLIENT_OPTIONS),
            prefix,
            lambda: LoopRedis.from_url(url, reply_timeout=SOCKET_TIMEOUT),
        )

    @classmethod
    def via_sentinels(
        cls, sentinels: tuple[str, ...], master: str, url: str = "", prefix: str = ""
    ) -> RedisStore:
        """The master that the sentinels name, found again after a failover: redis-py's
        own Sentinel client asks them whenever a connection to the old master fails or
        finds it demoted, the event loop's client whenever it connects (the request in
        flight answers 503; the next one reaches the new master). `url`, when set, gives
        the master's password and database number."""
        addresses = [(host, int(port)) for host, _, port in (entry.rpartition(":") for entry in sentinels)]
        parsed = urlparse(url) if url else None
        credentials = {}
        if parsed is not None:
            credentials = {"password": parsed.password, "db": int(parsed.path.strip("/") or 0)}
        sentinel_options = {"socket_timeout": 2, "socket_connect_timeout": 2}
        sentinel = Sentinel(addresses, sentinel_kwargs=sentinel_options)

        async def master_address():
            # redis-py's blocking ask (every sentinel in turn, the master's state checked),
            # off the loop; only when the loop's client connects
            return await asyncio.get_running_loop().run_in_executor(None, sentinel.discover_master, master)

        def loop_client():
            return LoopRedis(master_address, **credentials, reply_timeout=SOCKET_TIMEOUT)

        return cls(sentinel.master_for(master, **_CLIENT_OPTIONS, **credentials), prefix, loop_client)

    def __init__(
        self,
        client: redis.Redis,
        prefix: str = "",
        loop_client: Callable[[], LoopRedis] | None = None,
    ) -> None:
        """`loop_client` makes the client of an event loop (read_ahead); without it
        reads ahead are made with the blocking client."""
        self.prefix = prefix
        self.client = client
        self._new_loop_client = loop_client
        self._use(DirectCommands(client.connection_pool))  # the request path's commands
        self._on_loop: _LoopSide | None = None

    def _use(self, command) -> None:
        self._command = command
        self._incr = command.script(_INCR_WITH_WINDOW)
        self._mget_following = command.script(_MGET_FOLLOWING)
        self._getdel_following = command.script(_GETDEL_FOLLOWING)
        self._count_in_window = command.script(_COUNT_IN_WINDOW)

    def _loop_client(self) -> _LoopSide:
        """The client of the running loop (its connection belongs to that loop)."""
        loop = asyncio.get_running_loop()
        if self._on_loop is None or self._on_loop.loop is not loop:
            client = self._new_loop_client()
            self._on_loop = _LoopSide(loop, client, client.register_script(_MGET_FOLLOWING))
        return self._on_loop

    def waiting_on_loop(self, wait: Callable) -> Store:
        """This store for plain code running in a greenlet on the running loop
        (idp/serving/on_loop.py): the same commands over the loop's pipelined connection,
        `wait` handing each reply's future to the loop. Sets, SCAN and PING stay on
        redis-py (no request path of the protocol lane uses them)."""
        if self._new_loop_client is None:
            return self
        side = self._loop_client()
        if side.waiting is None:
            view = object.__new__(RedisStore)
            view.__dict__.update(self.__dict__)
            view._use(_WaitingCommands(side.client, wait))
            side.waiting = view
        return side.waiting

    async def read_ahead(self, reads: list[StoreRead]) -> list:
        """GETs and MGETs as one MGET, a followed read as its script, sent together: one
        round trip."""
        if self._new_loop_client is None:
            return await super().read_ahead(reads)
        try:  # bounded by the loop client's own connect and reply timeouts
            return await self._read_ahead(reads)
        except (LoopRedisError, redis.RedisError, TimeoutError) as exc:  # RedisError: no master found
            raise StoreUnavailable(str(exc) or "Redis did not answer in time") from exc

    async def _read_ahead(self, reads: list[StoreRead]) -> list:
        side = self._loop_client()
        client, mget_following = side.client, side.mget_following
        plain, scripted = [], []
        for read in reads:
            if read.method == "get":
                plain.append(self.prefix + read.args[0])
            elif read.method == "mget":
                plain.extend(self.prefix + key for key in read.args[0])
            elif read.method == "mget_following":
                keys, field, prefix = read.args
                keys = [self.prefix + key for key in keys]
                scripted.append(mget_following(keys, [field, self.prefix + prefix]))
            else:
                raise ValueError(f"{read.method} is not a read")
        replies = await client.execute(*([("MGET", *plain)] if plain else ()), *scripted)
        values = iter(replies[0] if plain else ())
        followed = iter(replies[1:] if plain else replies)
        results = []
        for read in reads:
            if read.method == "get":
                results.append(next(values))
            elif read.method == "mget":
                results.append([next(values) for _ in read.args[0]])
            else:
                results.append(next(followed))
        return results

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (redis.RedisError, LoopRedisError, TimeoutError) as exc:
            raise StoreUnavailable(str(exc) or "Redis did not answer in time") from exc

    def get(self, key):
        return self._call(self._command, "GET", self.prefix + key)

    def mget(self, keys):
        return self._call(self._command, "MGET", *[self.prefix + k for k in keys])

    def mget_following(self, keys, field, prefix):
        return self._call(
            self._mget_following, [self.prefix + k for k in keys], [field, self.prefix + prefix]
        )

    def set(self, key, value, ttl, only_if_absent=False):
        condition = ("NX",) if only_if_absent else ()
        done = self._call(self._command, "SET", self.prefix + key, value, "EX", max(1, int(ttl)), *condition)
        return done is not None

    def getdel(self, key):
        return self._call(self._command, "GETDEL", self.prefix + key)

    def getdel_following(self, also, key, marker, follows):
        marker_key, ttl = marker
        keys = [self.prefix + key, self.prefix + marker_key] + ([self.prefix + also] if also else [])
        args = [max(1, int(ttl))]
        for field, prefix in follows:
            args += [field, self.prefix + prefix]
        value, read, *followed = self._call(self._getdel_following, keys, args)
        return read, value, followed

    def delete(self, *keys):
        if not keys:
            return 0
        return self._call(self._command, "DEL", *[self.prefix + k for k in keys])

    def add_member(self, key, member, ttl):
        pipe = self.client.pipeline(transaction=True)
        pipe.sadd(self.prefix + key, member)
        pipe.expire(self.prefix + key, max(1, int(ttl)), gt=True)
        pipe.expire(self.prefix + key, max(1, int(ttl)), nx=True)
        self._call(pipe.execute)

    def members(self, key):
        return sorted(self._call(self.client.smembers, self.prefix + key))

    def remove_member(self, key, member):
        self._call(self.client.srem, self.prefix + key, member)

    def incr(self, key, ttl):
        return int(self._call(self._incr, [self.prefix + key], [max(1, int(ttl))]))

    def count_in_window(self, key, now, window):
        count, started, last = self._call(
            self._count_in_window, [self.prefix + key], [repr(float(now)), int(window)]
        )
        return int(count), float(started), float(last)

    def ttl(self, key):
        return int(self._call(self._command, "TTL", self.prefix + key))

    def ping(self):
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def clear(self):
        cursor = 0
        while True:
            cursor, keys = self._call(self.client.scan, cursor, match=self.prefix + "*", count=500)
            if keys:
                self._call(self.client.delete, *keys)
            if cursor == 0:
                break
