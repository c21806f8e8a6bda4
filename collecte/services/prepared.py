"""Core statements sent on the driver's cursor: the three statements of a scan on PostgreSQL.

Every API call reads its token's user, and a scan then reads the device and writes the move.
Run through `Connection.execute`, even from SQLAlchemy's compiled cache, each of these cost the
worker more than PostgreSQL spent on it: the execution context, the result object and its
metadata (psycopg builds a Column object per column for `cursor.description`). Measured with
callgrind, sending them on the cursor is a fifth of a scan's instructions (docs/BENCHMARKS.md).

So a `Prepared` statement is compiled once per dialect by SQLAlchemy (the very SQL that
`Connection.execute` would send, casts included) and run on the DBAPI cursor of the caller's
Connection, in its transaction; the row comes back as a plain tuple. Driver errors become
SQLAlchemy's exceptions (IntegrityError, OperationalError...) and a lost connection is
invalidated, as SQLAlchemy does, so callers and the 503 handler see no difference. Statements
whose parameters or columns need converting in Python (SQLite's dates) run through SQLAlchemy
unchanged, as do other dialects than PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import Select


class Prepared:
    """A statement returning rows, to be run many times with different parameters."""

    def __init__(self, statement: Select) -> None:
        self.statement = statement
        self._sql: dict[Dialect, Any] = {}  # dialect -> compiled form, or None: use execute

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Sequence | None:
        """The first row (a tuple on the driver path, a Row otherwise), or None."""
        compiled = self._compiled(connection.dialect)
        if compiled is None:
            return connection.execute(self.statement, params).first()
        values = compiled.construct_params(params)
        dbapi_connection = connection.connection
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(compiled.string, values)
            return cursor.fetchone()
        except connection.dialect.loaded_dbapi.Error as error:
            raise _as_sqlalchemy_error(connection, compiled.string, values, cursor,
                                       error) from error
        finally:
            cursor.close()

    def scalar(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        row = self.first(connection, params)
        return None if row is None else row[0]

    def _compiled(self, dialect: Dialect):
        try:
            return self._sql[dialect]
        except KeyError:
            compiled = None
            if dialect.name == "postgresql":
                compiled = self.statement.compile(
                    dialect=dialect, compile_kwargs={"render_postcompile": True})
                if _converts_in_python(self.statement, compiled, dialect):
                    compiled = None
            self._sql[dialect] = compiled
            return compiled


def _converts_in_python(statement: Select, compiled, dialect: Dialect) -> bool:
    """Whether SQLAlchemy would convert a parameter or a column value for this dialect: such
    statements must go through `Connection.execute`, which does it."""
    binds = (bind.type.dialect_impl(dialect).bind_processor(dialect)
             for bind in compiled.binds.values())
    results = (column.type.dialect_impl(dialect).result_processor(dialect, None)
               for column in statement.selected_columns)
    return any(binds) or any(results)


def _as_sqlalchemy_error(connection: Connection, sql: str, params: Mapping, cursor,
                         error: Exception) -> exc.DBAPIError:
    """What `Connection.execute` would raise for this driver error; a connection the server
    dropped is invalidated first, so that the pool replaces it."""
    dialect = connection.dialect
    lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
    if lost:
        connection.invalidate(error)
    return exc.DBAPIError.instance(sql, params, error, dialect.loaded_dbapi.Error,
                                   connection_invalidated=lost, dialect=dialect)
