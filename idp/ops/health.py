"""Readiness checks: can this process serve a sign-in right now?

Each check is a plain function returning a Check; none writes anything. The
database must answer and be migrated to the head of the migration scripts
(a pod of a new release must not take traffic before the migration Job ran),
the short-lived store must answer a ping, and a signing key must load.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text

from idp.db import db
from idp.services import services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""

    def as_dict(self) -> dict:
        body = {"status": "ok" if self.ok else "failing"}
        if self.detail:
            body["detail"] = self.detail
        return body


@functools.cache
def migration_heads(directory: str) -> frozenset[str]:
    """The head revision(s) of the migration scripts this code ships (read once per process)."""
    return frozenset(ScriptDirectory(directory).get_heads())


def database() -> Check:
    heads = migration_heads(current_app.extensions["migrate"].directory)
    try:
        with db.engine.connect() as connection:
            current = frozenset(
                row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))
            )
    except Exception as exc:
        # An unreachable server and an unmigrated one both land here; say which. The driver's
        # own message (not SQLAlchemy's, which quotes the statement) names a missing table.
        reason = "not migrated" if "alembic_version" in str(getattr(exc, "orig", exc)) else "unreachable"
        log.warning("readiness: database %s (%s)", reason, type(exc).__name__)
        return Check("database", False, reason)
    if current != heads:
        return Check(
            "database",
            False,
            f"at {','.join(sorted(current)) or 'nothing'}, code expects {','.join(sorted(heads))}",
        )
    return Check("database", True)


def store() -> Check:
    if services().store.ping():
        return Check("store", True)
    log.warning("readiness: short-lived store does not answer")
    return Check("store", False, "unreachable")


def signing_key() -> Check:
    try:
        services().keyring.signing_key("RS256")
    except Exception as exc:
        log.warning("readiness: no signing key (%s)", type(exc).__name__)
        return Check("signing_key", False, "no usable RS256 key")
    return Check("signing_key", True)


CHECKS = (database, store, signing_key)


def readiness() -> list[Check]:
    return [check() for check in CHECKS]
