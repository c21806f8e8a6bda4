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
whose parameters or columns need converting in Python (SQLite's dates), or that SQLAlchemy
completes at execution (IN lists), run through SQLAlchemy unchanged, as do other dialects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import Select


class Prepared:
    """A statement returning rows, to be run many times with different parameters."""

    def __init__(self, statement: Select) -> None:
        self.statement = statement
        # Per dialect (one per engine): None means Connection.execute. Weak keys: a test run
        # builds an app, and so an engine, per test.
        self._driver: WeakKeyDictionary[Dialect, _DriverForm | None] = WeakKeyDictionary()

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Sequence | None:
        """The first row (a tuple on the driver path, a Row otherwise), or None."""
        form = self._driver_form(connection.dialect)
        if form is None:
            return connection.execute(self.statement, params).first()
        values = form.values(params)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(form.sql, values)
            return cursor.fetchone()
        except connection.dialect.loaded_dbapi.Error as error:
            raise _as_sqlalchemy_error(connection, form.sql, values, cursor, error) from error
        finally:
            cursor.close()

    def scalar(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        row = self.first(connection, params)
        return None if row is None else row[0]

    def _driver_form(self, dialect: Dialect) -> _DriverForm | None:
        try:
            return self._driver[dialect]
        except KeyError:
            form = _DriverForm.of(self.statement, dialect) if dialect.name == "postgresql" \
                else None
            self._driver[dialect] = form
            return form


@dataclass(frozen=True)
class _DriverForm:
    """The statement's SQL for one dialect, the values it binds itself (a scope's
    organisation id...) and the names each call must give."""

    sql: str
    fixed: dict[str, Any]
    required: frozenset[str]

    @classmethod
    def of(cls, statement: Select, dialect: Dialect) -> _DriverForm | None:
        """None for what only Connection.execute handles: values converted in Python,
        IN lists expanded at execution, renamed or late-bound parameters."""
        compiled = statement.compile(dialect=dialect)
        binds = compiled.bind_names  # BindParameter -> its name in the SQL
        if (_converts_in_python(statement, compiled, dialect) or compiled.post_compile_params
                or compiled.escaped_bind_names
                or any(bind.callable or (bind.required and bind.key != name)
                       for bind, name in binds.items())):
            return None
        return cls(compiled.string,
                   {name: bind.value for bind, name in binds.items() if not bind.required},
                   frozenset(name for bind, name in binds.items() if bind.required))

    def values(self, params: Mapping[str, Any]) -> dict[str, Any]:
        if not self.required <= params.keys():
            missing = ", ".join(sorted(self.required - params.keys()))
            raise exc.ArgumentError(f"A value is required for bind parameters: {missing}")
        return {**self.fixed, **params}


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
