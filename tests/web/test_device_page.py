"""/d/{code}: what a QR code opens; technicians get the next steps as buttons."""

from sqlalchemy import select

from collecte.domain.models import StageEvent


def test_the_device_page_shows_stage_history_and_next_steps(client, login_as, make, world):
    device = make.device("received", operator=world.operator, model="Latitude <b>x</b>")
    login_as(world.tech)
    page = client.get(f"/d/{device.code}").get_data(as_text=True)
    assert device.printed_code in page
    assert "Latitude &lt;b&gt;x&lt;/b&gt;" in page  # escaped, never markup
    assert 'value="diagnosed"' in page


def test_a_lenient_code_in_the_url_redirects_to_the_canonical_page(client, login_as, make, world):
    device = make.device("received", operator=world.operator)
    login_as(world.tech)
    response = client.get(f"/d/{device.printed_code.lower()}")
    assert response.status_code == 302 and response.headers["Location"].endswith(device.code)


def test_a_technician_moves_a_device_with_a_button_once_even_if_sent_twice(
        client, db, login_as, make, world):
    device = make.device("received", operator=world.operator)
    login_as(world.tech)
    form = {"to": "diagnosed", "client_event_id": "7d1c2a3b-0000-4000-8000-000000000001"}
    assert client.post(f"/d/{device.code}/move", data=form).status_code == 303
    assert client.post(f"/d/{device.code}/move", data=form).status_code == 303
    moves = db.session.scalars(select(StageEvent).where(StageEvent.device_id == device.id,
                                                        StageEvent.to_stage == "diagnosed"))
    assert len(list(moves)) == 1


def test_a_donor_sees_its_device_without_buttons_and_another_donor_gets_404(
        client, login_as, make, world):
    device = make.device("received", operator=world.operator, donor=world.donor_org)
    login_as(world.donor)
    page = client.get(f"/d/{device.code}").get_data(as_text=True)
    assert device.printed_code in page and 'name="to"' not in page
    client.post("/logout")
    login_as(world.other_donor)
    assert client.get(f"/d/{device.code}").status_code == 404


def test_a_refused_move_is_explained_on_the_page(client, login_as, make, world):
    device = make.device("diagnosed", operator=world.operator)
    login_as(world.tech)
    client.post(f"/d/{device.code}/move", data={
        "to": "wiped", "client_event_id": "7d1c2a3b-0000-4000-8000-000000000002"})
    page = client.get(f"/d/{device.code}").get_data(as_text=True)
    assert "support de stockage" in page


def test_the_device_list_filters_and_refuses_nonsense_quietly(client, login_as, make, world):
    make.device("ready", operator=world.operator)
    login_as(world.tech)
    assert client.get("/devices?stage=ready").status_code == 200
    assert client.get("/devices?stage=flying&page=x").status_code == 200
