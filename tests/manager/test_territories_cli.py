"""The INSEE territories file, its loader, and the counters' command line."""

from sqlalchemy import func, select

from collecte import reports_cli
from collecte.domain.models import Department, Region
from collecte.services import territories


def test_the_official_list_has_101_departements_and_18_regions():
    departments = territories.departments()
    assert len(departments) == 101 and len(territories.regions()) == 18
    assert {"01", "2A", "2B", "971", "976"} <= set(departments)
    assert departments["2A"] == ("Corse-du-Sud", "94")
    assert territories.departments_of_region("11") == ("75", "77", "78", "91", "92", "93", "94",
                                                       "95")
    assert territories.is_department("91") and not territories.is_department("20")


def runner(app):
    reports_cli.register(app)
    return app.test_cli_runner()


def test_loading_the_territories_twice_changes_nothing(app, db):
    cli = runner(app)
    for _ in range(2):
        result = cli.invoke(args=["territories", "load"])
        assert result.exit_code == 0, result.output
        assert "101 départements" in result.output
    assert db.session.scalar(select(func.count()).select_from(Department)) == 101
    assert db.session.scalar(select(func.count()).select_from(Region)) == 18
    assert db.session.get(Department, "2B").region_code == "94"


def test_the_counters_commands_check_and_repair(app, make, world):
    make.device("ready", operator=world.operator)  # created without telling the counters
    cli = runner(app)
    assert cli.invoke(args=["counters", "check"]).exit_code == 1
    assert cli.invoke(args=["counters", "repair"]).exit_code == 0
    result = cli.invoke(args=["counters", "check"])
    assert result.exit_code == 0 and "equal" in result.output
    assert cli.invoke(args=["counters", "fold"]).exit_code == 0
