"""Domain errors raised by services; the API turns them into problem+json, pages into messages."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """An expected refusal. `code` is stable and becomes the problem `type`."""

    status = 400
    code = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, code: str | None = None,
                 errors: dict[str, Any] | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.errors = errors or {}
        self.extra = extra


class NotFound(DomainError):
    """Also what a user gets for something that exists but is not theirs to see."""

    status = 404
    code = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class Invalid(DomainError):
    status = 422
    code = "invalid"
    title = "Unprocessable content"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class TooMany(DomainError):
    status = 429
    code = "too-many-requests"
    title = "Too many requests"


class Unavailable(DomainError):
    status = 503
    code = "unavailable"
    title = "Service unavailable"


DATABASE_RETRY_AFTER = 5  # s: a PostgreSQL restart or failover takes a few seconds


def database_unavailable() -> Unavailable:
    """What a request gets while the database cannot be reached (restart, failover, network):
    a 503 the client retries, not a 500. Pool pre-ping reconnects on the next request."""
    return Unavailable("La base de données est momentanément injoignable : réessayez dans "
                       "quelques secondes.", code="database-unavailable")


def problem(status: int, title: str, detail: str, code: str,
            errors: dict | None = None, extra: dict[str, Any] | None = None) -> dict:
    """An RFC 9457 problem document."""
    body = {"type": f"urn:collecte:problem:{code}", "title": title, "status": status,
            "detail": detail}
    if errors:
        body["errors"] = errors
    # Extra members never replace the standard ones (a `status` extra would lie about the HTTP
    # status); services name them current_status, current_stage...
    body.update({k: v for k, v in (extra or {}).items() if k not in body and k != "errors"})
    return body
