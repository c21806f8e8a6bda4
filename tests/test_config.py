"""Configuration from COLLECTE_* variables; production refuses unsafe settings."""

import pytest

from collecte import config, create_app
from collecte.extensions import db
from collecte.services.schema import refuse_if_behind


def test_settings_come_from_collecte_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("COLLECTE_DATABASE_URL", "sqlite:///x.sqlite")
    monkeypatch.setenv("COLLECTE_BROKER_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("COLLECTE_RESULT_BACKEND", "redis://127.0.0.1:6379/4")
    monkeypatch.setenv("COLLECTE_PUBLIC_URL", "https://collecte.example.org/")
    monkeypatch.setenv("COLLECTE_MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("COLLECTE_DATA_DIR", str(tmp_path))
    settings = config.from_environment()
    assert settings["SQLALCHEMY_DATABASE_URI"] == "sqlite:///x.sqlite"
    assert settings["BROKER_URL"] == "redis://127.0.0.1:6379/3"
    assert settings["RESULT_BACKEND"] == "redis://127.0.0.1:6379/4"
    assert settings["PUBLIC_URL"] == "https://collecte.example.org"
    assert settings["MAIL_SERVER"] == "smtp.example.org"


def test_the_embedded_default_uses_its_own_broker_on_a_socket_in_the_data_dir(monkeypatch,
                                                                              tmp_path):
    for name in ("DATABASE_URL", "BROKER_URL", "RESULT_BACKEND", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(f"COLLECTE_{name}", raising=False)
    monkeypatch.setenv("COLLECTE_DATA_DIR", str(tmp_path))
    settings = config.from_environment()
    socket = tmp_path.resolve() / "broker" / "valkey.sock"
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    # Broker, results and rate limits: the same Redis code paths as production.
    assert settings["BROKER_URL"] == settings["RESULT_BACKEND"] == f"redis+socket://{socket}"
    assert settings["RATELIMIT_STORAGE_URI"] == f"redis+unix://{socket}"


def test_production_refuses_the_default_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("COLLECTE_ENV", "production")
    monkeypatch.delenv("COLLECTE_SECRET_KEY", raising=False)
    monkeypatch.setenv("COLLECTE_DATA_DIR", str(tmp_path))
    with pytest.raises(config.ConfigError, match="COLLECTE_SECRET_KEY"):
        create_app()


def test_the_app_refuses_to_serve_an_unmigrated_database(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite'}",
                      "DATA_DIR": str(tmp_path), "TESTING": True})
    with pytest.raises(RuntimeError, match="db upgrade"):
        refuse_if_behind(app, force=True)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        refuse_if_behind(app, force=True)  # at head: starts
        db.engine.dispose()


def test_production_start_up_checks_the_schema(monkeypatch, tmp_path):
    monkeypatch.setenv("COLLECTE_ENV", "production")
    monkeypatch.setenv("COLLECTE_SECRET_KEY", "a-real-secret-for-this-test-only-0123456789")
    monkeypatch.setenv("COLLECTE_DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite'}")
    monkeypatch.setenv("COLLECTE_DATA_DIR", str(tmp_path))
    with pytest.raises(RuntimeError, match="db upgrade"):
        create_app()
