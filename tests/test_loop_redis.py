"""The event loop's Redis client (idp/store/loop_redis.py) through `RedisStore.read_ahead`,
against a redis-server of the test's own, which it can stop, pause and start again."""

from __future__ import annotations

import asyncio
import json
import signal
import time

import pytest
import redis

from idp.store import redis_store
from idp.store.base import StoreRead, StoreUnavailable
from idp.store.redis_store import RedisStore
from tests.support import loop as on_loop
from tests.support.net import free_port
from tests.support.redis_server import start_redis_server

PASSWORD = "test-password"


class OwnRedis:
    def __init__(self, workdir) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.start()
        self.admin = redis.Redis(port=self.port, password=PASSWORD, decode_responses=True)

    def url(self, db: int = 0, password: str = PASSWORD) -> str:
        return f"redis://:{password}@127.0.0.1:{self.port}/{db}"

    def connections_made(self) -> int:
        return self.admin.info("stats")["total_connections_received"]

    def start(self) -> None:
        self.process = start_redis_server(self.port, self.workdir, password=PASSWORD)

    def stop(self) -> None:
        self.process.kill()  # paused or not
        self.process.wait(timeout=5)

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    yield server
    server.stop()


def _get(key: str) -> list[StoreRead]:
    return [StoreRead("get", (key,))]


def test_the_urls_password_and_database_are_used(own_redis):
    store = RedisStore.from_url(own_redis.url(db=3), prefix="p:")
    store.set("k", "in database 3", 60)
    assert own_redis.admin.get("p:k") is None  # database 0
    assert on_loop.run(store.read_ahead(_get("k"))) == ["in database 3"]


def test_a_wrong_password_is_the_store_unavailable(own_redis):
    store = RedisStore.from_url(own_redis.url(password="wrong"))
    with pytest.raises(StoreUnavailable):
        on_loop.run(store.read_ahead(_get("k")))


def test_redis_gone_is_the_store_unavailable_and_its_return_is_noticed(own_redis):
    store = RedisStore.from_url(own_redis.url())
    own_redis.admin.set("k", "before")

    async def across_an_outage():
        assert await store.read_ahead(_get("k")) == ["before"]
        own_redis.pause()
        waiting = [asyncio.ensure_future(store.read_ahead(_get("k"))) for _ in range(3)]
        await asyncio.sleep(0)  # all three sent, waiting for their replies
        own_redis.stop()
        lost = await asyncio.gather(*waiting, return_exceptions=True)
        refused = await asyncio.gather(store.read_ahead(_get("k")), return_exceptions=True)
        own_redis.start()
        own_redis.admin.set("k", "after")
        return lost, refused, await store.read_ahead(_get("k"))

    started = time.monotonic()
    lost, refused, back = on_loop.run(across_an_outage())
    assert [type(error) for error in lost + refused] == [StoreUnavailable] * 4
    assert all("lost" in str(error) for error in lost)  # when the server went, not at the timeout
    assert time.monotonic() - started < redis_store.SOCKET_TIMEOUT
    assert back == ["after"]


def test_a_reply_given_up_on_drops_the_connection(own_redis, monkeypatch):
    monkeypatch.setattr(redis_store, "SOCKET_TIMEOUT", 0.2)
    store = RedisStore.from_url(own_redis.url())
    own_redis.admin.mset({"a": "value of a", "b": "value of b"})

    async def given_up(read_ahead):
        own_redis.pause()
        try:
            await read_ahead
        finally:
            own_redis.resume()

    async def timed_out_then_cancelled():
        assert await store.read_ahead(_get("a")) == ["value of a"]
        with pytest.raises(StoreUnavailable):
            await given_up(store.read_ahead(_get("a")))  # times out
        after_the_timeout = await store.read_ahead(_get("b"))
        waiting = asyncio.ensure_future(given_up(store.read_ahead(_get("a"))))
        await asyncio.sleep(0)  # sent, waiting for its reply
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        return after_the_timeout, await store.read_ahead(_get("b"))

    made = own_redis.connections_made()
    assert on_loop.run(timed_out_then_cancelled()) == (["value of b"], ["value of b"])
    assert own_redis.connections_made() - made == 3  # the first, one after the timeout, one after the cancel


def test_a_script_redis_has_lost_is_sent_again(own_redis):
    store = RedisStore.from_url(own_redis.url())
    own_redis.admin.mset({"tok": json.dumps({"account_id": 1}), "acct:1": "the account"})
    read = [StoreRead("mget_following", (("tok",), "account_id", "acct:"))]

    async def before_and_after_a_flush():
        first = await store.read_ahead(read)
        own_redis.admin.script_flush()
        return first, await store.read_ahead(read)

    expected = [json.dumps({"account_id": 1}), "the account"]
    assert on_loop.run(before_and_after_a_flush()) == ([expected], [expected])


def test_a_value_that_is_not_utf8_fails_its_own_read_only(own_redis):
    store = RedisStore.from_url(own_redis.url())
    own_redis.admin.mset({"bad": b"\xff\xfe", "good": "fine"})

    async def together():
        bad = store.read_ahead([StoreRead("mget", (("good", "bad"),))])
        return await asyncio.gather(bad, store.read_ahead(_get("good")), return_exceptions=True)

    bad, good = on_loop.run(together())
    assert isinstance(bad, StoreUnavailable) and "UTF-8" in str(bad)
    assert good == ["fine"]


def test_the_reads_of_one_turn_of_the_loop_go_to_redis_in_one_write(own_redis):
    store = RedisStore.from_url(own_redis.url())
    own_redis.admin.mset({"a": "value of a", "b": "value of b"})

    class CountedWrites:  # the real transport, its writes counted
        def __init__(self, transport) -> None:
            self.transport, self.writes = transport, 0

        def write(self, data: bytes) -> None:
            self.writes += 1
            self.transport.write(data)

        def __getattr__(self, name):
            return getattr(self.transport, name)

    async def a_hundred_at_once():
        await store.read_ahead(_get("a"))  # connected
        connection = store._loop_client().client._connection
        connection.transport = counted = CountedWrites(connection.transport)
        replies = await asyncio.gather(*(store.read_ahead(_get("ab"[i % 2])) for i in range(100)))
        return replies, counted.writes

    replies, writes = on_loop.run(a_hundred_at_once())
    assert replies == [["value of a"], ["value of b"]] * 50  # each its own, in order
    assert writes == 1
