"""Values no column can hold, typed into pages' queries and forms: a clear refusal or the
default, never a 500 (found by probing every filter with huge, negative and non-finite numbers)."""

from __future__ import annotations

import pytest

from tests.conftest import login

HUGE = "9" * 25


@pytest.fixture
def database_url(sqlite_url):
    """SQLite overflows at 2**63 (PostgreSQL at 2**31, where the same guards apply)."""
    return sqlite_url


QUERIES = ["/devices?page=" + HUGE, "/devices?page=-5", "/manager/?site=" + HUGE,
           "/manager/?operator=" + HUGE, "/manager/?from=2026-13-45", "/manager/?region=" + HUGE,
           "/manager/exports/devices.csv?site=" + HUGE, "/workshop/stock?site=" + HUGE,
           "/labels/printers/" + HUGE, "/labels/alignment.pdf?profile_id=" + HUGE,
           "/social/requests/new?beneficiary=" + HUGE, "/find?q=" + "x" * 5000,
           "/d/" + "Z" * 500, "/jobs/nope/result"]


@pytest.mark.parametrize("role", ["national_manager", "tech", "social", "donor", "admin"])
def test_filters_and_ids_no_column_can_hold_are_refused_or_ignored(client, world, role):
    login(client, getattr(world, role))
    for url in QUERIES:
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        assert response.status_code in (200, 302, 303, 400, 404, 422), (url, response.status_code)


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "1e400"])
def test_non_finite_numbers_in_forms_are_refused_with_a_message(client, world, value):
    login(client, world.donor)
    response = client.post("/donor/pledges/new", data={
        "laptop": "1", "pickup_address": "1 rue de la Paix", "contact_name": "Camille",
        "contact_email": "camille@example.org", "declared_value": value})
    assert response.status_code == 422
    if value != "1e400":  # a finite Decimal: refused by the range instead
        assert "Indiquez un nombre" in response.get_data(as_text=True)
    client.post("/logout")
    login(client, world.tech)
    response = client.post("/labels/printers", data={
        "name": "Laser", "layout_id": "avery-l7163", "offset_x_mm": value, "offset_y_mm": "0"})
    assert response.status_code == 422
