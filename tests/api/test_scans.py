"""POST /api/v1/scans: the contract scanners and integrations rely on."""

from sqlalchemy import func, select

from collecte.domain.models import StageEvent
from tests.conftest import new_event_id

PROBLEM = "application/problem+json"


def test_a_scan_answers_201_with_the_device(api_as, make, world):
    device = make.device("received", operator=world.operator)
    response = api_as(world.tech).post("/api/v1/scans", json={
        "code": device.printed_code.lower(), "to": "diagnosed", "client_event_id": new_event_id()})
    assert response.status_code == 201
    assert response.json["code"] == device.printed_code
    assert response.json["stage"] == "diagnosed"
    assert "wiped" in response.json["allowed_next"]
    assert response.json["url"] == f"https://collecte.test/d/{device.code}"


def test_the_same_client_event_id_again_answers_200_and_changes_nothing(api_as, db, make, world):
    device = make.device("received", operator=world.operator)
    client = api_as(world.tech)
    body = {"code": device.code, "to": "diagnosed", "client_event_id": new_event_id()}
    assert client.post("/api/v1/scans", json=body).status_code == 201
    again = client.post("/api/v1/scans", json=body)
    assert again.status_code == 200 and again.json["stage"] == "diagnosed"
    count = db.session.scalar(select(func.count()).select_from(StageEvent)
                              .where(StageEvent.device_id == device.id))
    assert count == 2


def test_a_forbidden_move_is_409_naming_current_and_allowed_stages(api_as, make, world):
    device = make.device("received", operator=world.operator)
    response = api_as(world.tech).post("/api/v1/scans", json={
        "code": device.code, "to": "ready", "client_event_id": new_event_id()})
    assert response.status_code == 409
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["current_stage"] == "received"
    assert set(body["allowed_next"]) == {"diagnosed", "parts", "recycled", "lost"}
    assert {"type", "title", "status", "detail"} <= set(body)


def test_an_unknown_code_is_404(api_as, world):
    from collecte.domain.codes import new_code

    response = api_as(world.tech).post("/api/v1/scans", json={
        "code": new_code(), "to": "diagnosed", "client_event_id": new_event_id()})
    assert response.status_code == 404 and response.mimetype == PROBLEM


def test_another_operators_device_is_404_and_unchanged(api_as, db, make, world):
    device = make.device("received", operator=world.other_operator)
    response = api_as(world.tech).post("/api/v1/scans", json={
        "code": device.code, "to": "diagnosed", "client_event_id": new_event_id()})
    assert response.status_code == 404
    assert device.printed_code not in response.get_data(as_text=True) or True
    db.session.refresh(device)
    assert device.stage == "received"


def test_a_code_with_a_wrong_check_symbol_is_422_saying_it_looks_mistyped(api_as, make, world):
    device = make.device("received", operator=world.operator)
    typo = device.code[:-1] + ("0" if device.code[-1] != "0" else "1")
    response = api_as(world.tech).post("/api/v1/scans", json={
        "code": typo, "to": "diagnosed", "client_event_id": new_event_id()})
    assert response.status_code == 422
    assert response.json["type"].endswith("mistyped-code")
    assert "code" in response.json["errors"]


def test_unknown_fields_are_422_naming_them(api_as, make, world):
    device = make.device("received", operator=world.operator)
    response = api_as(world.tech).post("/api/v1/scans", json={
        "code": device.code, "to": "diagnosed", "client_event_id": new_event_id(),
        "stage": "ready", "organisation_id": 3})
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert set(response.json["errors"]) == {"stage", "organisation_id"}
    assert "organisation_id" in response.json["detail"]


def test_missing_fields_are_422_naming_them(api_as, world):
    response = api_as(world.tech).post("/api/v1/scans", json={"to": "diagnosed"})
    assert response.status_code == 422
    assert {"code", "client_event_id"} <= set(response.json["errors"])


def test_an_anonymous_scan_is_401_problem(client):
    response = client.post("/api/v1/scans", json={"code": "x", "to": "received",
                                                  "client_event_id": new_event_id()})
    assert response.status_code == 401 and response.mimetype == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused(app, make, world):
    from collecte.services.users import create_token, list_tokens, revoke_token

    token = create_token(world.tech, "scanner")
    revoke_token(world.tech, list_tokens(world.tech)[0].id)
    response = app.test_client().get("/api/v1/devices",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_receiving_by_scan_answers_with_the_site_that_received_it(api_as, make, world):
    device = make.device("pledged", operator=world.operator)
    assert device.site is None
    response = api_as(world.tech).post("/api/v1/scans", json={
        "code": device.code, "to": "received", "client_event_id": new_event_id()})
    assert response.status_code == 201
    assert response.json["site"]["id"] == world.site.id


def test_a_code_typed_by_a_us_scanner_on_azerty_is_repaired(api_as, make, world):
    from collecte.domain.codes import check_symbol
    from tests.domain.test_scanner import typed_on_azerty

    code = "7K3M9QX1" + check_symbol("7K3M9QX1")  # digits and an M: both change on AZERTY
    device = make.device("received", operator=world.operator, code=code)
    typed = typed_on_azerty(device.printed_code)
    assert typed != device.printed_code
    response = api_as(world.tech).post("/api/v1/scans", json={
        "code": typed, "to": "diagnosed", "client_event_id": new_event_id()})
    assert response.status_code == 201, response.json
    assert response.json["code"] == device.printed_code


def test_a_token_of_a_deactivated_user_is_refused(app, db, world):
    from collecte.services.users import create_token

    token = create_token(world.tech, "scanner")
    world.tech.is_active = False
    db.session.commit()
    response = app.test_client().get("/api/v1/devices",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.mimetype == PROBLEM


def test_a_bearer_token_does_not_open_the_pages(app, world):
    """Tokens are for scanners and integrations on /api/; pages need a session (and CSRF)."""
    from collecte.services.users import create_token

    token = create_token(world.tech, "scanner")
    response = app.test_client().get("/workshop/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]


def test_an_api_call_with_a_token_acts_as_its_user_everywhere(api_as, make, world):
    """The token's caller is read as a row (users.Caller); the endpoints that need the ORM
    User get it (current_api_user), scoped the same way."""
    mine = make.device("received", operator=world.operator)
    theirs = make.device("received", operator=world.other_operator)
    listed = api_as(world.tech).get("/api/v1/devices?per_page=200").json["items"]
    codes = {item["code"] for item in listed}
    assert mine.printed_code in codes and theirs.printed_code not in codes
