"""RFC 9457 problem+json responses for every API error."""

from __future__ import annotations

import http

from apispec import BasePlugin
from flask import jsonify
from flask_babel import gettext
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import INCLUDE, Schema, fields
from werkzeug.exceptions import HTTPException

from ..errors import DomainError, problem, translated

PROBLEM_JSON = "application/problem+json"


def problem_response(status: int, title: str, detail: str, code: str,
                     errors: dict | None = None, headers: dict | None = None,
                     extra: dict | None = None):
    response = jsonify(problem(status, title, detail, code, errors, extra))
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
        detail = (gettext("Ces champs ne sont pas acceptés : %(fields)s.", fields=", ".join(unknown))
                  if unknown else gettext("Certains champs ne sont pas valides : %(fields)s.",
                                          fields=", ".join(sorted(errors))))
    headers = {}
    if error.code == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="collecte"'
    if error.code == 429:
        headers["Retry-After"] = "60"
    return problem_response(error.code or 500, error.name, detail,
                            error.name.lower().replace(" ", "-"), errors, headers)


def domain_problem(error: DomainError, retry_after: int = 30):
    headers = {"Retry-After": str(retry_after)} if error.status in (429, 503) else None
    # In the client's language (session, account, or Accept-Language: web/i18n.py).
    return problem_response(error.status, error.title, translated(error), error.code,
                            error.messages, headers, error.extra)


class ProblemSchema(Schema):
    """RFC 9457 problem document; some problems add members (e.g. current_stage, allowed)."""

    class Meta:
        unknown = INCLUDE

    type = fields.Str(required=True, metadata={"example": "urn:collecte:problem:not-found"})
    title = fields.Str(required=True)
    status = fields.Int(required=True)
    detail = fields.Str(required=True)
    errors = fields.Dict(keys=fields.Str(), metadata={
        "description": "Field name → messages (or nested errors) of what to fix."})


class ProblemResponses(BasePlugin):
    """Documents the problems every operation can answer, so that the OpenAPI document lists
    each status a client may see (checked by tests/security/test_schemathesis.py): 401 on every
    non-public path, 404 where a path names an object, 422 where it names a device code (a
    mistyped code is caught by its check symbol), 400 where a body that is not JSON may come.
    Conflicts (409) are declared by the operations that have them; every error answers the
    Problem schema as application/problem+json."""

    def __init__(self, public_paths: frozenset[str]):
        self.public_paths = public_paths

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            documented = {str(code) for code in responses}
            if path not in self.public_paths and "401" not in documented:
                responses["401"] = "UNAUTHORIZED"
            if path and "{" in path and "404" not in documented:
                responses["404"] = "NOT_FOUND"
            if path and "{code}" in path and "422" not in documented:
                responses["422"] = "UNPROCESSABLE_ENTITY"
            if "requestBody" in operation and "400" not in documented:
                responses["400"] = "BAD_REQUEST"
            for status, response in responses.items():
                # An error documented by its description only (alt_response(409, description=
                # ...)) is a problem document all the same.
                if int(status) >= 400 and isinstance(response, dict) and "content" not in response:
                    response["content"] = {PROBLEM_JSON: {
                        "schema": {"$ref": "#/components/schemas/Problem"}}}


class ProblemApi(Api):
    """flask-smorest's Api answering errors as RFC 9457 problem+json, and documenting them so:
    no catch-all `default` response, every error status with the problem schema."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error):
        return _http_problem(error)

    def _register_responses(self):
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
