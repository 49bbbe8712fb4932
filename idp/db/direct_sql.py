"""Single statements on the token endpoint's path, each in autocommit on a pooled connection.

Through the ORM session a statement costs a BEGIN, a COMMIT or ROLLBACK and the
unit of work's bookkeeping on top of its own round trip. A code exchange writes
one row and a refresh claims one and writes one, each atomic on its own, so
they run here: one round trip each, no session. Statements are built once with
bind parameters, so SQLAlchemy compiles each only once per process.
"""

from __future__ import annotations

from sqlalchemy import Executable, Row

from idp.db import db


def _connection():
    return db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def first(statement: Executable, params: dict) -> Row | None:
    with _connection() as connection:
        return connection.execute(statement, params).first()


def run(statement: Executable, params: dict) -> int:
    """Execute; the number of rows it touched."""
    with _connection() as connection:
        return connection.execute(statement, params).rowcount
