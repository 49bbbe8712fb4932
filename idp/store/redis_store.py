"""Redis store. Expiry is Redis's own; the project clock cannot move it, so
rules that depend on time also keep their own timestamps in the values."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlparse

import redis
import redis.asyncio
import redis.asyncio.sentinel
from redis.sentinel import Sentinel

from idp.store.base import Store, StoreRead, StoreUnavailable

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
_PLAIN = ("get", "mget")  # reads that one MGET makes together

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
# The event loop's client has no socket timeout of redis-py's own, which would wrap every send
# in a task (asyncio.wait_for); read_ahead bounds the whole round trip instead.
_LOOP_OPTIONS = {"decode_responses": True, "socket_timeout": None, "socket_connect_timeout": 2}


class RedisStore(Store):
    @classmethod
    def from_url(cls, url: str, prefix: str = "") -> RedisStore:
        return cls(
            redis.Redis.from_url(url, **_CLIENT_OPTIONS),
            prefix,
            lambda: redis.asyncio.Redis.from_url(url, **_LOOP_OPTIONS),
        )

    @classmethod
    def via_sentinels(
        cls, sentinels: tuple[str, ...], master: str, url: str = "", prefix: str = ""
    ) -> RedisStore:
        """The master that the sentinels name, found again after a failover: redis-py's
        own Sentinel client asks them whenever a connection to the old master fails or
        finds it demoted (the request in flight answers 503; the next one reaches the
        new master). `url`, when set, gives the master's password and database number."""
        addresses = [(host, int(port)) for host, _, port in (entry.rpartition(":") for entry in sentinels)]
        parsed = urlparse(url) if url else None
        credentials = {}
        if parsed is not None:
            credentials = {"password": parsed.password, "db": int(parsed.path.strip("/") or 0)}
        sentinel_options = {"socket_timeout": 2, "socket_connect_timeout": 2}
        sentinel = Sentinel(addresses, sentinel_kwargs=sentinel_options)

        def loop_client():
            on_loop = redis.asyncio.sentinel.Sentinel(addresses, sentinel_kwargs=sentinel_options)
            return on_loop.master_for(master, **_LOOP_OPTIONS, **credentials)

        return cls(sentinel.master_for(master, **_CLIENT_OPTIONS, **credentials), prefix, loop_client)

    def __init__(
        self,
        client: redis.Redis,
        prefix: str = "",
        loop_client: Callable[[], redis.asyncio.Redis] | None = None,
    ) -> None:
        """`loop_client` makes the asyncio client of an event loop (read_ahead); without it
        reads ahead are made with the blocking client."""
        self.prefix = prefix
        self.client = client
        self._new_loop_client = loop_client
        self._incr = self.client.register_script(_INCR_WITH_WINDOW)
        self._mget_following = self.client.register_script(_MGET_FOLLOWING)
        self._getdel_following = self.client.register_script(_GETDEL_FOLLOWING)
        self._count_in_window = self.client.register_script(_COUNT_IN_WINDOW)
        self._on_loop: tuple[asyncio.AbstractEventLoop, redis.asyncio.Redis, object] | None = None

    def _loop_client(self):
        """The asyncio client of the running loop (its connections belong to that loop)."""
        loop = asyncio.get_running_loop()
        if self._on_loop is None or self._on_loop[0] is not loop:
            client = self._new_loop_client()
            self._on_loop = (loop, client, client.register_script(_MGET_FOLLOWING))
        return self._on_loop

    async def read_ahead(self, reads: list[StoreRead]) -> list:
        """GETs and MGETs as one MGET, a followed read as its script: one round trip each."""
        if self._new_loop_client is None:
            return await super().read_ahead(reads)
        try:
            async with asyncio.timeout(SOCKET_TIMEOUT):
                return await self._read_ahead(reads)
        except (redis.RedisError, TimeoutError) as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def _read_ahead(self, reads: list[StoreRead]) -> list:
        _, client, mget_following = self._loop_client()
        plain = [
            read.args if read.method == "get" else read.args[0] for read in reads if read.method in _PLAIN
        ]
        values = iter(
            await client.mget([self.prefix + key for keys in plain for key in keys]) if plain else ()
        )
        results = []
        for read in reads:
            if read.method == "get":
                results.append(next(values))
            elif read.method == "mget":
                results.append([next(values) for _ in read.args[0]])
            elif read.method == "mget_following":
                keys, field, prefix = read.args
                followed = await mget_following(
                    keys=[self.prefix + key for key in keys], args=[field, self.prefix + prefix]
                )
                results.append(followed)
            else:
                raise ValueError(f"{read.method} is not a read")
        return results

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except redis.RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc

    def get(self, key):
        return self._call(self.client.get, self.prefix + key)

    def mget(self, keys):
        return self._call(self.client.mget, [self.prefix + k for k in keys])

    def mget_following(self, keys, field, prefix):
        return self._call(
            self._mget_following, keys=[self.prefix + k for k in keys], args=[field, self.prefix + prefix]
        )

    def set(self, key, value, ttl, only_if_absent=False):
        done = self._call(self.client.set, self.prefix + key, value, ex=max(1, int(ttl)), nx=only_if_absent)
        return bool(done)

    def getdel(self, key):
        return self._call(self.client.getdel, self.prefix + key)

    def getdel_following(self, also, key, marker, follows):
        marker_key, ttl = marker
        keys = [self.prefix + key, self.prefix + marker_key] + ([self.prefix + also] if also else [])
        args = [max(1, int(ttl))]
        for field, prefix in follows:
            args += [field, self.prefix + prefix]
        value, read, *followed = self._call(self._getdel_following, keys=keys, args=args)
        return read, value, followed

    def delete(self, *keys):
        if not keys:
            return 0
        return self._call(self.client.delete, *[self.prefix + k for k in keys])

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
        return int(self._call(self._incr, keys=[self.prefix + key], args=[max(1, int(ttl))]))

    def count_in_window(self, key, now, window):
        count, started, last = self._call(
            self._count_in_window, keys=[self.prefix + key], args=[repr(float(now)), int(window)]
        )
        return int(count), float(started), float(last)

    def ttl(self, key):
        return int(self._call(self.client.ttl, self.prefix + key))

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
