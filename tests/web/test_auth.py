"""Logging in and out, CSRF on forms, language, security headers."""

import re

from tests.conftest import make_app


def test_a_user_logs_in_with_the_right_password_and_out_again(client, world):
    assert client.get("/").status_code == 302
    response = client.post("/login", data={"email": world.tech.email.upper(),
                                           "password": "password"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_a_wrong_password_re_shows_the_form_with_an_error(client, world):
    response = client.post("/login", data={"email": world.tech.email, "password": "nope"})
    assert response.status_code == 422
    assert "mot de passe incorrect" in response.get_data(as_text=True)


def test_passwords_are_stored_as_argon2_hashes(world):
    assert world.tech.password_hash.startswith("$argon2")


def test_forms_refuse_a_post_without_csrf_token(database_url, tmp_path, make):
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        world = make.world()
        response = client.post("/login", data={"email": world.tech.email,
                                               "password": "password"})
        assert response.status_code == 400
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post("/login", data={"email": world.tech.email,
                                               "password": "password", "csrf_token": token})
        assert response.status_code == 302


def test_bearer_calls_need_no_csrf_token_but_cookie_calls_do(database_url, tmp_path, make):
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        from collecte.services.users import create_token

        world = make.world()
        device = make.device("received", operator=world.operator)
        token = create_token(world.tech)
        body = {"code": device.code, "to": "diagnosed", "client_event_id": "e2b6c1f4-0001"}
        bearer = app.test_client().post("/api/v1/scans", json=body,
                                        headers={"Authorization": f"Bearer {token}"})
        assert bearer.status_code == 201
        browser = app.test_client()
        page = browser.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        browser.post("/login", data={"email": world.tech.email, "password": "password",
                                     "csrf_token": csrf})
        body["client_event_id"] = "e2b6c1f4-0002"
        body["to"] = "parts"
        body["note"] = "broken"
        assert browser.post("/api/v1/scans", json=body).status_code == 400
        ok = browser.post("/api/v1/scans", json=body, headers={"X-CSRFToken": csrf})
        assert ok.status_code == 201


def test_pages_are_french_by_default_and_english_on_request(client, world):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in page and "Connexion" in page
    client.post("/lang", data={"lang": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page


def test_the_language_switch_never_redirects_off_site(client):
    response = client.post("/lang", data={"lang": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_every_page_carries_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_header_a_view_set_itself_is_kept_and_the_others_added_once(app):
    from flask import make_response

    def framed():
        response = make_response("ok")
        response.headers["x-frame-options"] = "SAMEORIGIN"
        return response

    app.add_url_rule("/_framed", "framed", framed)
    response = app.test_client().get("/_framed")
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    plain = app.test_client().get("/login")
    assert plain.headers.getlist("X-Frame-Options") == ["DENY"]


def test_a_token_call_sets_no_cookie_and_a_session_still_holds(database_url, tmp_path, make):
    """web/session_cookie.py skips the session's set-up where there is no cookie."""
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        from collecte.services.users import create_token

        world = make.world()
        device = make.device("received", operator=world.operator)
        scan = app.test_client().post(
            "/api/v1/scans", json={"code": device.code, "to": "diagnosed",
                                   "client_event_id": "7a0c55e2-0001"},
            headers={"Authorization": f"Bearer {create_token(world.tech)}"})
        assert scan.status_code == 201 and "Set-Cookie" not in scan.headers
        browser = app.test_client()
        page = browser.get("/login")
        assert "Set-Cookie" in page.headers  # the CSRF token lives in the session
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                         page.get_data(as_text=True)).group(1)
        login = browser.post("/login", data={"email": world.tech.email,
                                             "password": "password", "csrf_token": csrf})
        assert login.status_code == 302
        assert browser.get(f"/d/{device.code}").status_code == 200
        assert browser.post("/logout", data={"csrf_token": csrf}).status_code == 302
        assert browser.get(f"/d/{device.code}").status_code == 302  # to the login page


def test_a_login_after_next_goes_back_to_the_page_asked_for(client, make, world):
    device = make.device("received", operator=world.operator)
    response = client.post("/login", data={"email": world.tech.email, "password": "password",
                                           "next": f"/d/{device.code}"})
    assert response.headers["Location"] == f"/d/{device.code}"
