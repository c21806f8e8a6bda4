"""RFC 9457 problem+json responses for every API error."""

from __future__ import annotations

from flask import jsonify
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from ..errors import DomainError, problem

PROBLEM_JSON = "application/problem+json"


def problem_response(status: int, title: str, detail: str, code: str,
                     errors: dict | None = None, headers: dict | None = None, **extra):
    response = jsonify(problem(status, title, detail, code, errors, **extra))
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _http_problem(error: HTTPException):
    """Every HTTP error on the API, including marshmallow's 422, as problem+json."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or {}
    # smorest nests validation errors by location (json, query, files): flatten for clients.
    errors: dict = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            errors.update(location_errors)
    detail = error.description or error.name
    if errors:
        unknown = sorted(k for k, v in errors.items() if v == ["Unknown field."])
        detail = ("Ces champs ne sont pas acceptés : " + ", ".join(unknown) + "."
                  if unknown else "Certains champs ne sont pas valides : " + ", ".join(sorted(errors)) + ".")
    headers = {}
    if error.code == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="collecte"'
    if error.code == 429:
        headers["Retry-After"] = "60"
    return problem_response(error.code or 500, error.name, detail,
                            error.name.lower().replace(" ", "-"), errors, headers)


def domain_problem(error: DomainError, retry_after: int = 30):
    headers = {"Retry-After": str(retry_after)} if error.status in (429, 503) else None
    # An extra named like a member of the problem itself would clash with it: never let it.
    extra = {k: v for k, v in error.extra.items()
             if k not in ("type", "title", "status", "detail", "errors", "headers", "code")}
    return problem_response(error.status, error.title, error.detail, error.code, error.errors,
                            headers, **extra)


class ProblemApi(Api):
    """flask-smorest's Api answering errors as RFC 9457 problem+json."""

    def handle_http_exception(self, error):
        return _http_problem(error)
