"""Small helpers shared by the page views."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from ..domain.models import User


def acting_user() -> User:
    """The logged-in user as a model instance, to pass to services."""
    return current_user._get_current_object()


def require_role(*roles: str) -> User:
    """The acting user if their role is among `roles` (admins always); else 404, like a page
    that does not exist, so that nothing leaks."""
    user = acting_user()
    if user.role not in roles and user.role != "admin":
        abort(404)
    return user
