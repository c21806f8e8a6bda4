"""Is the database at the migrations' head? The app refuses to serve on one that is behind."""

from __future__ import annotations

from pathlib import Path

import click
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def head_revisions() -> set[str]:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return set(ScriptDirectory.from_config(cfg).get_heads())


def current_revisions(engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def refuse_if_behind(app: Flask, *, force: bool = False) -> None:
    """Raise at start-up when the database is not migrated. Skipped under a CLI command (which
    may be the very `db upgrade` that fixes it) and in tests, unless `force`."""
    if not force and (app.testing or click.get_current_context(silent=True) is not None):
        return
    from ..extensions import db

    with app.app_context():
        current = current_revisions(db.engine)
    heads = head_revisions()
    if current != heads:
        raise RuntimeError(
            f"The database is at revision {sorted(current) or 'none'}, the code expects "
            f"{sorted(heads)}. Run `flask --app collecte db upgrade` first."
        )
