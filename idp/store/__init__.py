"""Short-lived state: codes, SMS challenges, counters, sessions.

Redis when IDP_REDIS_URL or IDP_REDIS_SENTINELS is set; otherwise an in-process
store that serves a single process, so the embedded default needs no server.
"""

from idp.store.base import Store, StoreUnavailable
from idp.store.memory import MemoryStore
from idp.store.redis_store import RedisStore


def make_store(settings) -> Store:
    if settings.redis_sentinels:
        return RedisStore.via_sentinels(
            settings.redis_sentinels,
            settings.redis_sentinel_master,
            settings.redis_url,
            prefix=settings.store_prefix,
        )
    if settings.redis_url:
        return RedisStore.from_url(settings.redis_url, prefix=settings.store_prefix)
    return MemoryStore(prefix=settings.store_prefix)


__all__ = ["Store", "StoreUnavailable", "MemoryStore", "make_store"]
