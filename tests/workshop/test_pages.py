"""The workshop pages without JavaScript: scan station form, record forms, scanner test."""

from sqlalchemy import select

from collecte.domain.codes import new_code
from collecte.domain.models import Device, ErasureRecord
from collecte.domain.scanner import US_TO_AZERTY
from collecte.services import workshop


def _scan(client, code, action, **extra):
    return client.post("/workshop/scan", data={"action": action, "code": code, **extra})


def test_the_technicians_home_links_to_the_station_stock_and_scanner_test(login_as, client, world):
    login_as(world.tech)
    page = client.get("/workshop/").get_data(as_text=True)
    for path in ("/workshop/scan", "/workshop/stock", "/workshop/scanner-test"):
        assert f'href="{path}"' in page


def test_the_station_page_carries_the_csrf_meta_and_an_autofocused_field(login_as, client, world):
    login_as(world.tech)
    page = client.get("/workshop/scan").get_data(as_text=True)
    assert '<meta name="csrf-token"' in page and "autofocus" in page
    assert 'aria-live="assertive"' in page


def test_a_scan_without_javascript_moves_the_device_and_is_logged(login_as, client, db, make,
                                                                   world):
    device = make.device("received", operator=world.operator)
    login_as(world.tech)
    page = _scan(client, device.printed_code.lower(), "diagnosed").get_data(as_text=True)
    assert "passé à l&#39;étape Diagnostiqué" in page
    db.session.refresh(device)
    assert device.stage == "diagnosed"
    again = client.get("/workshop/scan").get_data(as_text=True)
    assert device.printed_code in again  # the session's list stays on the page


def test_a_label_url_typed_by_a_us_scanner_on_azerty_is_understood(login_as, client, db, make,
                                                                    world):
    device = make.device("received", operator=world.operator)
    typed = "".join(US_TO_AZERTY.get(c, c) for c in f"http://127.0.0.1:5000/d/{device.code}")
    login_as(world.tech)
    _scan(client, typed, "diagnosed")
    assert db.session.get(Device, device.id).stage == "diagnosed"


def test_each_refusal_says_why(login_as, client, make, world):
    device = make.device("received", operator=world.operator)
    login_as(world.tech)
    wrong = _scan(client, device.code, "ready").get_data(as_text=True)
    assert "étapes possibles : Diagnostiqué" in wrong
    assert "aucun appareil" in _scan(client, new_code(), "diagnosed").get_data(as_text=True)
    mistyped = device.code[:-1] + ("0" if device.code[-1] != "0" else "1")
    assert "Code mal saisi" in _scan(client, mistyped, "diagnosed").get_data(as_text=True)
    _scan(client, device.code, "diagnosed")
    assert "déjà à l&#39;étape" in _scan(client, device.code, "diagnosed").get_data(as_text=True)
    guard = _scan(client, device.code, "wiped").get_data(as_text=True)
    assert "Aucun support de stockage" in guard
    assert f"/workshop/devices/{device.code}/erasure" in guard


def test_another_operators_device_is_unknown_at_the_station(login_as, client, db, make, world):
    device = make.device("received", operator=world.other_operator, model="Secret")
    login_as(world.tech)
    page = _scan(client, device.code, "diagnosed").get_data(as_text=True)
    assert "aucun appareil" in page and "Secret" not in page
    assert db.session.get(Device, device.id).stage == "received"


def test_parts_needs_a_reason_and_keeps_it(login_as, client, db, make, world):
    device = make.device("received", operator=world.operator)
    login_as(world.tech)
    assert "Indiquez la raison" in _scan(client, device.code, "parts").get_data(as_text=True)
    _scan(client, device.code, "parts", note="Carte mère HS")
    db.session.refresh(device)
    assert (device.stage, device.outcome_reason) == ("parts", "Carte mère HS")


def test_a_transfer_at_the_station_changes_the_site(login_as, client, db, make, world):
    second = make.site(world.operator, "75", name="Paris Nord")
    device = make.device("received", operator=world.operator, site=world.site)
    login_as(world.tech)
    page = _scan(client, device.code, "transfer", site_id=second.id).get_data(as_text=True)
    assert "Paris Nord" in page
    assert db.session.get(Device, device.id).site_id == second.id


