"""JSON API under /api/v1 (flask-smorest), its OpenAPI document and self-hosted docs."""

from __future__ import annotations

from flask import Flask, render_template, request, send_from_directory
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError
from .problems import ProblemResponses, domain_problem

# API paths anyone may read: the API's own description and the open-data schema.
PUBLIC_API_PATHS = frozenset({"/api/v1/openapi.json", "/api/v1/exports/opendata/schema.json"})


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    from ..extensions import api
    from . import beneficiaries, devices, exports, jobs, labels, pledges, reports, requests, scans, workshop

    api.init_app(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"},
        "session": {"type": "apiKey", "in": "cookie", "name": "session"}}},
        "security": [{"bearer": []}, {"session": []}],
        "extra_plugins": [ProblemResponses(PUBLIC_API_PATHS)]})
    for module in (devices, scans, jobs, workshop, labels, pledges, beneficiaries, requests,
                   reports, exports):
        api.register_blueprint(module.blp, url_prefix="/api/v1")

    @app.before_request
    def _authenticate_api_calls():
        """Authentication before anything else, so an anonymous call learns nothing (not even
        what a valid body looks like): 401 problem for every API path not public."""
        if (request.path.startswith("/api/v1/") and request.path not in PUBLIC_API_PATHS
                and request.method != "OPTIONS" and not current_user.is_authenticated):
            from flask import abort

            abort(401, _("Connectez-vous, ou envoyez un jeton : Authorization: Bearer <jeton>."))

    @app.errorhandler(DomainError)
    def _on_domain_error(error: DomainError):
        if is_api_request():
            return domain_problem(error)
        from ..web.errors import domain_error_page

        return domain_error_page(error)

    @app.get("/api/docs")
    def api_docs():
        return render_template("api_docs.html")

    @app.get("/api/docs/assets/<path:filename>")
    def api_docs_assets(filename: str):
        import swagger_ui_bundle

        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)
