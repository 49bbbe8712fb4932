"""Counters in the short-lived store, keyed by a hash of what is limited.

A window opens at its first event and closes `window` seconds later by the
project clock, so tests move time instead of sleeping. Two kinds of limit:

- `hit`: every attempt counts (sending an SMS, asking for a link again);
- `FailureLimit`: only failures count, a success clears them, and past the limit
  each further try waits twice as long as the one before (progressive delay),
  never beyond the window's end.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass

from idp.clock import clock
from idp.ops import metrics
from idp.services import store
from idp.store.base import parse_window


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def _key(name: str, subject: str) -> str:
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"rl:{name}:{digest}"


def _refuse(name: str, until: float, now: float) -> RateLimited:
    metrics.count("rate_limited", limit=name)
    return RateLimited(max(1, math.ceil(until - now)))


def hit(name: str, subject: str, limit: int, window: int) -> None:
    """Count one attempt; raise RateLimited once the window holds more than limit."""
    now = clock.time()
    count, started, _ = store().count_in_window(_key(name, subject), now, window)
    if count > limit:
        raise _refuse(name, started + window, now)


def reset(name: str, subject: str) -> None:
    store().delete(_key(name, subject))


def network(address: str) -> str:
    """The network an address sits in for per-network budgets: its /24 (IPv4) or /64 (IPv6)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    prefix = 24 if parsed.version == 4 else 64
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))


@dataclass(frozen=True)
class Failures:
    count: int
    opened: float
    last: float


@dataclass(frozen=True)
class FailureLimit:
    """At most `limit` failures per `window` seconds; past it, a try waits `delay` seconds
    after the last failure, doubled for each failure beyond the limit (capped at the window's end)."""

    name: str
    limit: int
    window: int
    delay: int = 0  # 0: refused until the window closes

    def read(self, subject: str) -> Failures:
        now = clock.time()
        count, opened, last = parse_window(store().get(_key(self.name, subject)), now, self.window)
        return Failures(count, opened, last)

    def check(self, subject: str) -> None:
        """Raise RateLimited while this subject must wait (nothing is counted)."""
        self.raise_if_waiting(self.read(subject))

    def raise_if_waiting(self, failures: Failures) -> None:
        if failures.count < self.limit:
            return
        now = clock.time()
        closes = failures.opened + self.window
        until = closes if not self.delay else min(closes, self._next_try(failures))
        if now < until:
            raise _refuse(self.name, until, now)

    def _next_try(self, failures: Failures) -> float:
        return failures.last + self.delay * 2 ** (failures.count - self.limit)

    def fail(self, subject: str) -> Failures:
        """Count one failure; the failures in the window, this one included."""
        now = clock.time()
        count, opened, _ = store().count_in_window(_key(self.name, subject), now, self.window)
        return Failures(count, opened, now)

    def clear(self, subject: str) -> None:
        store().delete(_key(self.name, subject))
