"""In Chromium: log in, open a device by its code, move it one stage; pages pass axe-core."""

from tests.e2e.conftest import assert_accessible, login


def _setup(make):
    world = make.world()
    device = make.device("received", operator=world.operator, make="Dell", model="Latitude 5490")
    return world.tech.email, device.code, device.printed_code


def test_a_technician_opens_a_device_by_its_code_and_moves_it_one_stage(live_server, page):
    email, code, printed = live_server.run(_setup)
    page.goto(f"{live_server.url}/login")
    assert_accessible(page)
    login(page, live_server, email)
    assert_accessible(page)
    # Type the code as a person would: lower case, no dashes.
    page.get_by_label("Ouvrir un appareil par son code").fill(code.lower())
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/d/{code}")
    assert printed in page.locator("h1").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Passer à : Diagnostiqué").click()
    status = page.get_by_role("status")
    assert "Diagnostiqué" in status.inner_text()
    assert page.locator(".facts .badge").inner_text() == "Diagnostiqué"
    assert_accessible(page)


def test_the_device_page_of_a_qr_code_asks_an_anonymous_visitor_to_log_in(live_server, page):
    email, code, _ = live_server.run(_setup)
    page.goto(f"{live_server.url}/d/{code}")
    assert "/login" in page.url
    login(page, live_server, email, navigate=False)
    assert page.url.endswith(f"/d/{code}")


def test_the_language_switch_shows_english(live_server, page):
    email, code, _ = live_server.run(_setup)
    login(page, live_server, email)
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page)
