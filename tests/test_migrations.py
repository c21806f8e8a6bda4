"""Migrations: one head, and the models equal what the migrations build (SQLite, PostgreSQL)."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from collecte.domain.models import Base
from collecte.extensions import db
from collecte.services.schema import head_revisions
from tests import services_check
from tests.conftest import make_app


def test_there_is_exactly_one_head():
    assert len(head_revisions()) == 1


def _diff_after_upgrade(url, tmp_path):
    app = make_app(url, tmp_path)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(
                conn, opts={"compare_type": True}), Base.metadata)
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        Base.metadata.create_all(db.engine)
        db.engine.dispose()
    return diff


def test_models_equal_migrations_on_sqlite(tmp_path):
    assert _diff_after_upgrade(f"sqlite:///{tmp_path / 'm.sqlite'}", tmp_path) == []


@pytest.mark.postgres
def test_models_equal_migrations_on_postgresql(pg_url, tmp_path):
    services_check.require("PostgreSQL", services_check.postgres_available())
    assert _diff_after_upgrade(pg_url, tmp_path) == []
