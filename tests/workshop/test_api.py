"""API of the workshop records and transfers: contract, guards, scoping."""

from collecte.domain.codes import new_code
from collecte.services import workshop
from tests.conftest import new_event_id

PROBLEM = "application/problem+json"


def test_a_diagnosis_is_posted_then_listed(api_as, make, world):
    device = make.device("received", operator=world.operator)
    client = api_as(world.tech)
    response = client.post(f"/api/v1/devices/{device.code}/diagnosis", json={
        "cpu": "i5-8250U", "ram_gb": 8, "defects": ["battery"],
        "media": [{"medium_type": "ssd", "serial": "S1", "capacity_gb": 256}]})
    assert response.status_code == 201, response.json
    listed = client.get(f"/api/v1/devices/{device.printed_code}/diagnosis").json
    assert listed["cpu"] == "i5-8250U" and listed["media"][0]["serial"] == "S1"
    assert listed["diagnoses"][0]["defects"] == ["battery"]


def test_erasures_cover_every_medium_and_open_wiped(api_as, make, world):
    device = make.device("diagnosed", operator=world.operator)
    client = api_as(world.tech)
    client.post(f"/api/v1/devices/{device.code}/diagnosis", json={
        "media": [{"medium_type": "ssd", "serial": "S1"}, {"medium_type": "hdd", "serial": "H2"}]})
    media = client.get(f"/api/v1/devices/{device.code}/diagnosis").json["media"]
    body = {"technique": "overwrite", "tool": "nwipe", "tool_version": "0.37",
            "erasures": [{"medium_id": media[0]["id"], "level": "purge", "verification": "passed"}]}
    partial = client.post(f"/api/v1/devices/{device.code}/erasures", json=body)
    assert partial.status_code == 422 and partial.mimetype == PROBLEM
    assert "H2" in partial.json["detail"] and partial.json["missing_media"] == [media[1]["id"]]
    body["erasures"].append({"medium_id": media[1]["id"], "level": "destroy",
                             "verification": "passed"})
    assert client.post(f"/api/v1/devices/{device.code}/erasures", json=body).status_code == 201
    erasures = client.get(f"/api/v1/devices/{device.code}/erasures").json
    assert [e["level"] for e in erasures] == ["purge", "destroy"] and erasures[0]["operator"]
    scan = client.post("/api/v1/scans", json={"code": device.code, "to": "wiped",
                                              "client_event_id": new_event_id()})
    assert scan.status_code == 201


def test_a_clear_erasure_is_refused_by_the_api(api_as, make, world, records):
    device = make.device("diagnosed", operator=world.operator)
    records.diagnose(world.tech, device, "ssd")
    (medium,) = workshop.list_media(device)
    response = api_as(world.tech).post(f"/api/v1/devices/{device.code}/erasures", json={
        "technique": "overwrite", "tool": "nwipe", "tool_version": "0.37",
        "erasures": [{"medium_id": medium.id, "level": "clear", "verification": "passed"}]})
    assert response.status_code == 422
    assert "Purge" in str(response.json["errors"])


def test_a_reset_and_a_check_are_recorded(api_as, make, world):
    device = make.device("refurbished", operator=world.operator, kind="tablet")
    client = api_as(world.tech)
    assert client.post(f"/api/v1/devices/{device.code}/resets", json={
        "factory_reset": True, "activation_lock_released": True}).status_code == 201
    assert len(client.get(f"/api/v1/devices/{device.code}/resets").json) == 1
    check = client.post(f"/api/v1/devices/{device.code}/checks", json={
        "checklist": {item: True for item in workshop.CHECK_ITEMS}, "grade": "B"})
    assert check.status_code == 201 and check.json["passed"]
    assert client.get(f"/api/v1/devices/{device.code}/checks").json[0]["grade"] == "B"


def test_unknown_fields_and_grades_are_refused(api_as, make, world):
    device = make.device("refurbished", operator=world.operator)
    client = api_as(world.tech)
    assert client.post(f"/api/v1/devices/{device.code}/checks", json={
        "checklist": {}, "grade": "comme neuf"}).status_code == 422
    response = client.post(f"/api/v1/devices/{device.code}/checks", json={
        "checklist": {}, "grade": "A", "operator_id": 1})
    assert response.status_code == 422 and "operator_id" in response.json["detail"]


def test_another_operators_device_is_404_and_says_nothing(api_as, make, world):
    device = make.device("received", operator=world.other_operator, serial="SECRET-42")
    client = api_as(world.tech)
    for response in (client.get(f"/api/v1/devices/{device.code}/diagnosis"),
                     client.post(f"/api/v1/devices/{device.code}/diagnosis", json={"cpu": "x"}),
                     client.get(f"/api/v1/devices/{new_code()}/erasures")):
        assert response.status_code == 404
        assert "SECRET" not in response.get_data(as_text=True)


def test_a_donor_gets_404_on_workshop_records(api_as, make, world):
    device = make.device("received", operator=world.operator, donor=world.donor_org)
    assert api_as(world.donor).get(f"/api/v1/devices/{device.code}/checks").status_code == 404


def test_a_transfer_is_idempotent(api_as, make, world):
    second = make.site(world.operator, "75")
    device = make.device("ready", operator=world.operator, site=world.site)
    body = {"code": device.code, "site_id": second.id, "client_event_id": new_event_id()}
    client = api_as(world.tech)
    first = client.post("/api/v1/transfers", json=body)
    assert first.status_code == 201 and first.json["site"]["id"] == second.id
    assert client.post("/api/v1/transfers", json=body).status_code == 200
