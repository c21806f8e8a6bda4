"""The stock page: counts per site by stage, kind and grade; devices waiting too long."""

import datetime as dt

import pytest

from collecte.domain.models import utcnow
from collecte.services import stock


def test_waiting_days_parse_the_environment_form():
    assert stock.parse_waiting_days("received=7, diagnosed=5") == {"received": 7, "diagnosed": 5}
    assert stock.parse_waiting_days("") == {}
    with pytest.raises(ValueError):
        stock.parse_waiting_days("nowhere=3")


def test_waiting_days_take_config_then_environment(monkeypatch):
    monkeypatch.setenv("COLLECTE_WAITING_DAYS", "received=2")
    days = stock.waiting_days({"WAITING_DAYS": {"received": 4, "checked": 9}})
    assert days["received"] == 2 and days["checked"] == 9 and days["ready"] == 30


def test_the_stock_counts_by_stage_kind_and_grade(make, world):
    make.device("received", operator=world.operator, site=world.site)
    make.device("received", operator=world.operator, site=world.site, kind="smartphone")
    make.device("ready", operator=world.operator, site=world.site, grade="A")
    make.device("ready", operator=world.other_operator, site=world.other_site)
    (entry,) = stock.stock(world.tech, stock.DEFAULT_WAITING_DAYS)
    assert entry.site.id == world.site.id
    assert entry.by_stage == {"received": 2, "ready": 1}
    assert entry.by_kind["smartphone"] == {"received": 1}
    assert entry.by_grade == {"A": 1}


def test_devices_past_their_stage_limit_are_listed(make, world):
    old = make.device("received", operator=world.operator, site=world.site,
                      stage_changed_at=utcnow() - dt.timedelta(days=10))
    make.device("received", operator=world.operator, site=world.site)
    (entry,) = stock.stock(world.tech, {"received": 7})
    assert [(d.id, days, limit) for d, days, limit in entry.waiting] == [(old.id, 10, 7)]


def test_the_stock_page_is_accessible_tables(login_as, client, make, world):
    make.device("received", operator=world.operator, site=world.site,
                stage_changed_at=utcnow() - dt.timedelta(days=30), model="<b>T480</b>")
    login_as(world.tech)
    page = client.get("/workshop/stock").get_data(as_text=True)
    assert "<caption>" in page and 'scope="row"' in page
    assert "&lt;b&gt;T480&lt;/b&gt;" in page and "<b>T480</b>" not in page


def test_the_stock_of_another_operators_site_is_not_found(login_as, client, world):
    login_as(world.tech)
    assert client.get(f"/workshop/stock?site={world.other_site.id}").status_code == 404


def test_a_donor_has_no_stock_page(login_as, client, world):
    login_as(world.donor)
    assert client.get("/workshop/stock").status_code == 404
