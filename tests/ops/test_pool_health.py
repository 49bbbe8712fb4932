"""Pooled PostgreSQL connections that died while idle are replaced, not failed on."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, exc, text

from idp.pool_health import ping_when_idle

pytestmark = pytest.mark.services


def _engine_through(proxy, backend, idle_seconds: float):
    url = proxy.url(backend.database_url).replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_seconds=idle_seconds)
    return engine


def _select_one(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT 1")).scalar()


def _kill_pooled_connections(proxy) -> None:
    proxy.cut()  # drops the pooled connection, as a database restart would
    proxy.restore()


def test_a_connection_killed_while_idle_is_replaced(backend, tcp_proxy):
    proxy = tcp_proxy(backend.database_url)
    engine = _engine_through(proxy, backend, idle_seconds=0)
    assert _select_one(engine) == 1
    _kill_pooled_connections(proxy)
    assert _select_one(engine) == 1
    engine.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged(backend, tcp_proxy):
    # The other half of the bargain, and what makes the first test able to fail:
    # within the idle threshold nobody checks, so a killed connection fails its
    # one statement and the pool is invalidated on the spot.
    proxy = tcp_proxy(backend.database_url)
    engine = _engine_through(proxy, backend, idle_seconds=3600)
    assert _select_one(engine) == 1
    _kill_pooled_connections(proxy)
    with pytest.raises(exc.OperationalError):
        _select_one(engine)
    assert _select_one(engine) == 1
    engine.dispose()
