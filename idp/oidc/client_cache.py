"""Relying parties read once per process and kept for a short while.

Every token, introspection and authorization request names its client; a
database round trip for each is the largest fixed cost of those endpoints.
A change made by `lk-idp clients …` reaches other processes within `ttl`
seconds (the process that made it sees it at once).
"""

from __future__ import annotations

import threading

from idp.clock import clock
from idp.db import db
from idp.models import Client
from idp.services import blocking, orm_session


class ClientCache:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[Client | None, float]] = {}
        self._lock = threading.Lock()

    def get(self, client_id: str | None) -> Client | None:
        if not client_id:
            return None
        entry = self._entries.get(client_id)
        if entry is not None and entry[1] > clock.time():
            return entry[0]
        client = blocking(_read, client_id)
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[client_id] = (client, clock.time() + self.ttl)
        return client

    def invalidate(self, client_id: str | None = None) -> None:
        with self._lock:
            if client_id is None:
                self._entries.clear()
            else:
                self._entries.pop(client_id, None)


def _read(client_id: str) -> Client | None:
    with orm_session():
        client = Client.query.filter_by(client_id=client_id).first()
        if client is not None:
            db.session.expunge(client)  # a read-only snapshot, shared across requests
        return client
