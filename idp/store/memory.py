"""In-process store for the embedded default: one lock, expiry by the project clock."""

from __future__ import annotations

import json
import threading

from idp.clock import clock
from idp.store.base import Store, format_window, parse_window


def _field(raw: str | None, field: str):
    try:
        decoded = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    for name in field.split("."):
        decoded = decoded.get(name) if isinstance(decoded, dict) else None
    return decoded


class MemoryStore(Store):
    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self._data: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires <= clock.time():
            del self._data[key]
            return None
        return value

    def get(self, key):
        with self._lock:
            return self._live(self.prefix + key)

    def mget(self, keys):
        with self._lock:
            return [self._live(self.prefix + k) for k in keys]

    def mget_following(self, keys, field, prefix):
        with self._lock:
            values = [self._live(self.prefix + k) for k in keys]
            return [*values, self._follow(values[0], field, prefix)]

    def set(self, key, value, ttl, only_if_absent=False):
        key = self.prefix + key
        with self._lock:
            if only_if_absent and self._live(key) is not None:
                return False
            self._data[key] = (value, clock.time() + ttl)
            return True

    def _getdel(self, key):
        key = self.prefix + key
        value = self._live(key)
        self._data.pop(key, None)
        return value

    def _follow(self, raw, field, prefix):
        reference = _field(raw, field)
        return self._live(self.prefix + prefix + str(reference)) if reference is not None else None

    def getdel(self, key):
        with self._lock:
            return self._getdel(key)

    def getdel_following(self, also, key, marker, follows):
        with self._lock:
            read = self._live(self.prefix + also) if also else None
            value = self._getdel(key)
            if value is not None:
                marker_key, ttl = marker
                self._data[self.prefix + marker_key] = (value, clock.time() + ttl)
            return read, value, [self._follow(value, field, prefix) for field, prefix in follows]

    def delete(self, *keys):
        with self._lock:
            removed = 0
            for key in keys:
                if self._live(self.prefix + key) is not None:
                    removed += 1
                self._data.pop(self.prefix + key, None)
            return removed

    def add_member(self, key, member, ttl):
        key = self.prefix + key
        with self._lock:
            current = self._live(key)
            # one set, added to in place as Redis's SADD does: copying it made each
            # authorization of a long SSO session cost as much as all before it
            members = current if current is not None else set()
            members.add(member)
            expires = max(self._data[key][1] if current is not None else 0, clock.time() + ttl)
            self._data[key] = (members, expires)

    def members(self, key):
        with self._lock:
            return sorted(self._live(self.prefix + key) or ())

    def remove_member(self, key, member):
        key = self.prefix + key
        with self._lock:
            current = self._live(key)
            if current is not None:
                current.discard(member)

    def incr(self, key, ttl):
        key = self.prefix + key
        with self._lock:
            current = self._live(key)
            if current is None:
                self._data[key] = ("1", clock.time() + ttl)
                return 1
            value = int(current) + 1
            self._data[key] = (str(value), self._data[key][1])
            return value

    def count_in_window(self, key, now, window):
        with self._lock:
            full_key = self.prefix + key
            count, started, last = parse_window(self._live(full_key), now, window)
            self._data[full_key] = (format_window(count + 1, started, now), clock.time() + window + 60)
            return count + 1, started, last

    def ttl(self, key):
        key = self.prefix + key
        with self._lock:
            if self._live(key) is None:
                return -2
            return max(0, int(self._data[key][1] - clock.time()))

    def ping(self):
        return True

    def clear(self):
        with self._lock:
            self._data.clear()
