"""Shared by the security tests: one app per engine for a whole module, the people of `world`
logged in (one client per role), and the builder of own/other objects."""

from __future__ import annotations

import pytest

from collecte.extensions import db
from tests.security.matrix_objects import ROLES, Builder


def _matrix(engine, request, tmp_path_factory, auth="session"):
    """`auth`: "session" (log in through the form) or "bearer" (a token per person, as
    scanners and integrations call the API)."""
    from tests.conftest import login, make_app
    from tests.factories import Factory

    tmp = tmp_path_factory.mktemp(f"matrix-{engine}")
    sqlite_url = f"sqlite:///{tmp / 'matrix.sqlite'}"
    url = sqlite_url if engine == "sqlite" else request.getfixturevalue("pg_url")
    # A server error comes back as a 500 response (and fails the case), not as an exception.
    app = make_app(url, tmp, PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        make = Factory(db.session)
        world = make.world()
        clients = {"anonymous": app.test_client()}
        for role in ROLES:
            user = {"donor": world.donor, "technician": world.tech, "social_worker": world.social,
                    "manager": world.manager, "admin": world.admin}[role]
            if auth == "session":
                clients[role] = login(app.test_client(), user)
            else:
                from collecte.services.users import create_token

                clients[role] = app.test_client()
                clients[role].environ_base["HTTP_AUTHORIZATION"] = \
                    f"Bearer {create_token(user, 'matrix')}"
        yield engine, Builder(make, world, tmp / "data"), clients
        db.session.remove()
        if engine == "postgresql":
            from tests.conftest import _truncate_all

            _truncate_all(url)
        db.engine.dispose()


@pytest.fixture(scope="module")
def sqlite_matrix(request, tmp_path_factory):
    yield from _matrix("sqlite", request, tmp_path_factory)


@pytest.fixture(scope="module")
def postgresql_matrix(request, tmp_path_factory):
    # The PostgreSQL slice calls the API with bearer tokens: both ways of authenticating meet
    # the same scoping.
    yield from _matrix("postgresql", request, tmp_path_factory, auth="bearer")
