"""Counters in the short-lived store, keyed by a hash of what is limited.

A window opens at its first event and closes `window` seconds later by the
project clock, so tests move time instead of sleeping. Three kinds of limit:

- `hit`: every attempt counts, and the one past the limit is refused (asking for a
  link again);
- `Limit`: read first, counted later, so that a refused request costs nothing
  (the SMS budgets);
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
from idp.store.base import StoreRead, parse_window


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
class Counted:
    count: int
    opened: float
    last: float


@dataclass(frozen=True)
class Limit:
    """At most `limit` events per `window` seconds; a window opens at its first event."""

    name: str
    limit: int
    window: int

    def read_ahead(self, subject: str) -> StoreRead:
        """The read `read` makes, to be made ahead of it (idp/store/prefetched.py)."""
        return StoreRead("get", (_key(self.name, subject),))

    def counted(self, raw: str | None) -> Counted:
        """A stored window, as read."""
        count, opened, last = parse_window(raw, clock.time(), self.window)
        return Counted(count, opened, last)

    def read(self, subject: str) -> Counted:
        return self.counted(self.read_ahead(subject).run(store()))

    def waits_until(self, counted: Counted) -> float:
        """When the next event is allowed (in the past when it is allowed now)."""
        return counted.opened + self.window if counted.count >= self.limit else 0.0

    def wait(self, subject: str) -> int:
        """Seconds until the next event is allowed; 0 when it is allowed now."""
        until, now = self.waits_until(self.read(subject)), clock.time()
        return max(1, math.ceil(until - now)) if now < until else 0

    def raise_if_waiting(self, counted: Counted) -> None:
        until, now = self.waits_until(counted), clock.time()
        if now < until:
            raise _refuse(self.name, until, now)

    def check(self, subject: str) -> None:
        """Raise RateLimited while this subject must wait (nothing is counted)."""
        self.raise_if_waiting(self.read(subject))

    def count(self, subject: str) -> Counted:
        """Count one event; the events in the window, this one included."""
        now = clock.time()
        count, opened, _ = store().count_in_window(_key(self.name, subject), now, self.window)
        return Counted(count, opened, now)

    def clear(self, subject: str) -> None:
        store().delete(_key(self.name, subject))


@dataclass(frozen=True)
class FailureLimit(Limit):
    """A Limit on failures. Past the limit a try waits `delay` seconds after the last failure,
    doubled for each failure beyond the limit, never beyond the window's end; with delay 0,
    until the window's end."""

    delay: int = 0

    def waits_until(self, counted: Counted) -> float:
        closes = super().waits_until(counted)
        if not closes or not self.delay:
            return closes
        return min(closes, counted.last + self.delay * 2 ** (counted.count - self.limit))

    fail = Limit.count
