"""Pages: manager (to be filled by its issue)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("manager", __name__, url_prefix="/manager")
