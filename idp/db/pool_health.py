"""Pooled PostgreSQL connections checked only after they sat idle.

SQLAlchemy's pool_pre_ping costs a round trip on every checkout, which on a busy
token endpoint is one query in five. A connection used a moment ago is alive (or
its failure is detected and the pool invalidated on the spot); only one that has
been idle longer than the threshold, which a database restart or a NAT timeout
may have killed, is pinged before it is handed out.
"""

from __future__ import annotations

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

IDLE_BEFORE_PING = 10.0
_LAST_USED = "idp_last_used"


def ping_when_idle(engine: Engine, idle_seconds: float = IDLE_BEFORE_PING) -> None:
    @event.listens_for(engine, "checkin")
    def _remember_use(dbapi_connection, record) -> None:
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy) -> None:
        last_used = record.info.get(_LAST_USED)
        if last_used is None or time.monotonic() - last_used < idle_seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if not engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            # The pool drops this connection and checks out (or opens) another.
            raise exc.DisconnectionError("pooled connection died while idle")
