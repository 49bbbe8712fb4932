"""The event loop's own PostgreSQL connections (idp/db/loop_connections.py)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine

from idp.db import loop_connections
from idp.db.loop_connections import LoopConnections
from tests.support import loop

pytestmark = pytest.mark.services


@pytest.fixture
def proxied(backend, tcp_proxy):
    """LoopConnections to the test database through a proxy that can be cut."""
    proxy = tcp_proxy(backend.database_url)
    url = proxy.url(backend.database_url).replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    yield proxy, engine
    engine.dispose()


async def _pids(connections: LoopConnections, times: int) -> list[int]:
    return [(await connections.execute("SELECT pg_backend_pid()", (), fetch=True))[0] for _ in range(times)]


def test_statements_reuse_one_connection_and_report_what_they_touched(proxied):
    _, engine = proxied

    async def main():
        connections = LoopConnections(engine, size=2)
        pids = await _pids(connections, 3)
        touched = await connections.execute(
            "SELECT * FROM (VALUES (1), (2)) AS t(n) WHERE n > %s", (0,), fetch=False
        )
        nothing = await connections.execute("SELECT 1 WHERE false", (), fetch=True)
        await connections.close()
        return pids, touched, nothing

    pids, touched, nothing = loop.run(main())
    assert len(set(pids)) == 1
    assert (touched, nothing) == (2, None)


def test_a_refused_statement_leaves_its_connection_usable(proxied):
    _, engine = proxied

    async def main():
        connections = LoopConnections(engine, size=1)
        before = await _pids(connections, 1)
        with pytest.raises(psycopg.errors.DivisionByZero):
            await connections.execute("SELECT 1 / %s", (0,), fetch=True)
        after = await _pids(connections, 1)
        await connections.close()
        return before, after

    before, after = loop.run(main())
    assert before == after


def test_a_cut_database_fails_the_statement_and_the_next_one_after_it_is_back_succeeds(proxied):
    proxy, engine = proxied

    async def main():
        connections = LoopConnections(engine, size=1)
        before = await _pids(connections, 1)
        proxy.cut()
        with pytest.raises(psycopg.OperationalError):
            await connections.execute("SELECT 1", (), fetch=True)
        with pytest.raises(psycopg.OperationalError):  # no connection can be made meanwhile
            await connections.execute("SELECT 1", (), fetch=True)
        proxy.restore()
        after = await _pids(connections, 1)
        await connections.close()
        return before, after

    before, after = loop.run(main())
    assert before != after  # the failed connection was not handed out again


def test_a_connection_killed_while_idle_is_replaced_before_its_statement_is_sent(proxied, monkeypatch):
    proxy, engine = proxied
    monkeypatch.setattr(loop_connections, "IDLE_BEFORE_PING", 0.0)

    async def main():
        connections = LoopConnections(engine, size=1)
        before = await _pids(connections, 1)
        proxy.cut()
        proxy.restore()
        after = await _pids(connections, 1)  # the ping finds it dead: a new one, no error
        await connections.close()
        return before, after

    before, after = loop.run(main())
    assert before != after
