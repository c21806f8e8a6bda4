"""A database that cannot be reached gives a 503 with Retry-After, on pages and on the API."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from tests.conftest import new_event_id


def _lost_connection(*args, **kwargs):
    raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


@pytest.fixture
def sqlite_app(sqlite_url, tmp_path):
    from collecte.extensions import db
    from tests.conftest import make_app

    app = make_app(sqlite_url, tmp_path)
    app.add_url_rule("/test-lost-database", "lost_database", _lost_connection)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_a_page_answers_503_with_retry_after_when_the_database_is_away(sqlite_app):
    response = sqlite_app.test_client().get("/test-lost-database")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "momentanément injoignable" in response.get_data(as_text=True)


def test_a_scan_answers_a_503_problem_when_the_database_is_away(sqlite_app, monkeypatch):
    from collecte.extensions import db
    from collecte.services import stages
    from collecte.services.users import create_token
    from tests.factories import Factory

    world = Factory(db.session).world()
    device = Factory(db.session).device("received", operator=world.operator)
    client = sqlite_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_token(world.tech, 'test')}"
    monkeypatch.setattr(stages, "advance", _lost_connection)
    response = client.post("/api/v1/scans", json={"code": device.code, "to": "diagnosed",
                                                  "client_event_id": new_event_id()})
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    assert response.json["type"] == "urn:collecte:problem:database-unavailable"
    # The next request works: the session was rolled back, nothing was left half-done.
    monkeypatch.undo()
    again = client.post("/api/v1/scans", json={"code": device.code, "to": "diagnosed",
                                               "client_event_id": new_event_id()})
    assert again.status_code == 201


def test_a_token_that_cannot_be_checked_gives_a_503_not_a_500(sqlite_app, monkeypatch):
    """Found under a real PostgreSQL restart: the 503 problem is translated, and the language
    selector read the user's language, which asked the unreachable database again."""
    from collecte.services import users

    client = sqlite_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer clt_anything"
    monkeypatch.setattr(users, "caller_for_token", _lost_connection)
    response = client.get("/api/v1/devices")
    assert response.status_code == 503, response.get_data(as_text=True)[:200]
    assert response.json["type"] == "urn:collecte:problem:database-unavailable"
