"""Short-lived state: codes, SMS challenges, counters, sessions.

Redis when IDP_REDIS_URL is set; otherwise an in-process store that serves a
single process, so the embedded default needs no server.
"""

from idp.store.base import Store, StoreUnavailable
from idp.store.memory import MemoryStore
from idp.store.redis_store import RedisStore


def make_store(settings) -> Store:
    if settings.redis_url:
        return RedisStore(settings.redis_url, prefix=settings.store_prefix)
    return MemoryStore(prefix=settings.store_prefix)


__all__ = ["Store", "StoreUnavailable", "MemoryStore", "make_store"]
