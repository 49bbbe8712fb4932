"""The interface both stores implement. Every operation is atomic on its own."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import Any, NamedTuple


class StoreUnavailable(RuntimeError):
    """The short-lived store cannot be reached; callers answer 503 / temporarily_unavailable."""


def parse_window(raw: str | None, now: float, window: int) -> tuple[int, float, float]:
    """(count so far, when the window opened, when the last event was) of a stored window;
    a closed or absent window counts 0 and opens now."""
    if raw:
        count, started, last = raw.split(":")
        if float(started) + window > now:
            return int(count), float(started), float(last)
    return 0, now, now


def format_window(count: int, started: float, last: float) -> str:
    return f"{count}:{started!r}:{last!r}"


UNREAD = object()  # a value the caller did not read ahead: the reader reads it itself


class WouldBlock(RuntimeError):
    """Raised on the event loop where a request needs I/O that was not read ahead of it:
    the request is answered again, from the start, on a thread (idp/serving/protocol_routes.py)."""


class StoreRead(NamedTuple):
    """One read a request will make, named so that it can be made ahead, on the event loop
    (`Store.read_ahead`), and answered from there (idp/store/prefetched.py). `method` is a
    read method of Store, `args` its arguments, lists as tuples."""

    method: str
    args: tuple

    def run(self, store: Store):
        return getattr(store, self.method)(*self.args)


class Store(ABC):
    @abstractmethod
    def get(self, key: str) -> str | None: ...

    @abstractmethod
    def mget(self, keys: list[str]) -> list[str | None]: ...

    @abstractmethod
    def mget_following(self, keys: list[str], field: str, prefix: str) -> list[str | None]:
        """MGET keys and, in the same step, the key `prefix + str(first[field])` named by a
        field of the first value (a JSON object; a dotted field names one inside another);
        its value is appended, None when absent."""

    @abstractmethod
    def set(self, key: str, value: str, ttl: int, only_if_absent: bool = False) -> bool:
        """Store value for ttl seconds; with only_if_absent, False when the key exists."""

    @abstractmethod
    def getdel(self, key: str) -> str | None:
        """Return and remove in one step: exactly one caller ever sees the value."""

    @abstractmethod
    def getdel_following(
        self, also: str | None, key: str, marker: tuple[str, int], follows: tuple[tuple[str, str], ...]
    ) -> tuple[str | None, str | None, list[str | None]]:
        """getdel that also keeps the value under marker=(key, ttl), so that a second attempt
        can be recognised as reuse, reads each key that a (field, prefix) of `follows` names
        in the removed value (as in mget_following) and the key `also`; all in one step.
        Returns (also's value, the value, the followed values); None where absent."""

    @abstractmethod
    def delete(self, *keys: str) -> int: ...

    @abstractmethod
    def add_member(self, key: str, member: str, ttl: int) -> None:
        """Add to the set at key; the set lives at least ttl seconds from now."""

    @abstractmethod
    def members(self, key: str) -> list[str]: ...

    @abstractmethod
    def remove_member(self, key: str, member: str) -> None: ...

    @abstractmethod
    def incr(self, key: str, ttl: int) -> int:
        """Increment a counter; the window (ttl) starts at the first increment."""

    @abstractmethod
    def count_in_window(self, key: str, now: float, window: int) -> tuple[int, float, float]:
        """Count one event in a window that opens at its first event and closes `window`
        seconds later, by the caller's clock (not the store's expiry, which a test cannot
        move). Returns (count, when the window opened, when the previous event was; now
        for the first)."""

    @abstractmethod
    def ttl(self, key: str) -> int:
        """Seconds left, or -2 when the key does not exist."""

    @abstractmethod
    def ping(self) -> bool: ...

    @abstractmethod
    def clear(self) -> None:
        """Remove every key under this store's prefix (tests)."""

    async def read_ahead(self, reads: list[StoreRead]) -> list:
        """The results of `reads`, on the event loop. This default suits a store without I/O."""
        return [read.run(self) for read in reads]

    def waiting_on_loop(self, wait) -> Store:
        """This store for plain code in a greenlet on the running event loop
        (idp/serving/on_loop.py), `wait` awaiting there. This default suits a store without I/O."""
        return self

    def get_json(self, key: str) -> Any:
        raw = self.get(key)
        return None if raw is None else json.loads(raw)

    def set_json(self, key: str, value: Any, ttl: int, only_if_absent: bool = False) -> bool:
        return self.set(key, json.dumps(value, separators=(",", ":")), ttl, only_if_absent)

    def getdel_json(self, key: str) -> Any:
        raw = self.getdel(key)
        return None if raw is None else json.loads(raw)
