"""The dashboard page and the weekly summary mail."""

from sqlalchemy import select

from collecte.domain.models import OutboxMail
from collecte.services import dashboard


def test_the_dashboard_shows_the_goal_with_a_progress_bar_and_tables(client, login_as, world,
                                                                      counted):
    counted("ready", operator=world.operator, grade="A")
    login_as(world.national_manager)
    response = client.get("/manager/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<progress id="goal-progress" max="2000000" value="0">' in html
    assert "2 000 000" in html or "2\u202f000\u202f000" in html  # French grouping
    assert "<svg" in html and "<caption" in html
    assert "style=" not in html and "<script>" not in html


def test_a_bad_filter_is_shown_as_a_message(client, login_as, world):
    login_as(world.national_manager)
    response = client.get("/manager/?from=2026-03-01&to=2026-01-01")
    assert response.status_code == 422
    assert "La date de début doit précéder la date de fin" in response.get_data(as_text=True)
    assert client.get("/manager/?from=hier").status_code == 422


def test_an_operator_manager_cannot_open_another_operators_site(client, login_as, world):
    login_as(world.manager)
    assert client.get(f"/manager/?site={world.site.id}").status_code == 200
    assert client.get(f"/manager/exports/devices.csv?site={world.other_site.id}"
                      ).status_code == 404


def test_other_roles_do_not_find_the_dashboard(client, login_as, world):
    login_as(world.tech)
    assert client.get("/manager/").status_code == 404


def test_the_weekly_summary_is_queued_once_per_manager_and_week(db, world, counted):
    counted("ready", operator=world.operator)
    assert dashboard.weekly_summaries() == 3  # both operators' managers and the national one
    assert dashboard.weekly_summaries() == 0
    mails = db.session.scalars(select(OutboxMail)).all()
    assert {m.to_address for m in mails} == {world.manager.email, world.other_manager.email,
                                             world.national_manager.email}
    assert "objectif" in mails[0].body


def test_a_background_export_shows_its_progress(client, login_as, world):
    login_as(world.national_manager)
    response = client.post("/manager/exports", data={"export": "opendata", "format": "csv",
                                                     "departement": "91"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "<progress" in page.get_data(as_text=True)
