"""Pooled PostgreSQL connections: one that died while idle is replaced, not a 500."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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

