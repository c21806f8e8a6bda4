"""Test fixtures: an app per test on SQLite and on PostgreSQL, factories, logged-in clients."""

from __future__ import annotations

import os
import uuid

import pytest
from flask import g
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from collecte import create_app
from collecte.domain.models import Base
from collecte.extensions import db as _db
from tests import services_check
from tests.factories import Factory

# A database per test session, so parallel runs (and people) do not collide.
PG_DATABASE = os.environ.get("COLLECTE_TEST_PG_DB", f"collecte_test_{os.getpid()}")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "e2e" in item.nodeid.split("/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def pg_url():
    services_check.require("PostgreSQL", services_check.postgres_available())
    admin_url = make_url(services_check.PG_URL)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    url = admin_url.set(database=PG_DATABASE)
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def embedded_broker():
    """The embedded default's broker (a real Valkey server on a Unix socket), once per run."""
    from tests.workers.conftest import EmbeddedBroker

    broker = EmbeddedBroker()
    yield broker
    broker.stop()


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Each test that uses the database runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
        return
    url = request.getfixturevalue("pg_url")
    yield url
    _truncate_all(url)


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


def make_app(database_url: str, tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DATA_DIR": str(tmp_path / "data"),
        "JOBS_MODE": "record",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PUBLIC_URL": "https://collecte.test",
        "SERVER_NAME": None,
    }
    config.update(overrides)
    app = create_app(config)

    @app.before_request
    def _forget_previous_user():
        # Tests keep one app context open across requests, so `g` would carry the previous
        # request's user (Flask-Login caches it there); a real request starts with a fresh g.
        g.pop("_login_user", None)

    with app.app_context():
        if database_url.startswith("sqlite"):
            Base.metadata.create_all(_db.engine)
    return app


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def make(app):
    """Factories with domain arguments: make.device(stage="ready", operator=...)."""
    return Factory(_db.session)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(make):
    """Two of everything, to check that each one sees only its own."""
    return make.world()


def login(client, user, password="password"):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.data
    return client


@pytest.fixture
def login_as(client):
    def _login(user):
        return login(client, user)

    return _login


@pytest.fixture
def api_as(app, make):
    """A test client whose requests carry a bearer token of `user`."""

    def _client(user):
        from collecte.services.users import create_token

        token = create_token(user, "test")
        c = app.test_client()
        c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return c

    return _client


def new_event_id() -> str:
    return str(uuid.uuid4())
