"""Login guessing is rate-limited (Flask-Limiter, memory store here, Redis in production), and a
production session cookie is Secure, HttpOnly and SameSite."""

from __future__ import annotations

import re

from collecte import create_app
from collecte.extensions import db
from tests.conftest import make_app
from tests.factories import Factory


def test_the_eleventh_login_post_in_a_minute_is_refused_with_a_clear_message(sqlite_url,
                                                                           tmp_path):
    app = make_app(sqlite_url, tmp_path, RATELIMIT_ENABLED=True,
                   RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        tech = Factory(db.session).world().tech
        guesser = app.test_client()
        for _ in range(10):
            response = guesser.post("/login", data={"email": tech.email, "password": "guess"})
            assert response.status_code == 422
        # The 11th, even with the right password: the limit counts attempts, not failures.
        response = guesser.post("/login", data={"email": tech.email, "password": "password"})
        assert response.status_code == 429
        assert "Trop de tentatives de connexion" in response.get_data(as_text=True)
        assert guesser.get("/").status_code == 302  # not logged in
        # The page itself and other addresses are not blocked.
        assert guesser.get("/login").status_code == 200
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
        response = other.post("/login", data={"email": tech.email, "password": "password"})
        assert response.status_code == 302
        db.engine.dispose()


def test_production_session_cookies_are_secure_http_only_and_same_site(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'prod.sqlite'}"
    setup = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(tmp_path),
                        "TESTING": True})
    with setup.app_context():
        from flask_migrate import upgrade

        upgrade()
        email = Factory(db.session).world().tech.email
        db.engine.dispose()
    monkeypatch.setenv("COLLECTE_ENV", "production")
    monkeypatch.setenv("COLLECTE_SECRET_KEY", "a-real-secret-for-this-test-only-0123456789")
    monkeypatch.setenv("COLLECTE_DATABASE_URL", url)
    monkeypatch.setenv("COLLECTE_DATA_DIR", str(tmp_path))
    app = create_app()
    assert app.config["RATELIMIT_ENABLED"] is not False
    client = app.test_client()
    page = client.get("/login", base_url="https://collecte.test").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", base_url="https://collecte.test",
                           headers={"Referer": "https://collecte.test/login"},  # CSRF over TLS
                           data={"email": email, "password": "password", "csrf_token": token})
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in session.split(";")}
    assert "secure" in flags and "httponly" in flags
    assert flags["samesite"].lower() == "samesite=lax"
    with app.app_context():
        db.engine.dispose()
