"""services.prepared: statements sent on the driver's cursor behave as Connection.execute does:
same rows, same exceptions, a lost connection replaced."""

from __future__ import annotations

import pytest
from sqlalchemy import Integer, String, TypeDecorator, bindparam, cast, create_engine, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from collecte.domain.models import Device
from collecte.services.prepared import Prepared

_D = Device.__table__.c
# A parameter per call (the code) and one bound in the statement itself (as a scope's id is).
BY_CODE = select(_D.id, _D.code, _D.stage, _D.stage_changed_at, _D.serial).where(
    _D.code == bindparam("code"), _D.version >= 1)


# The driver's own errors: PostgreSQL only (SQLite's statements go through SQLAlchemy).
on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def test_rows_are_those_sqlalchemy_reads(db, make, world):
    device = make.device("received", operator=world.operator)
    db.session.commit()
    prepared = Prepared(BY_CODE)
    connection = db.session.connection()
    row = prepared.first(connection, {"code": device.code})
    assert tuple(row) == tuple(connection.execute(BY_CODE, {"code": device.code}).first())
    assert prepared.first(connection, {"code": "000000000"}) is None
    assert prepared.scalar(connection, {"code": device.code}) == device.id
    driver_path = connection.dialect.name == "postgresql"
    assert isinstance(row, tuple) is driver_path  # SQLite: a Row from Connection.execute
    if driver_path:
        assert row[3].tzinfo is not None  # timestamptz: an aware datetime, as SQLAlchemy gives


def test_in_lists_and_missing_values_behave_as_with_sqlalchemy(db, make, world):
    device = make.device("received", operator=world.operator)
    db.session.commit()
    connection = db.session.connection()
    in_stages = Prepared(select(_D.id).where(_D.code == bindparam("code"),
                                             _D.stage.in_(["received", "diagnosed"])))
    assert in_stages.scalar(connection, {"code": device.code}) == device.id
    with pytest.raises(sa_exc.SQLAlchemyError, match="code"):
        Prepared(BY_CODE).first(connection, {})


class _Shouting(TypeDecorator):
    """A type converted in Python on the way out: such statements stay with SQLAlchemy."""

    impl = String
    cache_ok = True

    def process_result_value(self, value, dialect):
        return None if value is None else value.upper()


def test_a_statement_converted_in_python_runs_through_sqlalchemy(db, make, world):
    device = make.device("received", operator=world.operator)
    db.session.commit()
    shouting = Prepared(select(cast(_D.stage, _Shouting)).where(_D.id == bindparam("id")))
    assert shouting.scalar(db.session.connection(), {"id": device.id}) == "RECEIVED"


@pytest.mark.postgres
@on_postgresql
def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(db):
    bad = Prepared(select(cast(bindparam("n", type_=String), Integer)))
    with pytest.raises(sa_exc.DataError) as info:
        bad.first(db.session.connection(), {"n": "not a number"})
    assert "invalid input syntax" in str(info.value.orig)
    assert not info.value.connection_invalidated
    db.session.rollback()
    assert bad.scalar(db.session.connection(), {"n": "42"}) == 42


@pytest.mark.postgres
@on_postgresql
def test_a_connection_the_server_dropped_is_invalidated_and_replaced(db, pg_url):
    pid_of = Prepared(select(cast(text("pg_backend_pid()"), Integer).label("pid")))
    connection = db.session.connection()
    pid = pid_of.scalar(connection, {})
    admin = create_engine(make_url(pg_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:  # as a PostgreSQL restart would
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()
    with pytest.raises(sa_exc.OperationalError) as info:  # the app's 503, not a 500
        pid_of.scalar(connection, {})
    assert info.value.connection_invalidated
    db.session.rollback()
    assert pid_of.scalar(db.session.connection(), {}) not in (None, pid)
