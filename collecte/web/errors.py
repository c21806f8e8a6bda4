"""Error pages: a domain error on a page is shown as a message, never as a stack trace."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import DomainError


def domain_error_page(error: DomainError):
    return render_template("error.html", status=error.status, title=error.title,
                           detail=error.detail), error.status


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            from ..api.problems import _http_problem

            return _http_problem(error)
        return render_template("error.html", status=error.code, title=error.name,
                               detail=error.description), error.code
