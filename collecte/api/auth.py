"""Who is calling the API: a browser session or a bearer token (resolved by Flask-Login)."""

from __future__ import annotations

from copy import deepcopy
from functools import wraps

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from ..services.users import Caller


def current_api_caller():
    """Who calls: the ORM User of a browser session, or the users.Caller row of a bearer
    token (enough for scoping and scans); a 401 problem for anonymous calls."""
    if not current_user.is_authenticated:
        abort(401, _("Connectez-vous, ou envoyez un jeton : Authorization: Bearer <jeton>."))
    return current_user._get_current_object()


def current_api_user():
    """The authenticated user as an ORM User, for use cases that need one."""
    caller = current_api_caller()
    return caller.account() if isinstance(caller, Caller) else caller


def roles(*allowed: str):
    """Restrict an endpoint to some roles; others get 404 so that nothing leaks."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_api_caller()
            if user.role not in allowed and user.role != "admin":
                abort(404)
            return view(*args, **kwargs)

        # Documented in the OpenAPI document: other roles get a 404 problem.
        wrapper._apidoc = deepcopy(getattr(view, "_apidoc", {}))
        responses = wrapper._apidoc.setdefault("response", {}).setdefault("responses", {})
        if 404 not in responses:
            responses[404] = ["NOT_FOUND"]
        return wrapper

    return decorator
