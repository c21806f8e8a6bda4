"""GET /api/v1/devices and /api/v1/devices/{code}: scoped, filtered, paginated."""

from tests.conftest import new_event_id


def test_each_role_lists_only_what_its_organisation_may_see(api_as, make, world):
    mine = make.device("received", operator=world.operator, donor=world.donor_org)
    theirs = make.device("received", operator=world.other_operator,
                         donor=world.other_donor_org)
    expectations = {
        world.tech: {mine.code}, world.other_tech: {theirs.code},
        world.donor: {mine.code}, world.other_donor: {theirs.code},
        world.social: set(), world.national_manager: {mine.code, theirs.code},
        world.manager: {mine.code}, world.admin: {mine.code, theirs.code},
    }
    for user, expected in expectations.items():
        items = api_as(user).get("/api/v1/devices").json["items"]
        assert {i["code"].replace("-", "") for i in items} == expected, user.role


def test_devices_filter_by_stage_and_kind_and_paginate(api_as, make, world):
    for _ in range(3):
        make.device("received", operator=world.operator, kind="laptop")
    make.device("ready", operator=world.operator, kind="tablet")
    client = api_as(world.tech)
    assert client.get("/api/v1/devices?stage=ready").json["total"] == 1
    assert client.get("/api/v1/devices?kind=laptop").json["total"] == 3
    page = client.get("/api/v1/devices?per_page=2&page=2").json
    assert page["total"] == 4 and len(page["items"]) == 2


def test_bad_filters_are_422(api_as, world):
    client = api_as(world.tech)
    assert client.get("/api/v1/devices?stage=flying").status_code == 422
    assert client.get("/api/v1/devices?per_page=100000").status_code == 422
    assert client.get("/api/v1/devices?kind=toaster").status_code == 422
    assert client.get("/api/v1/devices?colour=red").status_code == 422


def test_one_device_comes_with_its_history(api_as, make, world):
    device = make.device("received", operator=world.operator)
    client = api_as(world.tech)
    client.post("/api/v1/scans", json={"code": device.code, "to": "diagnosed",
                                       "client_event_id": new_event_id()})
    body = client.get(f"/api/v1/devices/{device.printed_code.lower()}").json
    assert [e["to_stage"] for e in body["history"]] == ["received", "diagnosed"]


def test_a_donor_cannot_read_another_donors_device(api_as, make, world):
    device = make.device("received", operator=world.operator, donor=world.donor_org)
    assert api_as(world.other_donor).get(f"/api/v1/devices/{device.code}").status_code == 404


def test_the_openapi_document_describes_the_core_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    assert {"/api/v1/devices", "/api/v1/devices/{code}", "/api/v1/scans",
            "/api/v1/jobs/{job_id}"} <= set(spec["paths"])
    assert "bearer" in spec["components"]["securitySchemes"]


def test_the_interactive_docs_are_served_from_the_app_itself(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert b"http://" not in page.data.replace(b"http://localhost", b"")
    asset = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
