"""Collecte: logistics of donated, reconditioned devices for digital inclusion."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from . import config as config_module

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    """Config → extensions → api → web → cli. Refuses to start when misconfigured."""
    from .application import Collecte

    app = Collecte(__name__, template_folder=str(ROOT / "templates"))
    from .converters import IdIntegerConverter

    app.url_map.converters["int"] = IdIntegerConverter
    app.jinja_env.add_extension("jinja2.ext.do")
    app.config.update(config_module.from_environment())
    app.config.update(
        SQLALCHEMY_ENGINE_OPTIONS={},
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in auth.protect_csrf, which skips bearer calls
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_DEFAULT_TIMEZONE="Europe/Paris",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        LANGUAGES=("fr", "en"),
        API_TITLE="Collecte API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="v1/openapi.json",
        RATELIMIT_HEADERS_ENABLED=True,
        # Redis down must not break logins: count in memory meanwhile, never answer 500.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
    )
    if overrides:
        app.config.update(overrides)
    config_module.check(app.config)
    Path(app.config["DATA_DIR"]).mkdir(parents=True, exist_ok=True)

    from .extensions import engine_options

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **engine_options(app.config["SQLALCHEMY_DATABASE_URI"]),
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    }
    _init_extensions(app)

    from . import api, cli, rate_limits, request_limits, web

    request_limits.init_app(app)
    api.init_app(app)
    web.init_app(app)
    rate_limits.init_app(app)  # once the blueprints are known: see rate_limits
    cli.init_app(app)

    from .services.schema import refuse_if_behind

    refuse_if_behind(app)
    return app


def _init_extensions(app: Flask) -> None:
    from . import jobs
    from .extensions import babel, celery_init_app, configure_sqlite, csrf, db, login, migrate
    from .web.i18n import select_locale

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            configure_sqlite(engine)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"),
                     compare_type=True, render_as_batch=True)
    csrf.init_app(app)
    login.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    celery_init_app(app)
    with app.app_context():
        jobs.install(db.session)
