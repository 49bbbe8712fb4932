"""The request path's Redis commands on redis-py's connections (idp/store/redis_direct.py), real Redis."""

from __future__ import annotations

import hashlib

import pytest
import redis

from idp.store.redis_direct import DirectCommands
from tests.support.net import free_port

pytestmark = pytest.mark.services


@pytest.fixture
def client(backend):
    if backend.kind != "services":
        pytest.skip("needs Redis; CI runs this with IDP_TEST_BACKEND=services")
    client = redis.Redis.from_url(backend.redis_url, decode_responses=True, socket_timeout=2)
    yield client
    keys = list(client.scan_iter(match=backend.store_prefix + "direct:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def key(backend):
    return lambda name: f"{backend.store_prefix}direct:{name}"


def test_replies_are_the_clients(client, key):
    direct = DirectCommands(client.connection_pool)
    assert direct("SET", key("a"), "один", "EX", 60) == "OK"
    assert direct("SET", key("a"), "два", "EX", 60, "NX") is None
    assert direct("GET", key("a")) == client.get(key("a")) == "один"
    assert direct("MGET", key("a"), key("none")) == ["один", None]
    assert direct("GETDEL", key("a")) == "один" and client.get(key("a")) is None


def test_a_script_unknown_to_the_server_is_sent_whole_then_by_its_digest(client, key):
    source = "return tonumber(ARGV[1]) * 2 + #KEYS"
    doubled = DirectCommands(client.connection_pool).script(source)
    client.script_flush()
    assert doubled([key("x")], [20]) == 41  # NOSCRIPT, then EVAL
    assert client.script_exists(hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()) == [True]
    assert doubled([], [4]) == 8  # EVALSHA


def test_a_waiting_connection_the_server_dropped_is_tried_once_more(client, key):
    direct = DirectCommands(client.connection_pool)
    client.set(key("b"), "kept", ex=60)
    connection_id = direct("CLIENT", "ID")
    client.client_kill_filter(_id=connection_id)  # as a restart of the server would
    assert direct("GET", key("b")) == "kept"
    assert direct("CLIENT", "ID") != connection_id  # on a new connection


def test_a_refused_command_keeps_its_connection(client, key):
    direct = DirectCommands(client.connection_pool)
    client.set(key("c"), "not a number", ex=60)
    connection_id = direct("CLIENT", "ID")
    with pytest.raises(redis.ResponseError):
        direct("INCR", key("c"))
    assert direct("CLIENT", "ID") == connection_id


def test_no_server_is_an_error_at_once_every_time():
    gone = redis.Redis(host="127.0.0.1", port=free_port(), socket_timeout=2, socket_connect_timeout=2)
    direct = DirectCommands(gone.connection_pool)
    for _ in range(2):
        with pytest.raises(redis.ConnectionError):
            direct("PING")
