"""Service error messages reach people in their language: French first, English too."""

from __future__ import annotations

import datetime as dt
import io

from flask_babel import refresh

from collecte.domain import upload_checks
from collecte.errors import Invalid, Message, translated


def _english(client):
    """Chosen before logging in: the tests' requests share the app context of the `app`
    fixture, where Flask-Babel keeps the first request's language."""
    client.post("/lang", data={"lang": "en", "next": "/"})


def _expired_beneficiary(make, world):
    return make.beneficiary(world.partner, eligible_until=dt.date(2025, 3, 31),
                            attested_at=dt.date(2024, 4, 1))


def _request_for(api, beneficiary, **headers):
    return api.post("/api/v1/requests", headers=headers, json={
        "beneficiary_id": beneficiary.id, "device_kind": "laptop", "purpose": "job_search",
        "urgency": "standard"})


def test_a_flashed_refusal_is_in_english_for_an_english_user(client, login_as, world):
    _english(client)
    login_as(world.donor)
    page = client.post("/donor/impact", data={"year": "1990"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Choose a past year or the current year." in page
    assert "Choisissez une année" not in page


def test_a_flashed_refusal_is_in_french_by_default(client, login_as, world):
    login_as(world.donor)
    page = client.post("/donor/impact", data={"year": "1990"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Choisissez une année passée ou l&#39;année en cours." in page


def test_a_form_is_re_shown_with_the_service_refusal_in_english(client, login_as, world):
    _english(client)
    login_as(world.tech)
    response = client.post("/allocation/handover", data={"pickup_code": "ZZZZZZ"})
    page = response.get_data(as_text=True)
    # The reason and the count of attempts left, both in English, in one sentence.
    assert "You have 4 attempt(s) left before a 15-minute pause." in page
    assert "Il vous reste" not in page


def test_an_api_problem_is_in_the_language_of_its_user(api_as, world, make, db):
    world.social.locale = "en"
    db.session.commit()
    response = _request_for(api_as(world.social), _expired_beneficiary(make, world))
    assert response.status_code == 422
    assert response.json["detail"] == (
        "The eligibility attestation has no longer been valid since Apr 1, 2025: renew it "
        "before making a request.")
    assert response.json["errors"] == {"beneficiary_id": ["Eligibility attestation expired."]}
    assert response.json["expired_since"] == "2025-04-01"  # data members stay data


def test_an_api_problem_is_in_french_by_default(api_as, world, make):
    response = _request_for(api_as(world.social), _expired_beneficiary(make, world))
    assert response.status_code == 422
    assert "n'est plus valable depuis le 01/04/2025" in response.json["detail"]
    assert response.json["errors"] == {"beneficiary_id": ["Attestation d'éligibilité expirée."]}


def test_an_api_client_may_ask_for_english_with_accept_language(api_as, world, make):
    response = _request_for(api_as(world.social), _expired_beneficiary(make, world),
                            **{"Accept-Language": "en-GB,en;q=0.9"})
    assert response.json["detail"].startswith("The eligibility attestation")


def test_the_pages_scripts_get_api_messages_in_the_pages_language(client, login_as, world,
                                                                 api_as):
    """A browser's Accept-Language does not make the API answer a French page in English; a
    client with a token gets what it asks for."""
    english = {"Accept-Language": "en-US,en;q=0.9"}
    login_as(world.social)
    refresh()  # requests share the `app` fixture's context, where Flask-Babel keeps a language
    from_page = client.get("/api/v1/requests/999999", headers=english)
    assert from_page.status_code == 404
    assert from_page.json["detail"] == "Aucune demande avec ce numéro dans votre périmètre."
    refresh()
    from_token = api_as(world.social).get("/api/v1/requests/999999", headers=english)
    assert from_token.json["detail"] == "No request with this number in your area."


def test_pages_stay_french_whatever_the_browser_says(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Mot de passe" in page.get_data(as_text=True)


def test_numbers_in_a_message_are_formatted_for_the_reader(app):
    error = Invalid("Au plus %(n)s lignes par import.", params={"n": 10000},
                    errors={"file": [Message("%(mb)s Mo au plus.", mb=1500)]})
    with app.test_request_context("/api/v1/x", headers={"Accept-Language": "en"}):
        refresh()  # the `app` fixture's context keeps a language once asked
        assert translated(error) == "At most 10,000 lines per import."
        assert error.messages == {"file": ["1,500 MB at most."]}
    with app.test_request_context("/api/v1/x"):
        refresh()
        assert translated(error) == "Au plus 10\u202f000 lignes par import."


def test_outside_a_request_an_error_is_its_french_text(app):
    error = Invalid("Au plus %(n)s lignes par import.", params={"n": 10000})
    # Logs and job error records: French, with the values filled in.
    assert str(error) == error.detail == "Au plus 10\u202f000 lignes par import."
    assert translated(error) == str(error)


def test_a_refused_file_is_explained_in_english_with_its_limit(api_as, world, make, db):
    world.donor.locale = "en"
    db.session.commit()
    pledge = make.pledge(world.donor_org, status="draft", items={"laptop": 1})
    rows = upload_checks.MAX_ROWS + 1
    response = api_as(world.donor).post(
        f"/api/v1/pledges/{pledge.id}/inventory", content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"serial;make\n" + b"SN;Dell\n" * rows), "long.csv")})
    assert response.status_code == 422
    limit = f"{upload_checks.MAX_ROWS:,}"  # English thousands separator
    assert response.json["detail"] == f"At most {limit} lines per import."
