"""Redis behind Sentinel: two redis-server processes and a sentinel on loopback, a failover
mid-traffic, and sign-in working after it."""

from __future__ import annotations

import asyncio
import subprocess
import time

import pytest
import redis

from idp.store.base import StoreRead, StoreUnavailable
from idp.store.redis_store import RedisStore
from tests.support import loop as on_loop
from tests.support.net import free_port
from tests.support.pages import post_form
from tests.support.redis_server import start_redis_server, wait_for

MASTER_NAME = "lkidp-test"


class RedisPair:
    """A master, its replica and one sentinel watching them, each its own redis-server process."""

    def __init__(self, workdir) -> None:
        self.workdir = workdir
        self.master_port, self.replica_port, self.sentinel_port = free_port(), free_port(), free_port()
        self.processes: dict[int, subprocess.Popen] = {}
        self._server(self.master_port)
        self._server(self.replica_port, "--replicaof", "127.0.0.1", str(self.master_port))
        config = workdir / "sentinel.conf"
        config.write_text(
            f"port {self.sentinel_port}\nbind 127.0.0.1\ndir {workdir}\n"
            f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.master_port} 1\n"
            f"sentinel down-after-milliseconds {MASTER_NAME} 500\n"
            f"sentinel failover-timeout {MASTER_NAME} 5000\n"
        )
        self.processes[self.sentinel_port] = subprocess.Popen(
            ["redis-server", str(config), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        sentinel = redis.Redis(port=self.sentinel_port, decode_responses=True)
        replica = redis.Redis(port=self.replica_port, decode_responses=True)
        wait_for(lambda: replica.info("replication").get("master_link_status") == "up", 15, "the replica")
        wait_for(lambda: sentinel.sentinel_slaves(MASTER_NAME), 15, "the sentinel to see the replica")

    def _server(self, port: int, *extra: str) -> None:
        self.processes[port] = start_redis_server(port, self.workdir, *extra)

    def master_port_now(self) -> int:
        sentinel = redis.Redis(port=self.sentinel_port, decode_responses=True)
        return int(sentinel.sentinel_get_master_addr_by_name(MASTER_NAME)[1])

    def kill_master(self) -> None:
        process = self.processes.pop(self.master_port)
        process.kill()
        process.wait(timeout=5)

    def stop(self) -> None:
        for process in self.processes.values():
            process.kill()
            process.wait(timeout=5)


@pytest.fixture
def redis_pair(tmp_path):
    pair = RedisPair(tmp_path)
    yield pair
    pair.stop()


@pytest.fixture
def sentinel_app(redis_pair, make_app):
    return make_app(
        redis_url="",
        redis_sentinels=(f"127.0.0.1:{redis_pair.sentinel_port}",),
        redis_sentinel_master=MASTER_NAME,
    )


def _sign_in(client, account) -> int:
    response = post_form(
        client, "/login", "/login", {"login": account["email"], "password": account["password"]}
    )
    return response.status_code


def test_sign_in_survives_a_failover(redis_pair, sentinel_app, make_account):
    account = make_account()
    client = sentinel_app.test_client()
    assert _sign_in(client, account) == 302
    store = sentinel_app.extensions["idp"].store
    assert store.client.connection_pool.get_master_address()[1] == redis_pair.master_port

    redis_pair.kill_master()
    statuses = set()

    def failed_over() -> bool:
        status = _sign_in(sentinel_app.test_client(), account)
        statuses.add(status)
        return status == 302 and redis_pair.master_port_now() == redis_pair.replica_port

    wait_for(failed_over, 30, "sign-in through the promoted replica")
    assert statuses <= {302, 503}  # during the failover a clean 503, never a crash
    assert 503 in statuses  # the old master was really gone for a while
    assert _sign_in(sentinel_app.test_client(), account) == 302


def test_reads_ahead_on_the_loop_follow_the_master_through_a_failover(redis_pair):
    """The event loop's client asks the sentinels for the master each time it connects."""
    store = RedisStore.via_sentinels((f"127.0.0.1:{redis_pair.sentinel_port}",), MASTER_NAME, prefix="t:")
    store.set("k", "written before", 600)
    assert redis.Redis(port=redis_pair.master_port).wait(1, 5000) == 1  # the replica has it
    read = [StoreRead("get", ("k",))]

    async def through_the_failover():
        assert await store.read_ahead(read) == ["written before"]
        redis_pair.kill_master()
        failures, deadline = 0, time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                return failures, await store.read_ahead(read)
            except StoreUnavailable:
                failures += 1
                await asyncio.sleep(0.05)  # another process's progress, not the project clock
        raise AssertionError("no read ahead reached the promoted replica")

    failures, values = on_loop.run(through_the_failover())
    assert values == ["written before"]
    assert failures  # the old master was really gone for a while
    assert redis_pair.master_port_now() == redis_pair.replica_port
