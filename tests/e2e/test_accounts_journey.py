"""A manager edits an account of its own organisation from the keyboard; the account rules'
refusals are shown in plain words; no WCAG 2.1 A/AA violation on the way."""

from collecte.services import demo
from tests.e2e.conftest import assert_accessible, login


def test_a_manager_renames_its_account_but_cannot_change_its_own_role(live_server, page):
    live_server.run(lambda make: demo.seed())
    login(page, live_server, "manager@demo.test", demo.DEMO_PASSWORD)
    page.get_by_role("link", name="Comptes des utilisateurs").click()
    table = page.get_by_role("table", name="Comptes que vous pouvez modifier")
    assert table.get_by_role("cell", name="manager@demo.test").count() == 1
    assert table.get_by_text("admin@demo.test").count() == 0  # an admin is never listed
    assert_accessible(page)

    table.get_by_role("link", name="Manager Démo").click()
    assert_accessible(page)
    page.get_by_label("Rôle").select_option("technician")
    page.get_by_label("Nom").press("Enter")  # submitted from the keyboard
    page.wait_for_load_state()
    assert page.get_by_text("Personne ne change son propre rôle", exact=False).count() >= 1
    assert_accessible(page)  # the form re-shown with its error

    page.get_by_label("Rôle").select_option("manager")
    page.get_by_label("Nom").fill("Responsable renommée")
    page.get_by_role("button", name="Enregistrer").press("Enter")
    page.wait_for_url("**/admin/users")
    assert page.get_by_text("Le compte est modifié.").count() == 1
    assert table.get_by_role("link", name="Responsable renommée").count() == 1
