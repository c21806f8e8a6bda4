"""Error pages: a domain error on a page is shown as a message, never as a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from ..errors import DATABASE_RETRY_AFTER, DomainError, database_unavailable, translated

log = logging.getLogger(__name__)


def domain_error_page(error: DomainError):
    return render_template("error.html", status=error.status, title=error.title,
                           detail=translated(error)), error.status


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            from ..api.problems import _http_problem

            return _http_problem(error)
        return render_template("error.html", status=error.code, title=error.name,
                               detail=error.description), error.code

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def _database_unavailable(error: Exception):
        """The database cannot be reached (restart, failover, pool exhausted): 503 with
        Retry-After, never a 500. The next request reconnects (pool pre-ping)."""
        log.warning("database unavailable: %s", error)
        g.database_unavailable = True  # nothing below may ask the database (see select_locale)
        from ..extensions import db

        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the pool drops it
            db.session.close()
        unavailable = database_unavailable()
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            from ..api.problems import domain_problem

            return domain_problem(unavailable, retry_after=DATABASE_RETRY_AFTER)
        try:
            body = render_template("unavailable.html", detail=translated(unavailable))
        except Exception:  # the page itself may need the database (the user, the locale)
            body = unavailable.detail
        return body, 503, {"Retry-After": str(DATABASE_RETRY_AFTER)}
