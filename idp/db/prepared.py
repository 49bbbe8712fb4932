"""Statements on the token endpoint's path, compiled once per process and run on the driver.

A code exchange writes one row and a refresh rotates one in place, each in one statement.
Through a SQLAlchemy Connection each statement costs a pool checkout with its
events, the execution context, the parameter and result processing, about 200 µs
of CPU on top of the driver's own work (docs/BENCHMARKS.md). Here a statement is
compiled once for the engine's dialect, with the bind and result processors of its
column types taken from SQLAlchemy, and run on a pooled DBAPI connection in
autocommit: psycopg prepares it on the server at its first use on each connection
(`prepare=True`), SQLite keeps it in its own statement cache. A request served on the
event loop hands an engine of its own (`run_compiled`: one of the loop's connections,
idp/db/loop_connections.py); compiling and the processing of values stay here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, Executable, exc


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # qmark drivers (SQLite): the parameters' order
    binds: dict  # name → bind processor
    names: tuple[str, ...]  # of the returned columns
    processed: tuple[tuple[str, object], ...]  # (name, result processor) of those that have one


class Prepared:
    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, engine: Engine) -> _Compiled:
        dialect = engine.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            done = self.statement.compile(dialect=dialect)
            binds = {}
            for name, bind in done.binds.items():
                processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if processor is not None:
                    binds[name] = processor
            columns = tuple(getattr(self.statement, "exported_columns", ()))
            compiled = self._compiled[dialect.name] = _Compiled(
                done.string,
                tuple(done.positiontup) if done.positiontup else None,
                binds,
                tuple(column.key for column in columns),
                tuple(
                    (column.key, process)
                    for column in columns
                    if (process := column.type.dialect_impl(dialect).result_processor(dialect, None))
                ),
            )
        return compiled

    def _params(self, compiled: _Compiled, params: dict):
        binds = compiled.binds
        if compiled.positions is not None:
            return tuple(
                binds[name](params[name]) if name in binds else params[name] for name in compiled.positions
            )
        return {name: binds[name](value) if name in binds else value for name, value in params.items()}

    def _execute(self, engine, params: dict, fetch: bool):
        compiled = self._for(engine)
        values = self._params(compiled, params)
        # the event loop's connections (idp/db/loop_connections.py)
        run_compiled = getattr(engine, "run_compiled", None)
        try:
            if run_compiled is None:
                found = _on_pool(engine, compiled.sql, values, fetch)
            else:
                found = run_compiled(compiled.sql, values, fetch)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DBAPIError.instance(
                compiled.sql, params, error, engine.dialect.loaded_dbapi.Error
            ) from error
        if not fetch or found is None:
            return found
        row = dict(zip(compiled.names, found, strict=True))
        for name, process in compiled.processed:
            row[name] = process(row[name])
        return row

    def first(self, engine, params: dict) -> dict | None:
        """The first row the statement returns, by column name; None when it returns none."""
        return self._execute(engine, params, fetch=True)

    def run(self, engine, params: dict) -> int:
        """Execute; the number of rows it touched."""
        return self._execute(engine, params, fetch=False)


def _on_pool(engine: Engine, sql: str, values, fetch: bool):
    """One statement on a pooled connection: psycopg commits it by itself (autocommit); SQLite's
    driver has no such mode here, so its statement's implicit transaction is committed after it."""
    connection = engine.raw_connection()  # a failure to connect comes wrapped already
    dialect, driver = engine.dialect, connection.driver_connection
    psycopg = dialect.driver == "psycopg"
    try:
        if psycopg:
            driver.autocommit = True
        cursor = driver.cursor()  # the driver's own, not the pool's proxy of it
        try:
            if psycopg:
                cursor.execute(sql, values, prepare=True)
            else:
                cursor.execute(sql, values)
            found = next(iter(cursor.fetchall()), None) if fetch else cursor.rowcount
        finally:
            cursor.close()
        if not psycopg:
            connection.commit()
        return found
    except dialect.loaded_dbapi.Error as error:
        # As SQLAlchemy itself would: a dead connection leaves the pool.
        if dialect.is_disconnect(error, driver, None):
            connection.invalidate()
        elif not psycopg:
            connection.rollback()
        raise
    finally:
        if psycopg and not driver.closed:
            driver.autocommit = False
        connection.close()
