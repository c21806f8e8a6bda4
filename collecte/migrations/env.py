"""Alembic environment: the app's engine and the domain's metadata."""

from __future__ import annotations

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from collecte.domain.models import Base

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
log = logging.getLogger("alembic.env")


def _engine():
    return current_app.extensions["migrate"].db.engine


def run_migrations_offline() -> None:
    context.configure(url=str(_engine().url), target_metadata=Base.metadata, literal_binds=True,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def no_empty_revision(ctx, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            log.info("No changes in schema detected.")

    with _engine().connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          process_revision_directives=no_empty_revision,
                          render_as_batch=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
