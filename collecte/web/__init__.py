"""Server-rendered pages: one blueprint per role area, plus login, device pages and health."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user

from ..extensions import csrf, login
from .security import security_headers
from .session_cookie import CookieSessions


def init_app(app: Flask) -> None:
    from . import (
        account,
        admin,
        allocation,
        auth,
        devices,
        donor,
        health,
        i18n,
        labels,
        main,
        manager,
        signup,
        social,
        workshop,
    )

    for module in (main, auth, account, devices, health, i18n, workshop, labels, donor, social,
                   allocation, manager, admin, signup):
        app.register_blueprint(module.bp)
    app.register_blueprint(health.jobs_bp)

    login.login_view = "auth.login"
    login.login_message = None
    login.user_loader(auth.load_user)
    login.request_loader(auth.load_user_from_bearer)
    login.unauthorized_handler(auth.unauthorized)

    @app.before_request
    def _protect_csrf():
        # Bearer-token calls carry no cookie, so they cannot be forged cross-site; everything
        # else that changes state needs the CSRF token (form field or X-CSRFToken header).
        if request.method in ("GET", "HEAD", "OPTIONS") or not app.config["WTF_CSRF_ENABLED"]:
            return
        if request.headers.get("Authorization", "").startswith("Bearer "):
            return
        csrf.protect()

    @app.context_processor
    def _globals():
        return {"lang": i18n.current_language(), "user": current_user}

    from ..domain.stages import Stage
    from ..errors import translate
    from .background import status as job_status
    from .background import workers_banner
    from .navigation import nav_links

    app.jinja_env.globals.update(Stage=Stage, nav_links=nav_links, job_status=job_status,
                                 workers_banner=workers_banner)
    # Messages with values built by the services (e.g. an import's problems by line).
    app.jinja_env.filters["translate"] = translate
    app.after_request(security_headers)
    app.session_interface = CookieSessions()
    from .errors import register

    register(app)
