"""Fixed-window counters in the short-lived store, keyed by a hash of what is limited."""

from __future__ import annotations

import hashlib

from idp.ops import metrics
from idp.services import store


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def _key(name: str, subject: str) -> str:
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"rl:{name}:{digest}"


def hit(name: str, subject: str, limit: int, window: int) -> None:
    """Count one attempt; raise RateLimited once the window holds more than limit."""
    key = _key(name, subject)
    count = store().incr(key, window)
    if count > limit:
        metrics.count("rate_limited", limit=name)
        raise RateLimited(max(1, store().ttl(key)))


def reset(name: str, subject: str) -> None:
    store().delete(_key(name, subject))


def exceeded(name: str, subject: str, limit: int) -> bool:
    """Whether the window already holds `limit` attempts (without counting one more)."""
    raw = store().get(_key(name, subject))
    return raw is not None and int(raw) >= limit