def test_the_diagnosis_form_lists_media_and_redirects(login_as, client, make, world):
    device = make.device("received", operator=world.operator)
    login_as(world.tech)
    assert client.get(f"/workshop/devices/{device.code}/diagnosis").status_code == 200
    response = client.post(f"/workshop/devices/{device.code}/diagnosis", data={
        "cpu": "i5", "ram_gb": "8", "media-0-medium_type": "ssd", "media-0-capacity_gb": "256",
        "media-0-serial": "S1", "defects": ["battery"], "next": "/workshop/scan"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/workshop/scan")
    assert [m.serial for m in workshop.list_media(device)] == ["S1"]


def test_the_next_parameter_never_leaves_the_workshop(login_as, client, make, world):
    device = make.device("received", operator=world.operator)
    login_as(world.tech)
    response = client.post(f"/workshop/devices/{device.code}/diagnosis",
                           data={"cpu": "i5", "next": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"/workshop/devices/{device.code}")


def test_the_erasure_form_is_reshown_naming_the_missing_medium(login_as, client, db, make, world,
                                                               records):
    device = make.device("diagnosed", operator=world.operator)
    records.diagnose(world.tech, device, "ssd", "hdd")
    ssd, hdd = workshop.list_media(device)
    login_as(world.tech)
    page = client.post(f"/workshop/devices/{device.code}/erasure", data={
        "technique": "block_erase", "tool": "nwipe", "tool_version": "0.37",
        f"level_{ssd.id}": "purge", f"verification_{ssd.id}": "passed"}).get_data(as_text=True)
    assert "Le formulaire contient des erreurs" in page and hdd.serial in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalars(select(ErasureRecord)).all() == []
    clear = client.post(f"/workshop/devices/{device.code}/erasure", data={
        "technique": "block_erase", "tool": "nwipe", "tool_version": "0.37",
        f"level_{ssd.id}": "clear", f"verification_{ssd.id}": "passed",
        f"level_{hdd.id}": "purge", f"verification_{hdd.id}": "passed"}).get_data(as_text=True)
    assert "ne suffit pas" in clear


def test_the_check_form_sets_the_grade(login_as, client, db, make, world):
    device = make.device("refurbished", operator=world.operator)
    login_as(world.tech)
    response = client.post(f"/workshop/devices/{device.code}/check", data={
        "items": list(workshop.CHECK_ITEMS), "grade": "A"})
    assert response.status_code == 303
    db.session.refresh(device)
    assert device.grade == "A"
    assert "comme neuf" not in client.get(f"/workshop/devices/{device.code}/check")\
        .get_data(as_text=True).lower()


def test_the_reset_form_refuses_a_half_done_reset(login_as, client, make, world):
    device = make.device("diagnosed", operator=world.operator, kind="smartphone")
    login_as(world.tech)
    page = client.post(f"/workshop/devices/{device.code}/reset",
                       data={"factory_reset": "y"}).get_data(as_text=True)
    assert "verrou d&#39;activation" in page.lower() and workshop.list_resets(device) == []


def test_the_scanner_test_page_explains_a_mistranslating_scanner(login_as, client, make, world):
    device = make.device("received", operator=world.operator)
    typed = "".join(US_TO_AZERTY.get(c, c) for c in device.printed_code)
    login_as(world.tech)
    page = client.get("/workshop/scanner-test", query_string={"text": typed}).get_data(as_text=True)
    assert device.printed_code in page and "QWERTY" in page


def test_the_service_worker_is_served_for_the_workshop_scope(client):
    response = client.get("/workshop/sw.js")
    assert response.status_code == 200 and "javascript" in response.mimetype
    assert response.headers["Service-Worker-Allowed"] == "/workshop/"


def test_workshop_pages_are_not_found_for_a_social_worker(login_as, client, world):
    login_as(world.social)
    for path in ("/workshop/", "/workshop/scan", "/workshop/stock"):
        assert client.get(path).status_code == 404
