"""GET /api/v1/reports/dashboard: figures from the counters, scoped, with checked filters."""

import datetime as dt

from collecte.domain.models import utcnow
from tests.manager.walk import step


def seed_handover(make, world, counted, site=None, days_ago=5):
    device = counted("reserved", operator=world.operator, site=site, grade="B")
    make.allocation(make.approved_request(world.partner), device, pickup_code=f"H{device.id}")
    return step(make, world, device, "allocated", utcnow() - dt.timedelta(days=days_ago))


def test_the_national_dashboard_counts_handovers_toward_the_goal(api_as, make, world, counted):
    seed_handover(make, world, counted)
    seed_handover(make, world, counted, days_ago=60)
    counted("ready", operator=world.other_operator, grade="A")
    body = api_as(world.national_manager).get("/api/v1/reports/dashboard").get_json()
    assert body["goal"]["count"] == 2
    assert body["goal"]["target"] == 2_000_000
    assert body["goal"]["deadline"] == "2027-12-31"
    assert body["goal"]["share"] == 2 / 2_000_000
    assert body["goal"]["projected_date"] is None  # at 1 a month: beyond the calendar
    assert body["funnel"]["allocated"] == 2
    assert body["pipeline"] == {"allocated": 2, "ready": 1}
    assert [d["code"] for d in body["by_department"]["departments"]] == ["69", "91"]
    assert body["stock"][0]["grade"] == "A"


def test_the_goal_is_configurable_and_projected_at_the_30_day_rate(app, api_as, make, world,
                                                                   counted):
    app.config.update(GOAL_TARGET=31, GOAL_DEADLINE="2030-01-01")
    seed_handover(make, world, counted)
    goal = api_as(world.national_manager).get("/api/v1/reports/dashboard").get_json()["goal"]
    assert (goal["target"], goal["deadline"], goal["count"]) == (31, "2030-01-01", 1)
    today = utcnow().date()
    assert goal["projected_date"] == (today + dt.timedelta(days=900)).isoformat()
    assert goal["rate_30"] == 1 / 30


def test_a_filter_on_one_departement_keeps_only_its_figures(api_as, make, world, counted):
    seed_handover(make, world, counted)
    counted("ready", operator=world.other_operator)
    body = api_as(world.national_manager).get(
        "/api/v1/reports/dashboard?departement=69").get_json()
    assert body["goal"]["count"] == 0
    assert body["pipeline"] == {"ready": 1}


def test_an_operator_manager_sees_only_its_own_sites(api_as, make, world, counted):
    seed_handover(make, world, counted)
    counted("ready", operator=world.other_operator)
    client = api_as(world.manager)
    assert client.get("/api/v1/reports/dashboard").get_json()["pipeline"] == {"allocated": 1}
    response = client.get(f"/api/v1/reports/dashboard?site={world.other_site.id}")
    assert response.status_code == 404
    assert client.get(f"/api/v1/reports/dashboard?operator={world.other_operator.id}"
                      ).status_code == 404


def test_unknown_codes_and_inverted_dates_are_refused_clearly(api_as, world):
    client = api_as(world.national_manager)
    response = client.get("/api/v1/reports/dashboard?departement=99")
    assert response.status_code == 422
    assert "departement" in response.get_json()["errors"]
    assert client.get("/api/v1/reports/dashboard?region=99").status_code == 422
    response = client.get("/api/v1/reports/dashboard?from=2026-02-01&to=2026-01-01")
    assert response.status_code == 422 and "from" in response.get_json()["errors"]
    assert client.get("/api/v1/reports/dashboard?kind=toaster").status_code == 422
    assert client.get("/api/v1/reports/dashboard?colour=red").status_code == 422


def test_other_roles_do_not_find_the_dashboard(api_as, world):
    assert api_as(world.tech).get("/api/v1/reports/dashboard").status_code == 404
    assert api_as(world.donor).get("/api/v1/reports/dashboard").status_code == 404


def test_lead_times_come_from_the_folded_event_log_and_waiting_devices_from_the_devices(
        api_as, db, make, world, counted):
    from tests.manager.test_detail_rollups import settle

    device = counted("received", operator=world.operator)
    step(make, world, device, "diagnosed", utcnow() - dt.timedelta(days=20))
    settle(db)
    client = api_as(world.national_manager)
    assert "lead_times" not in client.get("/api/v1/reports/dashboard").get_json()
    body = client.get("/api/v1/reports/dashboard?details=true").get_json()
    assert [r["stage"] for r in body["lead_times"]] == ["received"]
    # Created now, moved 20 days ago: a stay counted as 0, in the first bucket.
    assert body["lead_times"][0]["median_between"] == [0.0, round(1 / 24, 3)]
    assert body["waiting"][0]["stage"] == "diagnosed" and body["waiting"][0]["count"] == 1
