"""Pooled PostgreSQL connections that died while idle are replaced, not failed on."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, exc, text

from idp.db.pool_health import ping_when_idle

pytestmark = pytest.mark.services


def _select_one(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT 1")).scalar()


@pytest.fixture
def killed_while_idle(backend, tcp_proxy):
    """An engine whose one pooled connection served a query, then died (as in a database restart)."""
    engines = []

    def make(idle_seconds: float):
        proxy = tcp_proxy(backend.database_url)
        url = proxy.url(backend.database_url).replace("postgresql://", "postgresql+psycopg://", 1)
        engine = create_engine(url, pool_size=1, max_overflow=0)
        ping_when_idle(engine, idle_seconds=idle_seconds)
        engines.append(engine)
        assert _select_one(engine) == 1
        proxy.cut()
        proxy.restore()
        return engine

    yield make
    for engine in engines:
        engine.dispose()


def test_a_connection_killed_while_idle_is_replaced(killed_while_idle):
    assert _select_one(killed_while_idle(idle_seconds=0)) == 1


def test_a_connection_used_a_moment_ago_is_not_pinged(killed_while_idle):
    # The other half of the bargain, and what makes the first test able to fail:
    # within the idle threshold nobody checks, so a killed connection fails its
    # one statement and the pool is invalidated on the spot.
    engine = killed_while_idle(idle_seconds=3600)
    with pytest.raises(exc.OperationalError):
        _select_one(engine)
    assert _select_one(engine) == 1
