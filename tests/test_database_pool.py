"""Pooled PostgreSQL connections: one that died while idle is replaced, not a 500."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from collecte import extensions
from collecte.extensions import db as _db
from tests.conftest import make_app


@pytest.mark.postgres
def test_a_connection_killed_while_idle_is_replaced_before_use(pg_url, tmp_path, monkeypatch):
    app = make_app(pg_url, tmp_path, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1,
                                                                "max_overflow": 0})
    monkeypatch.setattr(extensions, "PING_AFTER_IDLE_S", 0.0)
    admin = create_engine(make_url(pg_url), isolation_level="AUTOCOMMIT")
    try:
        with app.app_context():
            before = _db.session.scalar(text("SELECT pg_backend_pid()"))
            _db.session.remove()  # back to the pool, idle
            with admin.connect() as conn:  # as a PostgreSQL restart would
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
            after = _db.session.scalar(text("SELECT pg_backend_pid()"))
            assert after != before
            _db.session.remove()
    finally:
        admin.dispose()
        with app.app_context():
            _db.engine.dispose()



def test_sqlite_takes_the_write_lock_at_begin_and_keeps_its_pragmas(sqlite_url, tmp_path):
    """extensions.configure_sqlite: a read-then-write transaction holds the write lock from
    its first statement, so a second writer waits instead of failing mid-transaction."""
    app = make_app(sqlite_url, tmp_path)
    with app.app_context():
        assert _db.session.scalar(text("PRAGMA journal_mode")) == "wal"
        assert _db.session.scalar(text("PRAGMA foreign_keys")) == 1
        _db.session.scalar(text("SELECT 1"))  # a read: the transaction has begun
        other = create_engine(sqlite_url, connect_args={"timeout": 0})
        try:
            with other.connect() as conn, pytest.raises(OperationalError, match="locked"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            other.dispose()
        _db.session.rollback()


@pytest.mark.postgres
def test_the_postgresql_engine_dispatches_no_execute_events(pg_url, tmp_path):
    """A connection-event listener registered on the Engine class (as the SQLite ones once
    were) makes every engine dispatch its execute events on every statement: measured, a
    twentieth of a scan's instructions. The SQLite listeners live on SQLite engines only."""
    app = make_app(pg_url, tmp_path)
    with app.app_context():
        try:
            assert _db.session.scalar(text("SELECT 1")) == 1
            assert _db.engine._has_events is False
        finally:
            _db.session.remove()
            _db.engine.dispose()
