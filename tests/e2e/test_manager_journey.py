"""A manager opens the dashboard on demo data, filters to one département, downloads the CSV,
XLSX and open-data files (which validate), with no WCAG 2.1 A/AA violation on the way."""

from openpyxl import load_workbook

from collecte.extensions import db
from collecte.services import counters, demo, territories
from tests.e2e.conftest import assert_accessible, login
from tests.manager.test_exports import assert_valid_opendata


def _seed(make):
    demo.seed()
    counters.repair(db.session)  # until demo.seed() records its creations itself
    territories.load(db.session)


def _download(page, link_name, tmp_path):
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return path


def test_a_manager_follows_the_goal_filters_and_exports(live_server, page, tmp_path):
    live_server.run(_seed)
    login(page, live_server, "manager@demo.test", demo.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/manager/")
    assert page.locator("#goal-progress").count() == 1
    assert_accessible(page)

    page.get_by_label("Département", exact=True).select_option("91")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**departement=91**")
    assert page.get_by_label("Département", exact=True).input_value() == "91"
    assert_accessible(page)

    csv_path = _download(page, "Appareils (CSV pour Excel)", tmp_path)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("code;type;") and len(lines) > 1
    assert all(line.split(";")[8] in ("91", '"91"', "") for line in lines[1:])

    xlsx_path = _download(page, "Appareils (XLSX)", tmp_path)
    sheet = load_workbook(xlsx_path).active
    assert next(sheet.iter_rows(values_only=True))[0] == "code"

    opendata_path = _download(page, "Statistiques agrégées en données ouvertes (CSV UTF-8)",
                              tmp_path)
    assert_valid_opendata(opendata_path)
    assert all(",91,11," in line for line in opendata_path.read_text().splitlines()[1:])
