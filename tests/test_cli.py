"""The command line: demo data, users, tokens."""

from sqlalchemy import func, select

from collecte.domain.models import Device, Organisation, StageEvent, User
from collecte.domain.stages import Stage


def test_seed_demo_creates_every_stage_once_and_not_twice(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "donor@demo.test" in first.output and "password: demo" in first.output
    stages = set(db.session.scalars(select(Device.stage).distinct()))
    assert stages == {s.value for s in Stage}
    devices = db.session.scalar(select(func.count(Device.id)))
    assert 190 <= devices <= 210
    events = db.session.scalar(select(func.count(StageEvent.id)))
    assert events > devices * 3
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "already there" in second.output
    assert db.session.scalar(select(func.count(Device.id))) == devices
    assert db.session.scalar(select(func.count(Organisation.id))) == 5
    roles = set(db.session.scalars(select(User.role)))
    assert roles == {"donor", "technician", "social_worker", "manager", "admin"}


def test_token_create_prints_the_token_alone_on_its_last_line(app, world):
    result = app.test_cli_runner().invoke(args=["token", "create", world.tech.email])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("clt_") and " " not in token
    response = app.test_client().get("/api/v1/devices",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_token_create_for_an_unknown_email_fails_clearly(app):
    result = app.test_cli_runner().invoke(args=["token", "create", "nobody@example.org"])
    assert result.exit_code != 0 and "nobody@example.org" in result.output


def test_user_create_puts_a_user_in_an_organisation(app, db, make):
    org = make.org("social_partner", "CCAS Test")
    result = app.test_cli_runner().invoke(args=[
        "user", "create", "new@example.org", "--role", "social_worker",
        "--organisation", "CCAS Test", "--password", "s3cret-pass"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new@example.org"))
    assert user.organisation_id == org.id


def test_user_create_refuses_a_role_the_organisation_cannot_have(app, make):
    make.org("donor_company", "Donor Co")
    result = app.test_cli_runner().invoke(args=[
        "user", "create", "x@example.org", "--role", "technician",
        "--organisation", "Donor Co", "--password", "s3cret-pass"])
    assert result.exit_code != 0


def test_the_demo_data_leaves_the_dashboard_counters_exact(app, db):
    from collecte.services import counters

    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    assert counters.check(db.session) == []
